import { buildTargetReport } from '../infer/target-report.js';
import { REPORT_SCHEMA, type Report } from '../model/report.js';
import { traceTarget } from '../trace/tracer.js';
import { withTrace } from '../trace/merge.js';
import type { Transport } from '../transport/transport.js';
import { DEFAULT_SCAN_OPTIONS, scan, type ScanTarget } from '../scan/engine.js';
import { monotonicMs } from '../clock.js';

/** One probe run: what to probe and how. Targets are already resolved. */
export interface ProbeRequest {
  targets: readonly ScanTarget[];
  /** Ports of targets that do not name their own. */
  ports: readonly number[];
  echoCount: number;
  tries: number;
  timeoutMs: number;
  rate: number;
  trace: boolean;
  maxHops: number;
  /** A fixed TCP source port; random per run when absent. */
  sourcePort?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ProbeOutcome {
  report: Report;
  /** Sends the kernel refused (e.g. EPERM from a local firewall), in the scan and the traces together. */
  sendErrors: number;
  durationSeconds: number;
}

/** Rounds of TTL-limited probes a trace may take (see tracer.ts). */
export const TRACE_ROUNDS = 4;

/**
 * The whole probe of a set of targets over an open transport: the plain
 * probe, then (with `trace`) the trace of each target, turned into the
 * report. Shared by the command line and the exporter.
 */
export async function probeReport(transport: Transport, request: ProbeRequest): Promise<ProbeOutcome> {
  const started = monotonicMs();
  const result = await scan(transport, request.targets, {
    ...DEFAULT_SCAN_OPTIONS,
    ports: request.ports,
    echoCount: request.echoCount,
    tries: request.tries,
    timeoutMs: request.timeoutMs,
    rate: request.rate,
    signal: request.signal,
    onProgress: request.onProgress,
    flowId: request.sourcePort,
  });
  const targets = result.observations.map(buildTargetReport);
  let sendErrors = result.sendErrors;
  if (request.trace && !result.interrupted) {
    const traceOptions = { maxHops: request.maxHops, tries: TRACE_ROUNDS, timeoutMs: result.session.timeoutMs, rate: request.rate, signal: request.signal };
    for (const [index, target] of targets.entries()) {
      const trace = await traceTarget(transport, result.session, target, traceOptions);
      targets[index] = withTrace(target, trace.conclusion);
      sendErrors += trace.sendErrors;
    }
  }
  const interrupted = result.interrupted || request.signal?.aborted === true;
  return {
    report: { schema: REPORT_SCHEMA, interrupted, targets },
    sendErrors,
    durationSeconds: (monotonicMs() - started) / 1000,
  };
}
