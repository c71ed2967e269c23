import { CHANGE_FIELDS, type HopRef, type PathChangeReport } from '../model/report.js';
import type { QuoteComparison } from '../probe/module.js';

/** The comparison of one hop's quote with what we sent. */
export interface HopQuote {
  hop: number;
  address: string;
  comparison: QuoteComparison;
}

/** The client itself: what we sent is known to be unchanged before the first hop. */
const CLIENT: HopRef = { hop: 0, address: null };

/**
 * Each field the path changed, reported once (tracebox's rule): the change
 * belongs after the last hop whose quote still showed the value we sent, and
 * is first seen at the first hop whose quote shows another. A hop whose quote
 * is too short to show a field neither moves that boundary nor hides a change
 * (so a change seen past a 28-byte-quoting router is placed after the last
 * hop that did show the field). Only a field's first change is reported; the
 * quote of the hop after a Linux rewriter is the first to show it, since a
 * Linux router quotes our packet before its own FORWARD rules run. Pure; `hops`
 * in any order, one quote per hop.
 */
export function concludeChanges(hops: readonly HopQuote[]): PathChangeReport[] {
  const ordered = [...hops].sort((a, b) => a.hop - b.hop);
  const changes: PathChangeReport[] = [];
  for (const field of CHANGE_FIELDS) {
    let after = CLIENT;
    for (const { hop, address, comparison } of ordered) {
      const difference = comparison.differences.find((d) => d.field === field);
      if (difference) {
        changes.push({ field, sent: difference.sent, seen: difference.seen, after, firstSeenAt: hop });
        break;
      }
      if (comparison.unchanged.includes(field)) after = { hop, address };
    }
  }
  return changes;
}
