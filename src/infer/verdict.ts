import type { AnsweredBy, PortState, ReplyKind } from '../model/report.js';
import { hopOf } from './ttl.js';

/** A port's state from the kind of its reply (none: filtered). */
export function stateOf(kind: ReplyKind | null): PortState {
  switch (kind) {
    case 'syn-ack':
      return 'open';
    case 'rst':
      return 'closed';
    case 'icmp-unreachable':
      return 'unreachable';
    default:
      return 'filtered';
  }
}

/**
 * Who answered, by comparing the reply's distance with the host's reference
 * distance: the same -> host; closer -> middlebox on the path; farther ->
 * beyond (the port is forwarded past the device that answers ping).
 */
export function answeredByOf(replyDistance: number | null, referenceDistance: number | null): AnsweredBy {
  if (replyDistance === null) return 'none';
  if (referenceDistance === null) return 'unknown';
  if (replyDistance === referenceDistance) return 'host';
  return replyDistance < referenceDistance ? 'middlebox' : 'beyond';
}

const REPLY_NAMES: Record<ReplyKind, string> = {
  'syn-ack': 'SYN-ACK',
  rst: 'RST',
  'icmp-unreachable': 'ICMP unreachable',
};

function hops(count: number): string {
  return count === 1 ? 'one hop' : `${count} hops`;
}

/** Inputs of a port's one-line explanation. */
export interface ExplanationInput {
  answeredBy: AnsweredBy;
  kind: ReplyKind | null;
  replyDistance: number | null;
  referenceDistance: number | null;
  referenceSource: string;
  tries: number;
  /** e.g. "communication administratively prohibited" for ICMP replies. */
  detail?: string;
  from?: string;
}

/**
 * One line saying why a port is not simply answered by the host, e.g.
 * "RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered".
 * Null for a port the host answered.
 */
export function explain(input: ExplanationInput): string | null {
  const { answeredBy, kind, replyDistance, referenceDistance } = input;
  if (answeredBy === 'host') return null;
  if (answeredBy === 'none' || kind === null || replyDistance === null) {
    const tries = input.tries === 1 ? 'one SYN' : `${input.tries} SYNs`;
    return `no reply to ${tries}: dropped silently on the path or by the host`;
  }
  const what = kind === 'icmp-unreachable' && input.detail ? `ICMP ${input.detail}` : REPLY_NAMES[kind];
  const sender = input.from && kind === 'icmp-unreachable' ? ` (${input.from})` : '';
  const replyHop = hopOf(replyDistance);
  if (answeredBy === 'unknown' || referenceDistance === null) {
    return `${what} came from hop ${replyHop}${sender}; no echo reply, SYN-ACK or RST from the host to compare with: cannot tell who answered`;
  }
  const hostHop = hopOf(referenceDistance);
  const gap = Math.abs(referenceDistance - replyDistance);
  if (answeredBy === 'middlebox') {
    return `${what} came from hop ${replyHop}${sender}, ${hops(gap)} before the host at hop ${hostHop}: a device on the path answered`;
  }
  return `${what} came from hop ${replyHop}${sender}, ${hops(gap)} beyond hop ${hostHop} where the target answers ${input.referenceSource === 'echo' ? 'ping' : 'other ports'}: the port is forwarded past it (e.g. a DNAT load balancer)`;
}
