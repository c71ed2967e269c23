import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { lazyBuiltin } from '../lazy-builtin.js';
import { TtlProbeError } from '../errors.js';
import { formatPrometheus } from '../report/prometheus.js';
import { probeReport, type ProbeOutcome, type ProbeRequest } from '../run/probe.js';
import type { SharedTransport } from '../transport/shared.js';
import type { Transport } from '../transport/transport.js';
import { resolveTarget, type ResolvedTarget, type Resolver } from '../target/resolve.js';
import { refusalReason, type AllowList } from './allow.js';
import { createSlotLimiter } from './limiter.js';
import { createExporterMetrics, type ExporterMetrics, type ProbeResult } from './metrics.js';
import { parseProbeQuery, type ProbeQuery } from './query.js';
import { monotonicMs } from '../clock.js';

/** The content type of both expositions (Prometheus text format 0.0.4). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** HTTP time bounds: a client must send its whole request within these, so a slow one cannot linger. */
export const DEFAULT_HTTP_LIMITS = {
  /** Whole request (headers and any body), from the first byte. */
  requestTimeoutMs: 10_000,
  /** Headers alone. */
  headersTimeoutMs: 5_000,
  /** How often Node checks the two bounds above (its default, 30 s, would let a slow client stay 35 s). */
  checkIntervalMs: 1_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Connections open at once; more are refused by the kernel's backlog and Node. */
  maxConnections: 256,
  /** Request body bytes tolerated on a GET (none is expected); beyond this: 413. */
  maxBodyBytes: 1024,
  /** Request line and headers, bytes (Node answers 431 beyond). */
  maxHeaderBytes: 8192,
};

export type HttpLimits = typeof DEFAULT_HTTP_LIMITS;

/** The probe settings applied to every request (the serve command's flags). */
export interface ExporterProbeSettings {
  echoCount: number;
  tries: number;
  timeoutMs: number;
  rate: number;
  maxHops: number;
}

export interface ExporterConfig {
  allow: AllowList;
  maxConcurrent: number;
  /** After this the probe is aborted and the request answered 504. */
  probeTimeoutMs: number;
  probe: ExporterProbeSettings;
  /** The raw sockets opened at start-up; each probe takes a lease and closes it. */
  transport: SharedTransport;
  version: string;
  /** For tests: name lookups (default: the system resolver, with resolveTarget's time bound). */
  resolver?: Resolver;
  resolveTimeoutMs?: number;
  /** For tests: what runs a probe (default probeReport). */
  runProbe?: (transport: Transport, request: ProbeRequest) => Promise<ProbeOutcome>;
  httpLimits?: Partial<HttpLimits>;
  /** One line per problem worth an operator's attention (probe errors). */
  log?: (line: string) => void;
}

export interface Exporter {
  server: Server;
  metrics: ExporterMetrics;
  /**
   * Stops accepting connections, aborts the probes in flight (they are
   * answered 503), waits for them to end (at most `graceMs`) and closes every
   * connection. The shared transport is left to the caller.
   */
  shutdown(graceMs?: number): Promise<void>;
}

type AbortReason = 'timeout' | 'client' | 'shutdown';

/**
 * The exporter's HTTP layer: `GET /probe?target=HOST&ports=...[&trace=1]`
 * answers a probe's report as a Prometheus exposition, `GET /metrics` the
 * exporter's own metrics. The order of checks on /probe makes refusals cheap
 * and safe: the query (400) before a slot is taken, the slot (429) before any
 * name lookup, the lookup before the allow-list (403, so a name that resolves
 * outside is refused), and only then a probe.
 */
