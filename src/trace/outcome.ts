import type { MplsEntry } from '../packet/icmp.js';
import type { QuoteComparison } from '../probe/module.js';

/** What came back for one TTL-limited probe (over all its tries). */
export interface TraceOutcome {
  port: number;
  ttl: number;
  tries: number;
  /** The router whose time-exceeded quoted this probe. */
  timeExceeded: { from: string; rttMs: number } | null;
  /** That time-exceeded's quote held against the probe sent, and the MPLS labels it carried; null without one. */
  quote?: { comparison: QuoteComparison; mpls: MplsEntry[] } | null;
  /** A TCP reply (SYN-ACK/RST) or ICMP unreachable drawn by this probe, with its received TTL. */
  reply: { kind: string; from: string; ttl: number } | null;
}
