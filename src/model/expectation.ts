/**
 * Expectations (`--expect 22=closed@middlebox`, a targets file's `expect`) and
 * their results: the annotations a run adds to a report, which the formats
 * print next to it. Declared here, below the formats and the evaluator, so
 * formats take annotated reports without importing the evaluator.
 */
import type { AnsweredBy, PortState } from './report.js';

/**
 * What must hold for one port, as written `PORT=STATE[@BY]`, e.g.
 * `22=closed@middlebox`. Without `@BY` any answerer satisfies it.
 */
export interface Expectation {
  port: number;
  state: PortState;
  answeredBy?: AnsweredBy;
}

/** What a port showed: its state, who answered and at which hop (null without a reply). */
export interface SeenPort {
  state: PortState;
  answeredBy: AnsweredBy;
  hop: number | null;
}

/**
 * One expectation checked against a target's report. `seen` is null when the
 * port got no verdict (not probed, or the run was interrupted before it).
 * `message` is one line starting with the port, e.g.
 * "22: expected closed@middlebox, saw open@host (hop 4)".
 */
export interface ExpectationResult {
  port: number;
  expected: { state: PortState; answeredBy?: AnsweredBy };
  seen: SeenPort | null;
  met: boolean;
  message: string;
}

/**
 * Expectation results per target, index-aligned with `report.targets` (an
 * empty list for a target without expectations). This is what the formats
 * (ndjson, junit, prometheus) take.
 */
export type ReportExpectations = readonly (readonly ExpectationResult[])[];

/** "open@host (hop 4)", "filtered (no reply)". */
export function formatSeen(seen: SeenPort): string {
  if (seen.state === 'filtered' && seen.answeredBy === 'none') return 'filtered (no reply)';
  const hop = seen.hop === null ? '' : ` (hop ${seen.hop})`;
  return `${seen.state}@${seen.answeredBy}${hop}`;
}

/** "closed@middlebox", or "closed" without an expected answerer. */
export function formatExpected(expected: { state: PortState; answeredBy?: AnsweredBy }): string {
  return expected.answeredBy === undefined ? expected.state : `${expected.state}@${expected.answeredBy}`;
}

