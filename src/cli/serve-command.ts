import type { AddressInfo } from 'node:net';
import type { Argv } from 'yargs';
import { EnvironmentError, ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { dropPrivileges } from '../privileges.js';
import { describeAllowList } from '../serve/allow.js';
import { DEFAULT_LISTEN, DEFAULT_MAX_CONCURRENT, DEFAULT_PROBE_TIMEOUT_MS, toServeOptions, type ListenAddress, type ServeOptions } from '../serve/options.js';
import { MAX_PORTS_PER_PROBE, MAX_QUERY_BYTES } from '../serve/query.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { DEFAULT_MAX_HOPS } from '../run/options.js';
import { createExporter, type Exporter, type ExporterConfig } from '../serve/server.js';
import { openRawTransport } from '../transport/raw.js';
import { shareTransport } from '../transport/shared.js';
import { VERSION } from '../version.js';
import type { CommandIo } from './io.js';
import type { Resolver } from '../target/resolve.js';

export interface ServeIo extends CommandIo {
  /**
   * Aborted on SIGTERM: stop as after Ctrl-C, but exit 0. When absent,
   * runServe listens for SIGTERM itself (bin/ only forwards SIGINT, as `signal`).
   */
  terminate?: AbortSignal;
  /** Called once the port is bound (with the real port when --listen asked for 0). */
  onListening?: (address: ListenAddress) => void;
  /** For tests: the exporter's name lookups and its HTTP limits. */
  resolver?: Resolver;
  httpLimits?: ExporterConfig['httpLimits'];
  /** For tests: what replaces the privilege drop. */
  dropPrivileges?: (user: string | null) => unknown;
}

/** The yargs command `serve` (registered in main.ts next to the default probe command). */
export const SERVE_COMMAND = {
  command: 'serve',
  describe: 'run a Prometheus exporter: GET /probe?target=HOST&ports=22,443[&trace=1] probes and answers in the text format; GET /metrics',
  builder: (y: Argv) =>
    y
      .usage(
        `$0 serve --allow CIDR|NAME [--allow ...] [--listen HOST:PORT] [options]\n\n` +
          `A blackbox_exporter-style HTTP exporter. It probes only targets whose name is listed or whose address lies in an --allow network (403 otherwise, before any packet), ` +
          `at most ${MAX_PORTS_PER_PROBE} ports per request and a query string of at most ${MAX_QUERY_BYTES} bytes (400 otherwise), ` +
          `and at most --max-concurrent probes at once (429 beyond).`,
      )
      .option('listen', { type: 'string', describe: `HOST:PORT to listen on (default ${DEFAULT_LISTEN}; 0.0.0.0:PORT for every interface)` })
      .option('allow', { type: 'string', describe: 'a CIDR (198.18.0.0/15), address or host name the exporter may probe; repeatable or comma-joined, at least one required' })
      .option('max-concurrent', { type: 'string', describe: `probes running at once, at most; more requests get 429 (default ${DEFAULT_MAX_CONCURRENT})` })
      .option('probe-timeout', { type: 'string', describe: `the longest one probe may take, in ms; then it is aborted and answered 504 (default ${DEFAULT_PROBE_TIMEOUT_MS})` })
      .option('echo-count', { type: 'string', describe: `per probe: ICMP echo requests (default ${DEFAULT_SCAN_OPTIONS.echoCount})` })
      .option('tries', { type: 'string', describe: `per probe: SYNs per port at most (default ${DEFAULT_SCAN_OPTIONS.tries})` })
      .option('timeout', { type: 'string', describe: `per probe: longest wait for one reply, in ms (default ${DEFAULT_SCAN_OPTIONS.timeoutMs})` })
      .option('rate', { type: 'string', describe: `per probe: packets per second at most (default ${DEFAULT_SCAN_OPTIONS.rate})` })
      .option('max-hops', { type: 'string', describe: `per probe with trace=1: the farthest hop probed (default ${DEFAULT_MAX_HOPS})` })
      .option('user', { type: 'string', describe: 'the user to become once the raw sockets are open and the port is bound (default: the user who ran sudo; nobody when run as root)' }),
};

/** Runs `serve` from yargs' parsed arguments (UsageError for bad values). */
export function runServeCommand(argv: Record<string, unknown>, io: ServeIo): Promise<ExitCodeValue> {
  return runServe(
    toServeOptions({
      listen: argv.listen,
      allow: argv.allow,
      maxConcurrent: argv.maxConcurrent,
      probeTimeout: argv.probeTimeout,
      echoCount: argv.echoCount,
      tries: argv.tries,
      timeout: argv.timeout,
      rate: argv.rate,
      maxHops: argv.maxHops,
      user: argv.user,
    }),
    io,
  );
}

/**
 * `ttl-probe serve`: opens the raw sockets once, binds the HTTP port, drops
 * privileges, then answers /probe and /metrics until SIGINT (exit 130) or
 * SIGTERM (exit 0). On either it stops accepting, aborts the probes in flight
 * (answered 503), and closes the sockets.
 */
export async function runServe(options: ServeOptions, io: ServeIo): Promise<ExitCodeValue> {
  const shared = shareTransport((io.openTransport ?? openRawTransport)());
  let exporter: Exporter | undefined;
  const stopTerm = new AbortController();
  const onSigterm = (): void => stopTerm.abort();
  if (!io.terminate) process.once('SIGTERM', onSigterm);
  const terminate = io.terminate ?? stopTerm.signal;
  try {
    exporter = createExporter({
      allow: options.allow,
      maxConcurrent: options.maxConcurrent,
      probeTimeoutMs: options.probeTimeoutMs,
      probe: { echoCount: options.echoCount, tries: options.tries, timeoutMs: options.timeoutMs, rate: options.rate, maxHops: options.maxHops },
      transport: shared,
      version: VERSION,
      resolver: io.resolver,
      httpLimits: io.httpLimits,
      log: (line) => io.stderr(`ttl-probe serve: ${line}\n`),
    });
    const bound = await listen(exporter, options.listen);
    // Sockets open and port bound: nothing privileged is left to do, and no request has been read yet.
    (io.dropPrivileges ?? dropPrivileges)(options.user);
    exporter.server.on('error', (error) => io.stderr(`ttl-probe serve: ${error.message}\n`));
    io.onListening?.(bound);
    const shown = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
    io.stderr(
      `ttl-probe serve: listening on http://${shown}:${bound.port}/ (allow ${describeAllowList(options.allow)}; at most ${options.maxConcurrent} probes at once)\n`,
    );
    const how = await stopped(io.signal, terminate);
    io.stderr(`ttl-probe serve: ${how === 'interrupt' ? 'interrupted' : 'terminated'}, stopping\n`);
    await exporter.shutdown();
    return how === 'interrupt' ? ExitCode.INTERRUPTED : ExitCode.OK;
  } finally {
    process.off('SIGTERM', onSigterm);
    if (exporter?.server.listening) await exporter.shutdown();
    shared.close();
  }
}

function listen(exporter: Exporter, address: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = `${address.host}:${address.port}`;
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') reject(new UsageError(`--listen ${where}: cannot resolve "${address.host}"`));
      else reject(new EnvironmentError(`cannot listen on ${where} (${error.code ?? error.message})`, 'ERR_LISTEN'));
    };
    exporter.server.once('error', onError);
    exporter.server.listen(address.port, address.host, () => {
      exporter.server.off('error', onError);
      const info = exporter.server.address() as AddressInfo;
      resolve({ host: info.address, port: info.port });
    });
  });
}

function stopped(interrupt: AbortSignal | undefined, terminate: AbortSignal): Promise<'interrupt' | 'terminate'> {
  if (interrupt?.aborted) return Promise.resolve('interrupt');
  if (terminate.aborted) return Promise.resolve('terminate');
  return new Promise((resolve) => {
    interrupt?.addEventListener('abort', () => resolve('interrupt'), { once: true });
    terminate.addEventListener('abort', () => resolve('terminate'), { once: true });
  });
}
