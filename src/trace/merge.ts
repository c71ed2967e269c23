import type { TargetReport, TtlRewriteReport } from '../model/report.js';
import { ttlWords } from '../packet/network.js';
import type { TraceConclusion } from './conclude.js';

/** The target report with the trace's path, responders and drop points added. */
export function withTrace(target: TargetReport, trace: TraceConclusion): TargetReport {
  return {
    ...target,
    path: trace.path,
    pathPort: trace.pathPort,
    changes: trace.changes,
    ttlRewrite: trace.ttlRewrite,
    nat: trace.nat,
    ports: target.ports.map((port) => ({
      ...port,
      responder: trace.responders.get(port.port) ?? null,
      droppedAfter: trace.droppedAfter.get(port.port) ?? null,
      ...(port.answeredBy === 'beyond' ? { forwardedBy: trace.forwardedBy.get(port.port) ?? null } : {}),
      ...(trace.ttlRewrite?.undermined.includes(port.port) === true
        ? { undermined: true as const, explanation: [port.explanation, underminedBy(trace.ttlRewrite, ttlWords(target.family).plural)].filter(Boolean).join('; ') }
        : {}),
    })),
  };
}

/** The port's line about the rewriter (the target's ttlRewrite.explanation says why, once). */
function underminedBy(rewrite: TtlRewriteReport, ttls: string): string {
  return `undermined: the ${ttls} this verdict rests on may have been reset at hop ${rewrite.hop}${rewrite.address ? ` ${rewrite.address}` : ''} (TTL rewrite, ${rewrite.direction})`;
}
