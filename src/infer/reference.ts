import type { ReferenceSource } from '../model/report.js';

/** The distance the host itself answers from, and which replies it came from. */
export interface Reference {
  source: ReferenceSource;
  distance: number | null;
}

/**
 * Chooses the reference distance of the host: the echo replies' distance
 * (the most common one; on a tie the farther, since a middlebox can only be
 * closer); with no echo reply, the farthest SYN-ACK; with neither, the
 * farthest RST. ICMP errors never serve: they come from routers by design.
 */
export function chooseReference(
  echoDistances: readonly number[],
  portReplies: readonly { kind: string; distance: number }[],
): Reference {
  if (echoDistances.length > 0) return { source: 'echo', distance: mostCommon(echoDistances) };
  const farthest = (kind: string): number | null => {
    let best: number | null = null;
    for (const reply of portReplies) if (reply.kind === kind && (best === null || reply.distance > best)) best = reply.distance;
    return best;
  };
  const synAck = farthest('syn-ack');
  if (synAck !== null) return { source: 'syn-ack', distance: synAck };
  const rst = farthest('rst');
  if (rst !== null) return { source: 'rst', distance: rst };
  return { source: 'none', distance: null };
}

/** The most common value; on a tie the larger (the farther distance). */
export function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best = values[0] ?? 0;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && value > best)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}
