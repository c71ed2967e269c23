import type { ExpectationResult, ReportExpectations } from '../model/expectation.js';
import { REPORT_SCHEMA, type AnsweredBy, type PortReport, type PortState, type ReplyReport, type Report, type TargetReport } from '../model/report.js';

/**
 * One line of the `--format ndjson` output: one port of one target, for log
 * pipelines. Field names follow the JSON report (schema ttl-probe/1); a port
 * without a verdict (interrupted, or expected but not probed) has null state,
 * answeredBy, hop, reply and tries, and says why in `explanation`.
 * Described by schema/ttl-probe-1-ndjson.schema.json.
 */
export interface NdjsonRecord {
  schema: typeof REPORT_SCHEMA;
  target: string;
  address: string;
  port: number;
  state: PortState | null;
  answeredBy: AnsweredBy | null;
  hop: number | null;
  /** traceroute hop of the host (the reference); null without a reference. */
  hostHop: number | null;
  reply: ReplyReport | null;
  tries: number | null;
  explanation: string | null;
  /** --trace only, as in the JSON report. */
  responder?: PortReport['responder'];
  droppedAfter?: PortReport['droppedAfter'];
  forwardedBy?: PortReport['forwardedBy'];
  undermined?: true;
  /**
   * --trace only: the target's findings about the path (TargetReport's
   * changes, ttlRewrite, nat), the same on every line of a target, so each
   * line stands alone in a log pipeline.
   */
  pathChanges?: TargetReport['changes'];
  ttlRewrite?: TargetReport['ttlRewrite'];
  nat?: TargetReport['nat'];
  /** Only when an expectation was given for this port. */
  expectation?: NdjsonExpectation;
}

export interface NdjsonExpectation {
  expected: ExpectationResult['expected'];
  met: boolean;
  message: string;
}

function expectationOf(result: ExpectationResult | undefined): { expectation?: NdjsonExpectation } {
  if (!result) return {};
  return { expectation: { expected: result.expected, met: result.met, message: result.message } };
}

/** The records of one target, by port: ports with a verdict, unfinished ones, then expected-but-unprobed ones. */
export function targetRecords(target: TargetReport, results: readonly ExpectationResult[] = []): NdjsonRecord[] {
  const byPort = new Map(results.map((result) => [result.port, result]));
  const base = { schema: REPORT_SCHEMA, target: target.target, address: target.address } as const;
  const path =
    target.changes !== undefined ? { pathChanges: target.changes, ttlRewrite: target.ttlRewrite ?? null, nat: target.nat ?? [] } : {};
  const records: NdjsonRecord[] = target.ports.map((port) => ({
    ...base,
    port: port.port,
    state: port.state,
    answeredBy: port.answeredBy,
    hop: port.hop,
    hostHop: target.reference.hop,
    reply: port.reply,
    tries: port.tries,
    explanation: port.explanation,
    ...(port.responder !== undefined ? { responder: port.responder } : {}),
    ...(port.droppedAfter !== undefined ? { droppedAfter: port.droppedAfter } : {}),
    ...(port.forwardedBy !== undefined ? { forwardedBy: port.forwardedBy } : {}),
    ...(port.undermined ? { undermined: true as const } : {}),
    ...path,
    ...expectationOf(byPort.get(port.port)),
  }));
  const covered = new Set(target.ports.map((port) => port.port));
  const noVerdict = (port: number, explanation: string): NdjsonRecord => {
    covered.add(port);
    return {
      ...base,
      port,
      state: null,
      answeredBy: null,
      hop: null,
      hostHop: target.reference.hop,
      reply: null,
      tries: null,
      explanation,
      ...expectationOf(byPort.get(port)),
    };
  };
  for (const port of target.unfinishedPorts) {
    if (!covered.has(port)) records.push(noVerdict(port, 'interrupted before a verdict'));
  }
  for (const result of results) {
    if (!covered.has(result.port)) records.push(noVerdict(result.port, 'not probed'));
  }
  return records.sort((a, b) => a.port - b.port);
}

/** All records of a report, target by target. `expectations` is index-aligned with report.targets. */
export function ndjsonRecords(report: Report, expectations: ReportExpectations = []): NdjsonRecord[] {
  return report.targets.flatMap((target, index) => targetRecords(target, expectations[index] ?? []));
}

/**
 * The `--format ndjson` output: one compact JSON object per port per line,
 * each line ending in a newline (nothing at all for a report without ports).
 */
export function formatNdjson(report: Report, expectations: ReportExpectations = []): string {
  return ndjsonRecords(report, expectations)
    .map((record) => `${JSON.stringify(record)}\n`)
    .join('');
}
