/**
 * The cap on concurrent probes. There is no queue: a request that finds every
 * slot taken is refused at once (429), so a burst of scrapes cannot pile up
 * waiting probes, memory and sockets without bound.
 */
export interface SlotLimiter {
  /** A release function when a slot was free (call it exactly once; later calls do nothing), else null. */
  tryAcquire(): (() => void) | null;
  /** Slots taken now. */
  readonly active: number;
  readonly limit: number;
}

/** A limiter of `limit` slots; `limit` is a whole number of at least 1. */
export function createSlotLimiter(limit: number): SlotLimiter {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError(`Expected \`limit\` to be a whole number of at least 1, got ${String(limit)}`);
  }
  let active = 0;
  return {
    tryAcquire() {
      if (active >= limit) return null;
      active++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        active--;
      };
    },
    get active() {
      return active;
    },
    limit,
  };
}
