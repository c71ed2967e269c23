import pLimit from 'p-limit';
import { buildTargetReport } from '../infer/target-report.js';
import { jsonChunks } from '../report/json.js';
import { REPORT_SCHEMA, type Report } from '../report/model.js';
import { tableChunks } from '../report/table.js';
import { writeChunks } from './output.js';
import { createProgressBar, wantsProgress } from './progress.js';
import { DEFAULT_SCAN_OPTIONS, scan } from '../scan/engine.js';
import { openRawTransport } from '../transport/raw.js';
import { traceTarget } from '../trace/tracer.js';
import { withTrace } from '../trace/merge.js';
import type { Transport } from '../transport/transport.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { ProbeOptions } from './probe-options.js';
import { resolveTarget, type ResolvedTarget } from './targets.js';

/** Name lookups run at once, at most. */
const RESOLVE_CONCURRENCY = 8;

export interface CommandIo {
  /** Writes output; may return a promise that resolves when the consumer has taken it (backpressure). */
  stdout: (text: string) => void | Promise<void>;
  stderr: (text: string) => void;
  signal?: AbortSignal;
  /** The terminal, when stderr is one: a progress bar is drawn there for long runs. */
  terminal?: { stderr: NodeJS.WriteStream; stdoutIsTTY: boolean };
  /** For tests: a transport instead of raw sockets. */
  openTransport?: () => Transport;
}

/** Resolves every target (UsageError on the first bad one, in the order given). */
export async function resolveTargets(targets: readonly string[]): Promise<ResolvedTarget[]> {
  const limit = pLimit(RESOLVE_CONCURRENCY);
  return Promise.all(targets.map((target) => limit(() => resolveTarget(target))));
}

/** Runs a probe and prints its report. Returns 0, or 130 when interrupted. */
export async function runProbe(options: ProbeOptions, io: CommandIo): Promise<ExitCodeValue> {
  const resolved = await resolveTargets(options.targets);
  const transport = (io.openTransport ?? openRawTransport)();
  const progress =
    io.terminal &&
    wantsProgress({ stderrIsTTY: true, stdoutIsTTY: io.terminal.stdoutIsTTY, json: options.format === 'json', probes: resolved.length * options.ports.length })
      ? createProgressBar(io.terminal.stderr)
      : null;
  let result;
  let targets;
  try {
    result = await scan(transport, resolved, {
      ...DEFAULT_SCAN_OPTIONS,
      ports: options.ports,
      echoCount: options.echoCount,
      tries: options.tries,
      timeoutMs: options.timeoutMs,
      rate: options.rate,
      signal: io.signal,
      onProgress: progress ? (done, total) => progress.update(done, total) : undefined,
    });
    progress?.finish();
    targets = result.observations.map(buildTargetReport);
    if (options.trace && !result.interrupted) {
      const traceOptions = { maxHops: options.maxHops, tries: 4, timeoutMs: result.session.timeoutMs, rate: options.rate, signal: io.signal };
      for (const [index, target] of targets.entries()) {
        targets[index] = withTrace(target, await traceTarget(transport, result.session, target, traceOptions));
      }
    }
  } finally {
    progress?.finish();
    transport.close();
  }
  const interrupted = result.interrupted || io.signal?.aborted === true;
  const report: Report = { schema: REPORT_SCHEMA, interrupted, targets };
  await writeChunks(io, options.format === 'json' ? jsonChunks(report) : tableChunks(report));
  if (result.sendErrors > 0) io.stderr(`ttl-probe: warning: the kernel refused ${result.sendErrors} probe(s) (a local firewall?)\n`);
  return interrupted ? ExitCode.INTERRUPTED : ExitCode.OK;
}
