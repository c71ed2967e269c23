/**
 * How many probes may await replies at once, in the manner of TCP and nmap:
 * the window grows by one per reply while below the threshold (doubling every
 * round trip), then by one per window; evidence that probes are being dropped
 * (a port that answered only a re-send) halves it, at most once per timeout
 * interval so one burst of losses counts once. Silent (filtered) ports are not
 * evidence: silence is their answer.
 */
export interface CongestionWindow {
  /** Probes that may be in flight now. */
  limit(): number;
  /** A reply arrived to a probe sent once. */
  onReply(): void;
  /** A reply arrived only to a re-send: something dropped the earlier try. */
  onDropEvidence(now: number, intervalMs: number): void;
  readonly decreases: number;
}

export const INITIAL_WINDOW = 64;
export const MIN_WINDOW = 8;

export function createCongestionWindow(maxInFlight: number, initial = INITIAL_WINDOW): CongestionWindow {
  let window = Math.min(initial, maxInFlight);
  let threshold = maxInFlight;
  let lastDecrease = -Infinity;
  let decreases = 0;
  return {
    limit: () => Math.max(1, Math.min(maxInFlight, Math.floor(window))),
    onReply() {
      window = Math.min(maxInFlight, window + (window < threshold ? 1 : 1 / window));
    },
    onDropEvidence(now, intervalMs) {
      if (now - lastDecrease < intervalMs) return;
      lastDecrease = now;
      decreases++;
      threshold = Math.max(MIN_WINDOW, window / 2);
      window = threshold;
    },
    get decreases() {
      return decreases;
    },
  };
}
