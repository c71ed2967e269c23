import type { ObservedReply } from '../infer/observation.js';
import type { ProbedFlow, ProbedTarget } from '../probe/classify-reply.js';

/** What the scan knows about one port of one target. */
export interface PortProgress {
  port: number;
  tries: number;
  reply: ObservedReply | null;
  lastSentAt: number;
  /** Counted in the window (sent, neither answered nor expired). */
  outstanding: boolean;
  done: boolean;
}

export function newPortProgress(port: number): PortProgress {
  return { port, tries: 0, reply: null, lastSentAt: 0, outstanding: false, done: false };
}

/** The reference probes of one target (their replies give the host's own TTL). */
export interface ReferenceProgress {
  sent: number;
  /** Send time by subject, while unanswered. */
  sentAt: Map<number, number>;
  replies: { ttl: number; rttMs: number }[];
}

/**
 * One target during a scan: two flows, one for the port probes (their
 * subjects are ports) and one for the reference probes (subjects 1..n).
 */
export interface TargetState extends ProbedTarget {
  portFlow: ProbedFlow;
  referenceFlow: ProbedFlow;
  ports: Map<number, PortProgress>;
  reference: ReferenceProgress;
  /** Packets aimed at this run from or about this target that failed validation. */
  ignored: number;
}

/**
 * One probe to send: a subject of a flow. `port` is set for port probes
 * (windowed, expired, re-sent) and null for reference probes (sent once).
 */
export interface Job {
  target: TargetState;
  flow: ProbedFlow;
  subject: number;
  port: PortProgress | null;
}
