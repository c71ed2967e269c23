import { UsageError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** The longest duration accepted (a day): beyond it a typo is likelier than intent. */
export const MAX_DURATION_S = 86_400;

/**
 * Seconds of a DURATION: a number of seconds (`90`, `1.5`) or a number with a
 * unit, s, m or h (`90s`, `5m`, `1h`). Throws UsageError naming `flag` for
 * anything else, zero or beyond a day.
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(text);
  if (!match) throw new UsageError(`--${flag} must be a duration such as 90, 90s, 5m or 1h (got "${text}")`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!.toLowerCase()]!;
  if (!(seconds > 0)) throw new UsageError(`--${flag} must be more than 0 s (got "${text}")`);
  if (seconds > MAX_DURATION_S) throw new UsageError(`--${flag} must be at most 24h (got "${text}")`);
  return seconds;
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
