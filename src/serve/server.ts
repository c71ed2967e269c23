import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:http';
import { lazyBuiltin } from '../lazy-builtin.js';
import { probeReport, type ProbeOutcome, type ProbeRequest } from '../run/probe.js';
import type { SharedTransport } from '../transport/shared.js';
import type { Transport } from '../transport/transport.js';
import type { Resolver } from '../target/resolve.js';
import type { AllowList } from './allow.js';
import { bodyTooLarge, busy, EXPOSITION_CONTENT_TYPE, expositionAnswer, headersOf, INTERNAL_ERROR, refusal, SHUTTING_DOWN, type Answer } from './answer.js';
import { withConstantLabels } from '../report/prometheus.js';
import { createExporterMetrics, type ExporterMetrics } from './metrics.js';
import { answerProbe, type ExporterProbeSettings, type ProbeAnswerContext } from './probe-answer.js';
import { parseProbeQuery } from './query.js';
import { pathOf, route } from './route.js';
import { createProbeSlots, type ProbeSlot } from './slots.js';

export { EXPOSITION_CONTENT_TYPE } from './answer.js';
export type { ExporterProbeSettings } from './probe-answer.js';

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
  /** --vantage: a vantage="NAME" label on every series of both expositions. */
  vantage?: string | null;
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

/**
 * The exporter's HTTP layer: `GET /probe?target=HOST&ports=...[&trace=1]`
 * answers a probe's report as a Prometheus exposition, `GET /metrics` the
 * exporter's own metrics. The order of checks on /probe makes refusals cheap
 * and safe: the route (404, 405, 400 for a body) and the query (400) before a
 * slot is taken, the slot (429) before any name lookup, the lookup before the
 * allow-list (403, so a name that resolves outside is refused), and only then
 * a probe (probe-answer.ts).
 */
export function createExporter(config: ExporterConfig): Exporter {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...config.httpLimits };
  const slots = createProbeSlots(config.maxConcurrent);
  const metrics = createExporterMetrics({ maxConcurrent: config.maxConcurrent, version: config.version, startTimeSeconds: Math.round(Date.now() / 1000) });
  const log = config.log ?? (() => {});
  const probeContext: ProbeAnswerContext = {
    allow: config.allow,
    probe: config.probe,
    probeTimeoutMs: config.probeTimeoutMs,
    transport: config.transport,
    resolver: config.resolver,
    resolveTimeoutMs: config.resolveTimeoutMs,
    runProbe: config.runProbe ?? probeReport,
    metrics,
    log,
  };
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

  const send = (res: ServerResponse, path: string, answer: Answer): void => {
    metrics.countRequest(path, answer.code);
    if (answer.body === null || res.destroyed || res.writableEnded) return;
    if (config.vantage && answer.headers['Content-Type'] === EXPOSITION_CONTENT_TYPE) {
      answer = { ...answer, body: withConstantLabels(answer.body, [['vantage', config.vantage]]) };
    }
    res.writeHead(answer.code, headersOf(answer));
    res.end(answer.body);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Act only on a complete request: nothing is resolved or probed while a client is still sending.
    let bodyBytes = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > limits.maxBodyBytes && !tooLarge) {
        tooLarge = true;
        send(res, pathOf(req.url ?? '/'), bodyTooLarge(limits.maxBodyBytes));
        req.destroy();
      }
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooLarge) return;
      handle(req, res, bodyBytes).catch((error: unknown) => {
        log(`internal error: ${error instanceof Error ? error.message : String(error)}`);
        send(res, pathOf(req.url ?? '/'), INTERNAL_ERROR);
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, bodyBytes: number): Promise<void> {
    const path = pathOf(req.url ?? '/');
    const routed = route(req.method, req.url ?? '/', bodyBytes);
    if (routed.kind === 'answer') return send(res, path, routed.answer);
    if (routed.kind === 'metrics') return send(res, path, expositionAnswer(metrics.format()));
    const parsed = parseProbeQuery(routed.rawQuery);
    if (!parsed.ok) return send(res, path, refusal(400, parsed.reason));
    if (shuttingDown) return send(res, path, SHUTTING_DOWN);
    const slot = slots.take();
    if (!slot) return send(res, path, busy(slots.limit));
    const unbind = bindAborts(slot, res);
    try {
      // Answered before the slot is given back, so shutdown finds every aborted probe's 503 written.
      send(res, path, await answerProbe(probeContext, parsed.query, slot.signal));
    } finally {
      unbind();
      slot.release();
    }
  }

  /** A probe's time bound, and the scraper giving up (its own timeout) or going away: the slot is not held for nobody. */
  function bindAborts(slot: ProbeSlot, res: ServerResponse): () => void {
    const timer = setTimeout(() => slot.abort('timeout'), config.probeTimeoutMs);
    const onClose = (): void => {
      if (!res.writableEnded) slot.abort('client');
    };
    res.on('close', onClose);
    return () => {
      clearTimeout(timer);
      res.off('close', onClose);
    };
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
        slots.abortAll('shutdown');
        await bounded(slots.drained(), graceMs);
        // The aborted probes' 503s are written; whoever is still connected is cut off.
        server.closeAllConnections();
        await bounded(closed, graceMs);
      })();
      return shutdownPromise;
    },
  };
}

async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
