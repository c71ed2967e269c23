import { TtlProbeError } from '../errors.js';
import { monotonicMs } from '../clock.js';
import { formatPrometheus } from '../report/prometheus.js';
import type { ProbeOutcome, ProbeRequest } from '../run/probe.js';
import { resolveTargetAddresses, type ResolvedTarget, type Resolver } from '../target/resolve.js';
import type { SharedTransport } from '../transport/shared.js';
import type { Transport } from '../transport/transport.js';
import { refusalReason, type AllowList } from './allow.js';
import { abortedAnswer, expositionAnswer, failureMessage, refusal, unresolvedAnswer, type AbortReason, type Answer } from './answer.js';
import type { ExporterMetrics, ProbeResult } from './metrics.js';
import type { ProbeQuery } from './query.js';

/** The probe settings applied to every request (the serve command's flags). */
export interface ExporterProbeSettings {
  echoCount: number;
  tries: number;
  timeoutMs: number;
  rate: number;
  maxHops: number;
}

/** What answering a probe request needs. */
export interface ProbeAnswerContext {
  allow: AllowList;
  probe: ExporterProbeSettings;
  probeTimeoutMs: number;
  transport: SharedTransport;
  resolver?: Resolver;
  resolveTimeoutMs?: number;
  runProbe: (transport: Transport, request: ProbeRequest) => Promise<ProbeOutcome>;
  metrics: ExporterMetrics;
  log: (line: string) => void;
}

/** The probe request for a query, with the exporter's settings. */
export function probeRequestOf(target: ResolvedTarget, query: ProbeQuery, settings: ExporterProbeSettings, signal: AbortSignal): ProbeRequest {
  return {
    targets: [target],
    ports: query.ports,
    echoCount: settings.echoCount,
    tries: settings.tries,
    timeoutMs: settings.timeoutMs,
    rate: settings.rate,
    trace: query.trace,
    maxHops: settings.maxHops,
    signal,
  };
}

/** How a probe that ran ended, for the exporter's metrics. */
export function probeResultOf(signal: AbortSignal): ProbeResult {
  if (!signal.aborted) return 'completed';
  return (signal.reason as AbortReason) === 'timeout' ? 'timeout' : 'aborted';
}

/**
 * Answers a valid query holding a slot: the name lookup (400, or 504 when it
 * runs out of time), then the allow-list on the address it resolved to (403,
 * so a name that resolves outside is refused before any packet), then the
 * probe on a lease of the shared transport, answered as an exposition, or as
 * its abort (504 timeout, 503 shutdown, 499 client gone) or failure (500).
 */
export async function answerProbe(context: ProbeAnswerContext, query: ProbeQuery, signal: AbortSignal): Promise<Answer> {
  let resolved: ResolvedTarget;
  try {
    // A name gives the first address the system resolver returns, as `ttl-probe NAME` and ssh do (either family).
    resolved = (await resolveTargetAddresses(query.target, { family: null, all: false }, { resolver: context.resolver, timeoutMs: context.resolveTimeoutMs }))[0]!;
  } catch (error) {
    if (!(error instanceof TtlProbeError)) throw error;
    return unresolvedAnswer(error.message);
  }
  const refused = refusalReason(context.allow, resolved.target, resolved.address);
  if (refused !== null) return refusal(403, refused);
  if (signal.aborted) return abortedAnswer(signal.reason as AbortReason, query.target, context.probeTimeoutMs);

  context.metrics.probeStarted();
  const started = monotonicMs();
  const lease = context.transport.lease();
  let result: ProbeResult = 'error';
  try {
    const outcome = await context.runProbe(lease, probeRequestOf(resolved, query, context.probe, signal));
    result = probeResultOf(signal);
    if (signal.aborted) return abortedAnswer(signal.reason as AbortReason, query.target, context.probeTimeoutMs);
    return expositionAnswer(formatPrometheus(outcome.report, [], { durationSeconds: outcome.durationSeconds }));
  } catch (error) {
    const message = failureMessage(error);
    context.log(`probe of ${query.target} failed: ${message}`);
    return refusal(500, `probe failed: ${message}`);
  } finally {
    lease.close();
    context.metrics.probeFinished(result, (monotonicMs() - started) / 1000);
  }
}
