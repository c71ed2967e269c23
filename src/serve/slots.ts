import type { AbortReason } from './answer.js';
import { createSlotLimiter } from './limiter.js';

/**
 * The probes in flight: a slot from the limiter per probe, with the
 * controller that aborts it and a promise that settles when it has ended,
 * so shutdown can abort them all and wait for their answers.
 */

export interface ProbeSlot {
  readonly signal: AbortSignal;
  /** Aborts the probe (the first reason stands). */
  abort(reason: AbortReason): void;
  /** Gives the slot back (once; later calls do nothing). */
  release(): void;
}

export interface ProbeSlots {
  /** A slot when one is free, else null (no queue: the caller refuses with 429). */
  take(): ProbeSlot | null;
  /** Aborts every probe in flight. */
  abortAll(reason: AbortReason): void;
  /** Settles when every probe in flight now has released its slot. */
  drained(): Promise<void>;
  readonly limit: number;
}

export function createProbeSlots(maxConcurrent: number): ProbeSlots {
  const limiter = createSlotLimiter(maxConcurrent);
  const inFlight = new Set<{ slot: ProbeSlot; done: Promise<void> }>();
  return {
    take() {
      const releaseLimiter = limiter.tryAcquire();
      if (!releaseLimiter) return null;
      const controller = new AbortController();
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const slot: ProbeSlot = {
        signal: controller.signal,
        abort(reason) {
          if (!controller.signal.aborted) controller.abort(reason);
        },
        release() {
          releaseLimiter();
          inFlight.delete(entry);
          finish();
        },
      };
      const entry = { slot, done };
      inFlight.add(entry);
      return slot;
    },
    abortAll(reason) {
      for (const entry of inFlight) entry.slot.abort(reason);
    },
    async drained() {
      await Promise.all([...inFlight].map((entry) => entry.done));
    },
    limit: limiter.limit,
  };
}
