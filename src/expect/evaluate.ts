import type { AnsweredBy, PortReport, PortState, Report, TargetReport } from '../model/report.js';
import { formatExpected, formatSeen, type Expectation, type ExpectationResult, type ReportExpectations, type SeenPort } from '../model/expectation.js';

function seenOf(port: PortReport): SeenPort {
  return { state: port.state, answeredBy: port.answeredBy, hop: port.hop };
}

/** Checks one expectation against a port report (or its absence). */
export function evaluateExpectation(target: TargetReport, expectation: Expectation): ExpectationResult {
  const expected: ExpectationResult['expected'] = { state: expectation.state };
  if (expectation.answeredBy !== undefined) expected.answeredBy = expectation.answeredBy;
  const wanted = formatExpected(expected);
  const report = target.ports.find((port) => port.port === expectation.port);
  if (!report) {
    const why = target.unfinishedPorts.includes(expectation.port)
      ? 'the run was interrupted before a verdict'
      : `port ${expectation.port} was not probed`;
    return { port: expectation.port, expected, seen: null, met: false, message: `${expectation.port}: expected ${wanted}, but ${why}` };
  }
  const seen = seenOf(report);
  const met = seen.state === expected.state && (expected.answeredBy === undefined || seen.answeredBy === expected.answeredBy);
  const message = met
    ? `${expectation.port}: ${formatSeen(seen)} as expected`
    : `${expectation.port}: expected ${wanted}, saw ${formatSeen(seen)}`;
  return { port: expectation.port, expected, seen, met, message };
}

/** Checks every expectation against one target's report, in the order given. */
export function evaluateExpectations(target: TargetReport, expectations: readonly Expectation[]): ExpectationResult[] {
  return expectations.map((expectation) => evaluateExpectation(target, expectation));
}

/**
 * Checks expectations for every target of a report: `expectations` is either
 * one list for all targets (`--expect`) or a function giving each target's
 * list (a targets file). Returns results index-aligned with report.targets.
 */
export function evaluateReport(
  report: Report,
  expectations: readonly Expectation[] | ((target: TargetReport, index: number) => readonly Expectation[]),
): ExpectationResult[][] {
  return report.targets.map((target, index) =>
    evaluateExpectations(target, typeof expectations === 'function' ? expectations(target, index) : expectations),
  );
}

/** True when every result holds (also when there are none). */
export function allMet(results: ReportExpectations | readonly ExpectationResult[]): boolean {
  return results.flat().every((result) => result.met);
}

/**
 * The lines a table report appends per target: "  ok    443: open@host (hop 4) as expected"
 * or "  FAIL  22: expected closed@middlebox, saw open@host (hop 4)".
 * Empty for no results.
 */
export function formatExpectationLines(results: readonly ExpectationResult[], indent = '  '): string[] {
  return results.map((result) => `${indent}${result.met ? 'ok  ' : 'FAIL'}  ${result.message}`);
}

/**
 * A summary line for the end of a run, e.g. "expectations: 3 of 4 met, 1 failed";
 * null when there were none.
 */
export function expectationSummary(results: ReportExpectations): string | null {
  const flat = results.flat();
  if (flat.length === 0) return null;
  const met = flat.filter((result) => result.met).length;
  const failed = flat.length - met;
  return failed === 0 ? `expectations: all ${flat.length} met` : `expectations: ${met} of ${flat.length} met, ${failed} failed`;
}
