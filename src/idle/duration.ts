import { parseDurationOf } from '../expect/idle-expectation.js';
import { UsageError } from '../errors.js';

export { MAX_DURATION_S } from '../expect/idle-expectation.js';

/**
 * Seconds of a DURATION (`90`, `90s`, `5m`, `1h`; src/expect/idle-expectation.ts). Throws
 * UsageError naming `--flag` for anything else, zero or beyond a day.
 */
export function parseDuration(text: string, flag: string): number {
  return parseDurationOf(text, `--${flag}`);
}

/** A resolution: absolute seconds, or a fraction of the value measured (`5%`). */
export type Resolution = { kind: 'absolute'; seconds: number } | { kind: 'relative'; fraction: number; minimumS: number };

/** The default: 5% of the value, at least 1 s. */
export const DEFAULT_RESOLUTION: Resolution = { kind: 'relative', fraction: 0.05, minimumS: 1 };

/** `--resolution`: a DURATION, or a percentage of the value (at least 1 s) such as `5%`. */
export function parseResolution(text: string, flag: string): Resolution {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (percent) {
    const fraction = Number(percent[1]) / 100;
    if (!(fraction >= 0.01 && fraction <= 0.5)) throw new UsageError(`--${flag} as a percentage must be between 1% and 50% (got "${text}")`);
    return { kind: 'relative', fraction, minimumS: 1 };
  }
  const seconds = parseDuration(text, flag);
  if (seconds < 0.1) throw new UsageError(`--${flag} must be at least 0.1 s (got "${text}")`);
  return { kind: 'absolute', seconds };
}

/** The widest interval allowed around an idle time of `valueS`. */
export function resolutionAt(resolution: Resolution, valueS: number): number {
  return resolution.kind === 'absolute' ? resolution.seconds : Math.max(resolution.minimumS, resolution.fraction * valueS);
}

/** A duration as people write it: 90 s, 5 min, 1.5 h. */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 360 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 6 === 0) return `${seconds / 60} min`;
  return `${Math.round(seconds * 10) / 10} s`;
}
