import { buildTargetReport } from '../infer/target-report.js';
import { hopOf, readTtl } from '../infer/ttl.js';
import { answeredByOf } from '../infer/verdict.js';
import { REPORT_SCHEMA } from '../model/report.js';
import type { ObservedReset, PortResets } from './resets.js';
import type { AnalysisResult } from './result.js';
import type { AnalyzedTargetReport, AnalyzeReport, CaptureSummary, MidflowReset } from '../model/analysis.js';

function hops(count: number): string {
  return count === 1 ? 'one hop' : `${count} hops`;
}

/** A reset with its TTL read, judged against the connection's other packets from the same side. */
export function midflowReset(reset: ObservedReset): MidflowReset {
  const reading = readTtl(reset.ttl);
  const flow = readTtl(reset.flowTtl);
  const answeredBy = answeredByOf(reading.distance, flow.distance);
  const hop = hopOf(reading.distance);
  const flowHop = hopOf(flow.distance);
  const gap = Math.abs(flow.distance - reading.distance);
  const where = answeredBy === 'middlebox' ? 'before' : 'beyond';
  const who =
    answeredBy === 'middlebox'
      ? `a device on the path cut the connection, not ${reset.from}`
      : `something farther away than ${reset.from} cut the connection`;
  return {
    from: reset.from,
    fromPort: reset.fromPort,
    to: reset.to,
    toPort: reset.toPort,
    side: reset.side,
    ttl: reading.ttl,
    initialTtl: reading.initialTtl,
    distance: reading.distance,
    hop,
    answeredBy,
    flowTtl: flow.ttl,
    flowDistance: flow.distance,
    flowHop,
    timestampMs: reset.timestampMs,
    explanation: `RST in the name of ${reset.from} came from hop ${hop}, ${hops(gap)} ${where} hop ${flowHop} where the connection's other packets from it come from: ${who}`,
  };
}

function resetsOf(entry: PortResets | undefined): { midflowResets: MidflowReset[]; midflowResetCount: number } {
  return { midflowResets: (entry?.listed ?? []).map(midflowReset), midflowResetCount: entry?.count ?? 0 };
}

/**
 * The analyze report: per target the same TargetReport a live probe gives
 * (buildTargetReport over the capture's observation), with the mid-flow
 * resets added per port, and the capture summary. Pure.
 */
export function buildAnalyzeReport(result: AnalysisResult, capture: Omit<CaptureSummary, 'clients' | 'clientCount' | 'untracked'>): AnalyzeReport {
  const targets: AnalyzedTargetReport[] = result.targets.map((analysis) => {
    const report = buildTargetReport(analysis.observation);
    // The observation may hold a sample of a very large number of echo replies.
    report.echo.received = analysis.echoReceived;
    return {
      ...report,
      ports: report.ports.map((port) => ({ ...port, ...resetsOf(analysis.resets.get(port.port)) })),
      midflowOnlyPorts: [...analysis.midflowOnly.keys()]
        .sort((a, b) => a - b)
        .map((port) => ({ port, ...resetsOf(analysis.midflowOnly.get(port)) })),
    };
  });
  return {
    schema: REPORT_SCHEMA,
    interrupted: false,
    targets,
    capture: { ...capture, clients: result.clients, clientCount: result.clientCount, untracked: result.untracked },
  };
}
