import type { IdleEnd, IdleResult, IdleSender, IdleUnsolicited } from '../model/idle.js';
import { resolutionAt, formatDuration, type Resolution } from './duration.js';

/**
 * What one connection of the search showed, and what all of them together
 * say about the port: the interval the timeout lies in, what ended the
 * connection and who. Pure.
 */

/** One connection's result. `idleS`: its planned idle time, or for an unsolicited end, how long it had been idle. */
export type ConnectionOutcome =
  | { kind: 'alive'; idleS: number }
  | { kind: 'ended'; idleS: number; how: IdleEnd; sender: IdleSender | null; unsolicited: boolean }
  /** It could not take part (connect failed, no SYN-ACK seen): it proves nothing. */
  | { kind: 'failed'; idleS: number; reason: string };

export interface IdleSummary {
  timeout: { minS: number; maxS: number } | null;
  ends: IdleEnd | null;
  by: IdleSender | null;
  consistent: boolean;
  /** The ended outcome the verdict comes from (the shortest idle that ended a connection). */
  shortest: Extract<ConnectionOutcome, { kind: 'ended' }> | null;
}

/**
 * The timeout lies in (minS, maxS]: maxS the shortest idle that ended a
 * connection, minS the longest idle below it that one survived (0 when none
 * did). Null when nothing ended. Not consistent when some connection
 * survived an idle time at least as long as maxS (a timer that is not
 * sharp, or loss that looked like a drop).
 */
export function summarize(outcomes: readonly ConnectionOutcome[]): IdleSummary {
  let shortest: Extract<ConnectionOutcome, { kind: 'ended' }> | null = null;
  for (const outcome of outcomes) {
    if (outcome.kind !== 'ended') continue;
    if (shortest === null || outcome.idleS < shortest.idleS || (outcome.idleS === shortest.idleS && outcome.unsolicited && !shortest.unsolicited)) shortest = outcome;
  }
  if (shortest === null) return { timeout: null, ends: null, by: null, consistent: true, shortest: null };
  let minS = 0;
  let consistent = true;
  for (const outcome of outcomes) {
    if (outcome.kind !== 'alive') continue;
    if (outcome.idleS >= shortest.idleS) consistent = false;
    else if (outcome.idleS > minS) minS = outcome.idleS;
  }
  return { timeout: { minS: round2(minS), maxS: round2(shortest.idleS) }, ends: shortest.how, by: shortest.sender, consistent, shortest };
}

/** Whether the search is decided: every idle time below the shortest end has a result (or, with no end, every one has). */
export function searchDecided(idleTimes: readonly number[], outcomes: ReadonlyMap<number, ConnectionOutcome>): boolean {
  const summary = summarize([...outcomes.values()]);
  const limit = summary.timeout?.maxS ?? Infinity;
  return idleTimes.every((idleS) => idleS >= limit || outcomes.has(idleS));
}

const END_WORDS: Record<IdleEnd, string> = {
  rst: 'answers with a RST',
  close: 'closes it (FIN)',
  drop: 'drops its packets silently',
  icmp: 'answers with an ICMP error',
};

/** The one-line explanation of a port's result. */
export function explainIdle(
  summary: IdleSummary,
  maxIdleS: number,
  droppedAfter: IdleResult['droppedAfter'],
  interrupted: boolean,
  outcomes: readonly ConnectionOutcome[] = [],
): string {
  if (summary.timeout === null || summary.ends === null) {
    if (interrupted) return 'interrupted before any idle connection ended';
    if (!outcomes.some((outcome) => outcome.kind === 'alive' && outcome.idleS >= maxIdleS - 1e-6)) {
      const failure = outcomes.find((outcome) => outcome.kind === 'failed');
      const longest = Math.max(0, ...outcomes.filter((outcome) => outcome.kind === 'alive').map((outcome) => outcome.idleS));
      return `undetermined: no connection was checked after ${formatDuration(maxIdleS)} idle${longest > 0 ? ` (the longest survived ${formatDuration(longest)})` : ''}${failure?.kind === 'failed' ? `; ${failure.reason}` : ''}`;
    }
    return `every connection survived up to ${formatDuration(maxIdleS)} idle: no idle timeout up to --max-idle`;
  }
  const { minS, maxS } = summary.timeout;
  const when = `after ${range(minS, maxS)} idle`;
  const by = summary.by;
  let who: string;
  if (summary.ends === 'drop') {
    who = droppedAfter ? `a device after hop ${droppedAfter.hop}${droppedAfter.address ? ` (${droppedAfter.address})` : ''}${droppedAfter.confirmed ? '' : ' (unconfirmed)'} forgets the connection and` : 'the path forgets the connection and';
  } else if (by === null) {
    who = 'something';
  } else if (by.answeredBy === 'host') {
    who = summary.ends === 'close' ? `the host (hop ${by.hop}) itself` : `the host (hop ${by.hop})`;
  } else if (by.answeredBy === 'middlebox') {
    who = `a device at hop ${by.hop} forgets the connection and`;
  } else if (by.answeredBy === 'beyond') {
    who = `a device at hop ${by.hop}, beyond where the target answers ping,`;
  } else {
    who = `a device at hop ${by.hop} (no reference to tell host from middlebox)`;
  }
  const tail = summary.consistent ? '' : '; some longer idle connections survived, so the timer is not sharp';
  return `${when} ${who} ${END_WORDS[summary.ends]}${tail}`;
}

function range(minS: number, maxS: number): string {
  const a = formatSeconds(minS);
  const b = formatSeconds(maxS);
  return a === b ? `${b} s` : `${a}-${b} s`;
}

function formatSeconds(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** The whole IdleResult of a port. */
export function idleResult(input: {
  outcomes: readonly ConnectionOutcome[];
  maxIdleS: number;
  resolution: Resolution;
  droppedAfter: IdleResult['droppedAfter'];
  unsolicited: IdleUnsolicited[];
  connections: number;
  interrupted: boolean;
}): IdleResult {
  const summary = summarize(input.outcomes);
  return {
    maxIdleS: input.maxIdleS,
    resolutionS: summary.timeout ? round2(resolutionAt(input.resolution, summary.timeout.maxS)) : null,
    timeout: summary.timeout,
    ends: summary.ends,
    by: summary.ends === 'drop' ? null : summary.by,
    droppedAfter: summary.ends === 'drop' ? input.droppedAfter : null,
    unsolicited: input.unsolicited,
    survivedS: longestSurvived(input.outcomes),
    connections: input.connections,
    consistent: summary.consistent,
    explanation: explainIdle(summary, input.maxIdleS, input.droppedAfter, input.interrupted, input.outcomes),
  };
}

/** The longest planned idle time a connection was found alive after; null when none was. */
function longestSurvived(outcomes: readonly ConnectionOutcome[]): number | null {
  const alive = outcomes.filter((outcome) => outcome.kind === 'alive').map((outcome) => outcome.idleS);
  return alive.length === 0 ? null : round2(Math.max(...alive));
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
