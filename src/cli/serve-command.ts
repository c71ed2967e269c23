import type { AddressInfo } from 'node:net';
import { EnvironmentError, ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { dropPrivileges } from '../privileges.js';
import { describeAllowList } from '../serve/allow.js';
import { toServeOptions, type ListenAddress, type ServeOptions } from '../serve/options.js';
import { createExporter, type Exporter, type ExporterConfig } from '../serve/server.js';
import { openTransport } from '../transport/open.js';
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

/** Runs `serve` from yargs' parsed arguments (UsageError for bad values). */
export function runServeCommand(argv: Record<string, unknown>, io: ServeIo): Promise<ExitCodeValue> {
  return runServe(toServeOptions(argv), io);
}

/**
 * `ttl-probe serve`: opens the raw sockets once, binds the HTTP port, drops
 * privileges, then answers /probe and /metrics until SIGINT (exit 130) or
 * SIGTERM (exit 0). On either it stops accepting, aborts the probes in flight
 * (answered 503), and closes the sockets.
 */
export async function runServe(options: ServeOptions, io: ServeIo): Promise<ExitCodeValue> {
  // Both families; IPv6 is optional (no IPv6 or no addon: IPv4 targets still work, IPv6 ones fail with the reason).
  const shared = shareTransport((io.openTransport ?? openBothFamilies)());
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
      vantage: options.vantage,
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

/** The exporter's sockets: IPv4, and IPv6 when this machine can open it. */
function openBothFamilies(): ReturnType<typeof openTransport>['transport'] {
  return openTransport({ ipv4: true, ipv6: 'optional' }).transport;
}
