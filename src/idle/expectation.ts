import { UsageError } from '../errors.js';
import type { IdleExpectationResult, IdleResult } from '../model/idle.js';
import { parseDuration } from './duration.js';
import type { IdleExpectation } from '../expect/idle-expectation.js';

/** `--expect-idle PORT>=DURATION` (and an audit file's `expectIdle`): connections to PORT must survive DURATION idle. */
export type { IdleExpectation };

/**
 * Parses repeatable, comma-joinable `PORT>=DURATION` (`9000>=300s,443>=5m`). Throws UsageError
 * naming the bad part.
 */
export function parseIdleExpectations(values: readonly string[], flag = 'expect-idle'): IdleExpectation[] {
  const expectations: IdleExpectation[] = [];
  for (const part of values.flatMap((value) => value.split(','))) {
    const match = /^\s*(\d{1,5})\s*>=\s*(\S.*?)\s*$/.exec(part);
    const port = match ? Number(match[1]) : NaN;
    if (!match || !(port >= 1 && port <= 65535)) throw new UsageError(`--${flag} must be PORT>=DURATION, e.g. 443>=5m (got "${part}")`);
    const minimumS = parseDuration(match[2]!, flag);
    const earlier = expectations.find((expectation) => expectation.port === port);
    if (earlier) throw new UsageError(`--${flag} names port ${port} twice`);
    expectations.push({ port, minimumS });
  }
  return expectations;
}

/**
 * Whether a port's result meets its expectation: some connection survived at least minimumS
 * idle (the search always tries that exact idle time). A port not open, or a search that never
 * got that far, does not meet it.
 */
export function evaluateIdleExpectation(expectation: IdleExpectation, idle: IdleResult | null): IdleExpectationResult {
  const base = { minimumS: expectation.minimumS };
  if (idle === null) return { ...base, met: false, seen: 'the port is not open: no connection to hold idle' };
  if (idle.timeout === null) {
    const met = idle.survivedS !== null && idle.survivedS >= expectation.minimumS;
    return { ...base, met, seen: met ? `survived ${idle.survivedS} s idle` : 'the search did not get that far' };
  }
  const met = idle.timeout.minS >= expectation.minimumS;
  return { ...base, met, seen: `${idle.ends ?? 'ended'} after ${idle.timeout.minS}-${idle.timeout.maxS} s idle` };
}