export function createExporter(config: ExporterConfig): Exporter {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...config.httpLimits };
  const limiter = createSlotLimiter(config.maxConcurrent);
  const metrics = createExporterMetrics({ maxConcurrent: config.maxConcurrent, version: config.version, startTimeSeconds: Math.round(Date.now() / 1000) });
  const runProbe = config.runProbe ?? probeReport;
  const log = config.log ?? (() => {});
  const inFlight = new Set<{ controller: AbortController; done: Promise<void> }>();
  let shuttingDown = false;

  const server = lazyBuiltin.http().createServer({
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
    maxHeaderSize: limits.maxHeaderBytes,
  });
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = 64;
  // Socket inactivity: a probe writes nothing until it ends, so this must outlast the probe's bound.
  server.timeout = config.probeTimeoutMs + limits.requestTimeoutMs + 5_000;

  const respond = (res: ServerResponse, path: string, code: number, body: string, headers: Record<string, string> = {}): void => {
    metrics.countRequest(path, code);
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(code, {
      'Content-Type': TEXT_CONTENT_TYPE,
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    });
    res.end(body);
  };
  const refuse = (res: ServerResponse, path: string, code: number, reason: string, headers?: Record<string, string>): void =>
    respond(res, path, code, `${reason}\n`, headers);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Act only on a complete request: nothing is resolved or probed while a client is still sending.
    let bodyBytes = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > limits.maxBodyBytes && !tooLarge) {
        tooLarge = true;
        res.setHeader('Connection', 'close');
        refuse(res, pathOf(req.url ?? '/'), 413, `a request body of more than ${limits.maxBodyBytes} bytes (GET takes none)`);
        req.destroy();
      }
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooLarge) return;
      handle(req, res, bodyBytes).catch((error: unknown) => {
        log(`internal error: ${error instanceof Error ? error.message : String(error)}`);
        refuse(res, pathOf(req.url ?? '/'), 500, 'internal error');
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, bodyBytes: number): Promise<void> {
    const url = req.url ?? '/';
    const path = pathOf(url);
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    if (path !== '/probe' && path !== '/metrics' && path !== '/') {
      refuse(res, path, 404, `not found: ${path.length > 64 ? `${path.slice(0, 61)}...` : path} (try /probe?target=HOST&ports=22,443 or /metrics)`);
      return;
    }
    if (req.method !== 'GET') {
      refuse(res, path, 405, `method ${req.method ?? '?'} not allowed: use GET`, { Allow: 'GET' });
      return;
    }
    if (bodyBytes > 0) {
      refuse(res, path, 400, 'GET takes no request body');
      return;
    }
    if (path === '/') {
      respond(res, path, 200, 'ttl-probe exporter\n  GET /probe?target=HOST&ports=22,443[&trace=1]  probe HOST, answer in the Prometheus text format\n  GET /metrics  the exporter\'s own metrics\n');
      return;
    }
    if (path === '/metrics') {
      respond(res, path, 200, metrics.format(), { 'Content-Type': EXPOSITION_CONTENT_TYPE });
      return;
    }
    const parsed = parseProbeQuery(query);
    if (!parsed.ok) {
      refuse(res, path, 400, parsed.reason);
      return;
    }
    if (shuttingDown) {
      refuse(res, path, 503, 'the exporter is shutting down', { Connection: 'close' });
      return;
    }
    const release = limiter.tryAcquire();
    if (!release) {
      refuse(res, path, 429, `too many probes at once (at most ${limiter.limit}, --max-concurrent): retry later`, { 'Retry-After': '1' });
      return;
    }
    let finish!: () => void;
    const entry = { controller: new AbortController(), done: new Promise<void>((resolve) => (finish = resolve)) };
    inFlight.add(entry);
    try {
      await probeAndAnswer(res, path, parsed.query, entry.controller);
    } finally {
      release();
      inFlight.delete(entry);
      finish();
    }
  }

  async function probeAndAnswer(res: ServerResponse, path: string, query: ProbeQuery, controller: AbortController): Promise<void> {
    const abort = (reason: AbortReason): void => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    const timer = setTimeout(() => abort('timeout'), config.probeTimeoutMs);
    // The scraper gave up (its own timeout) or went away: the slot is not held for nobody.
    const onClose = (): void => {
      if (!res.writableEnded) abort('client');
    };
    res.on('close', onClose);
    try {
      let resolved: ResolvedTarget;
      try {
        resolved = await resolveTarget(query.target, { resolver: config.resolver, timeoutMs: config.resolveTimeoutMs });
      } catch (error) {
        if (!(error instanceof TtlProbeError)) throw error;
        refuse(res, path, /timed out$/.test(error.message) ? 504 : 400, error.message);
        return;
      }
      const refusal = refusalReason(config.allow, resolved.target, resolved.address);
      if (refusal !== null) {
        refuse(res, path, 403, refusal);
        return;
      }
      if (controller.signal.aborted) {
        answerAborted(res, path, controller.signal.reason as AbortReason, query);
        return;
      }
      metrics.probeStarted();
      const started = monotonicMs();
      const lease = config.transport.lease();
      let result: ProbeResult = 'error';
      try {
        const outcome = await runProbe(lease, {
          targets: [resolved],
          ports: query.ports,
          echoCount: config.probe.echoCount,
          tries: config.probe.tries,
          timeoutMs: config.probe.timeoutMs,
          rate: config.probe.rate,
          trace: query.trace,
          maxHops: config.probe.maxHops,
          signal: controller.signal,
        });
        if (controller.signal.aborted) {
          const reason = controller.signal.reason as AbortReason;
          result = reason === 'timeout' ? 'timeout' : 'aborted';
          answerAborted(res, path, reason, query);
          return;
        }
        result = 'completed';
        respond(res, path, 200, formatPrometheus(outcome.report, [], { durationSeconds: outcome.durationSeconds }), { 'Content-Type': EXPOSITION_CONTENT_TYPE });
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        log(`probe of ${query.target} failed: ${message}`);
        refuse(res, path, 500, `probe failed: ${message}`);
      } finally {
        lease.close();
        metrics.probeFinished(result, (monotonicMs() - started) / 1000);
      }
    } finally {
      clearTimeout(timer);
      res.off('close', onClose);
    }
  }

  function answerAborted(res: ServerResponse, path: string, reason: AbortReason, query: ProbeQuery): void {
    if (reason === 'timeout') {
      refuse(res, path, 504, `the probe of ${query.target} took longer than ${config.probeTimeoutMs / 1000} s (--probe-timeout) and was aborted`);
    } else if (reason === 'shutdown') {
      refuse(res, path, 503, 'the exporter is shutting down', { Connection: 'close' });
    } else {
      // Nobody is listening any more; counted as nginx's 499 (client closed request).
      metrics.countRequest(path, 499);
    }
  }

  let shutdownPromise: Promise<void> | undefined;
  return {
    server,
    metrics,
    shutdown(graceMs = 5_000) {
      shutdownPromise ??= (async () => {
        shuttingDown = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        for (const entry of inFlight) entry.controller.abort('shutdown' satisfies AbortReason);
        await bounded(Promise.all([...inFlight].map((entry) => entry.done)), graceMs);
        // The aborted probes' 503s are written; whoever is still connected is cut off.
        server.closeAllConnections();
        await bounded(closed, graceMs);
      })();
      return shutdownPromise;
    },
  };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
