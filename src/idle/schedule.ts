import { resolutionAt, type Resolution } from './duration.js';

/**
 * The graded idle times of one port's search, and when each connection opens.
 *
 * One connection per idle time d, checked once after d seconds idle. The
 * times form a grid fine enough that two neighbours are never farther apart
 * than the resolution at the lower one, so the first check that fails and
 * the one before it bound the timeout to the resolution in a single pass,
 * with no bisection of timeouts. A connection for d opens at OPEN_FRACTION
 * × d after the start (not all at once): its check then comes at
 * (1 + OPEN_FRACTION) × d (at --max-idle at the latest), so checks still come in the order of d, and
 * connections for long idle times are only opened when shorter ones have
 * not already ended the search (finding T costs about 1.15 T).
 */

/** A connection for idle time d opens at this fraction of d after the search starts. */
export const OPEN_FRACTION = 0.15;

/** The default cap on connections per port. */
export const DEFAULT_MAX_CONNECTIONS = 128;

export interface IdleSchedule {
  /** Idle times in seconds, ascending, the last = maxIdleS. */
  idleTimes: number[];
  /** How much the grid was widened to fit the cap on connections (1: not at all). */
  widening: number;
}

/** The grid for `maxIdleS` at `resolution` (widened when it needs more than `maxConnections`), plus the idle times in `mustTry` (an expectation's). */
export function idleSchedule(maxIdleS: number, resolution: Resolution, maxConnections: number, mustTry: readonly number[] = []): IdleSchedule {
  if (!(maxIdleS > 0)) throw new RangeError(`idleSchedule: maxIdleS must be > 0 (got ${maxIdleS})`);
  if (!(Number.isInteger(maxConnections) && maxConnections >= 1)) throw new RangeError(`idleSchedule: maxConnections must be a positive integer (got ${maxConnections})`);
  for (let widening = 1; ; widening *= 1.1) {
    const extra = mustTry.filter((idle) => idle > 0 && idle <= maxIdleS).map(round3);
    const idleTimes = [...new Set([...grid(maxIdleS, (d) => widening * resolutionAt(resolution, d)), ...extra])].sort((a, b) => a - b);
    if (idleTimes.length <= maxConnections) return { idleTimes, widening: round3(widening) };
  }
}

function grid(maxIdleS: number, step: (d: number) => number): number[] {
  const times: number[] = [];
  let d = Math.min(maxIdleS, step(0));
  while (d < maxIdleS - 1e-9) {
    times.push(round3(d));
    d += step(d);
  }
  times.push(round3(maxIdleS));
  return times;
}

/**
 * Seconds after the start at which the connection for idle time `idleS` opens: OPEN_FRACTION of
 * it, but never so late that its check would come after `maxIdleS` (a path without a timeout
 * then costs --max-idle, not 1.15 times it).
 */
export function openAtS(idleS: number, maxIdleS: number): number {
  return round3(Math.max(0, Math.min(OPEN_FRACTION * idleS, maxIdleS - idleS)));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
