/**
 * A model of the ICMP error rate limit of the routers on a path, so the
 * tracer spends each router's errors only where they decide something.
 *
 * Linux (and most routers) keep a token bucket per destination: a burst of
 * six errors (XRLIM_BURST_FACTOR), then one per net.ipv4.icmp_ratelimit
 * (1000 ms). Errors beyond that are silently not sent, which a naive tracer
 * reads as "no router here" or "dropped here". The model assumes full buckets
 * at the start (nothing else makes these routers send us errors).
 */
export interface IcmpBudget {
  /** Whether the router at `hop` would send an error now. */
  available(hop: number, now: number): boolean;
  /** Records that a probe expiring at `hop` was sent now (the router spends a token if it has one). */
  spend(hop: number, now: number): void;
  /** When the router at `hop` will next have a token (now when it has one). */
  nextAvailableAt(hop: number, now: number): number;
  /**
   * Gives back the token of a probe that drew no time-exceeded: it never
   * reached that router (dropped or answered earlier), or the router was out
   * of tokens. Either way the router spent nothing, so spending on send and
   * refunding the silent ones tracks the router exactly.
   */
  refund(hop: number, now: number): void;
  /** Marks the router at `hop` as out of tokens (it did not answer a probe that surely reached it). */
  drain(hop: number, now: number): void;
}

export const ICMP_BURST = 6;
export const ICMP_INTERVAL_MS = 1000;

export function createIcmpBudget(burst = ICMP_BURST, intervalMs = ICMP_INTERVAL_MS): IcmpBudget {
  // Tokens measured in milliseconds of credit, as the kernel does in jiffies.
  const capacity = burst * intervalMs;
  const buckets = new Map<number, { credit: number; last: number }>();
  const refill = (hop: number, now: number): { credit: number; last: number } => {
    let bucket = buckets.get(hop);
    if (!bucket) {
      bucket = { credit: capacity, last: now };
      buckets.set(hop, bucket);
    }
    bucket.credit = Math.min(capacity, bucket.credit + Math.max(0, now - bucket.last));
    bucket.last = now;
    return bucket;
  };
  return {
    available(hop, now) {
      return refill(hop, now).credit >= intervalMs;
    },
    spend(hop, now) {
      const bucket = refill(hop, now);
      if (bucket.credit >= intervalMs) bucket.credit -= intervalMs;
    },
    drain(hop, now) {
      refill(hop, now).credit = 0;
    },
    refund(hop, now) {
      const bucket = refill(hop, now);
      bucket.credit = Math.min(capacity, bucket.credit + intervalMs);
    },
    nextAvailableAt(hop, now) {
      const bucket = refill(hop, now);
      return bucket.credit >= intervalMs ? now : now + (intervalMs - bucket.credit);
    },
  };
}
