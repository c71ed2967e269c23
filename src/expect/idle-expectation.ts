import { UsageError } from '../errors.js';

/**
 * Idle expectations, shared by `ttl-probe idle --expect-idle PORT>=DURATION`
 * and the `expectIdle` map of an audit file: connections to a port must
 * survive a given idle time. Parsing only; judging a result is src/idle's.
 */

/** Connections to `port` must survive `minimumS` seconds idle. */
export interface IdleExpectation {
  port: number;
  minimumS: number;
}

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** The longest duration accepted (a day): beyond it a typo is likelier than intent. */
export const MAX_DURATION_S = 86_400;

/**
 * Seconds of a DURATION: a number of seconds (`90`, `1.5`) or a number with a
 * unit, s, m or h (`90s`, `5m`, `1h`). Throws UsageError starting with
 * `subject` (`--max-idle`, `the idle time`) for anything else, zero or beyond a day.
 */
export function parseDurationOf(text: string, subject: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(text);
  if (!match) throw new UsageError(`${subject} must be a duration such as 90, 90s, 5m or 1h (got "${text}")`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!.toLowerCase()]!;
  if (!(seconds > 0)) throw new UsageError(`${subject} must be more than 0 s (got "${text}")`);
  if (seconds > MAX_DURATION_S) throw new UsageError(`${subject} must be at most 24h (got "${text}")`);
  return seconds;
}

/**
 * The value of an audit file's `expectIdle` entry: a DURATION (`300s`, `5m`), optionally written
 * `>=5m` as on the command line, or a number of seconds. Throws UsageError naming the problem.
 */
export function parseIdleMinimum(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UsageError(`expected an idle time such as "5m" or 300, got ${value}`);
    return parseDurationOf(String(value), 'the idle time');
  }
  if (typeof value !== 'string') throw new UsageError(`expected an idle time such as "5m" or 300, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : String(value)}`);
  return parseDurationOf(value.replace(/^\s*>=/, ''), 'the idle time');
}
