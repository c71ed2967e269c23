/**
 * Adaptive reply timeout in the manner of TCP (RFC 6298) and nmap: a smoothed
 * round-trip time and its variation, timeout = srtt + 4 * rttvar, clamped
 * between a floor and the user's bound. Before the first sample the bound
 * itself is used.
 */
export interface RttEstimator {
  /** Feeds one round-trip sample in milliseconds (only from unambiguous, first-try replies: Karn). */
  sample(rttMs: number): void;
  /** How long to wait for a reply now, in milliseconds. */
  timeoutMs(): number;
  readonly samples: number;
}

/** nmap's floor too: below this, ordinary scheduling jitter causes false timeouts. */
export const MIN_TIMEOUT_MS = 100;

export function createRttEstimator(maxTimeoutMs: number, minTimeoutMs = MIN_TIMEOUT_MS): RttEstimator {
  const floor = Math.min(minTimeoutMs, maxTimeoutMs);
  let srtt = 0;
  let rttvar = 0;
  let samples = 0;
  return {
    sample(rttMs) {
      if (!Number.isFinite(rttMs) || rttMs < 0) return;
      if (samples === 0) {
        srtt = rttMs;
        rttvar = rttMs / 2;
      } else {
        rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - rttMs);
        srtt = 0.875 * srtt + 0.125 * rttMs;
      }
      samples++;
    },
    timeoutMs() {
      if (samples === 0) return maxTimeoutMs;
      return Math.min(maxTimeoutMs, Math.max(floor, srtt + 4 * rttvar));
    },
    get samples() {
      return samples;
    },
  };
}
