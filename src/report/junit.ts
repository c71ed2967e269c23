import { formatSeen, type ExpectationResult, type ReportExpectations } from '../model/expectation.js';
import { pathFindingLines } from './path-changes.js';
import type { PortReport, Report, TargetReport } from '../model/report.js';
import type { IdleExpectationResult, IdlePortReport } from '../model/idle.js';

/**
 * The `--format junit` output, for CI systems: JUnit XML with one testsuite
 * per target and one testcase per port (named "198.18.4.2:22"). A testcase
 * fails with one <failure> per unmet expectation; a port without an
 * expectation passes (its verdict is in <system-out>), or is skipped when the
 * run was interrupted before its verdict. Expected ports that were not probed
 * get a failing testcase of their own. A report of `ttl-probe idle` adds to
 * each port its idle finding (system-out) and fails the testcase of a port
 * whose idle expectation did not hold (type "idle-expectation").
 */

// XML 1.0 allows tab, LF, CR and these ranges; anything else (other control
// characters, lone surrogates, U+FFFE/U+FFFF) cannot appear even escaped.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content: &, < and > escaped; characters XML cannot carry become U+FFFD. */
export function escapeXmlText(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value (in double quotes): also quotes, and whitespace kept as character references. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(String(value))}"`)
    .join('');
}

interface Case {
  port: number;
  report: PortReport | null;
  unfinished: boolean;
  results: ExpectationResult[];
}

function suiteName(target: TargetReport): string {
  return target.target === target.address ? target.address : `${target.target} (${target.address})`;
}

function hopFinding(finding: { hop: number; address: string | null; confirmed: boolean }): string {
  return `hop ${finding.hop}${finding.address === null ? '' : ` (${finding.address})`}${finding.confirmed ? ', confirmed' : ', not confirmed'}`;
}

function verdictLine(port: PortReport): string {
  const seen = formatSeen({ state: port.state, answeredBy: port.answeredBy, hop: port.hop });
  let line = port.explanation === null ? seen : `${seen}: ${port.explanation}`;
  if (port.responder) line += `\ntrace: answered at ${hopFinding(port.responder)}`;
  if (port.droppedAfter) line += `\ntrace: dropped after ${hopFinding(port.droppedAfter)}`;
  if (port.forwardedBy) line += `\ntrace: forwarded by hop ${port.forwardedBy.hop} (${port.forwardedBy.address})`;
  return line;
}

/** `ttl-probe idle`: the port's idle finding (a line of system-out) and its idle expectation, when the report carries them. */
function idleOf(port: PortReport | null): { line: string | null; expectation: IdleExpectationResult | null } {
  if (port === null || !('idle' in port)) return { line: null, expectation: null };
  const { idle, idleExpectation } = port as IdlePortReport;
  return { line: idle ? `idle: ${idle.explanation}` : null, expectation: idle?.expectation ?? idleExpectation ?? null };
}

function idleExpectationMessage(port: number, expectation: IdleExpectationResult): string {
  return expectation.met
    ? `${port}: idle >= ${expectation.minimumS} s as expected (${expectation.seen})`
    : `${port}: expected idle >= ${expectation.minimumS} s, saw ${expectation.seen}`;
}

function casesOf(target: TargetReport, results: readonly ExpectationResult[]): Case[] {
  const cases = new Map<number, Case>();
  for (const port of target.ports) cases.set(port.port, { port: port.port, report: port, unfinished: false, results: [] });
  for (const port of target.unfinishedPorts) {
    if (!cases.has(port)) cases.set(port, { port, report: null, unfinished: true, results: [] });
  }
  for (const result of results) {
    const existing = cases.get(result.port);
    if (existing) existing.results.push(result);
    else cases.set(result.port, { port: result.port, report: null, unfinished: false, results: [result] });
  }
  return [...cases.values()].sort((a, b) => a.port - b.port);
}

function testcase(target: TargetReport, item: Case, indent: string): string {
  const open = `${indent}<testcase${attributes({ name: `${target.address}:${item.port}`, classname: target.target })}`;
  const failures = item.results.filter((result) => !result.met);
  const idle = idleOf(item.report);
  const body: string[] = [];
  for (const failure of failures) {
    const detail = item.report ? `${failure.message}\n${verdictLine(item.report)}` : failure.message;
    body.push(`${indent}  <failure${attributes({ message: failure.message, type: 'expectation' })}>${escapeXmlText(detail)}</failure>`);
  }
  if (idle.expectation && !idle.expectation.met) {
    const message = idleExpectationMessage(item.port, idle.expectation);
    const detail = [message, ...(item.report ? [verdictLine(item.report)] : []), ...(idle.line ? [idle.line] : [])].join('\n');
    body.push(`${indent}  <failure${attributes({ message, type: 'idle-expectation' })}>${escapeXmlText(detail)}</failure>`);
  }
  if (failures.length === 0 && item.unfinished) {
    body.push(`${indent}  <skipped${attributes({ message: 'interrupted before a verdict' })}/>`);
  }
  const out: string[] = [];
  if (item.report) out.push(verdictLine(item.report));
  if (idle.line) out.push(idle.line);
  for (const result of item.results) if (result.met) out.push(result.message);
  if (idle.expectation?.met) out.push(idleExpectationMessage(item.port, idle.expectation));
  if (out.length > 0) body.push(`${indent}  <system-out>${escapeXmlText(out.join('\n'))}</system-out>`);
  if (body.length === 0) return `${open}/>`;
  return `${open}>\n${body.join('\n')}\n${indent}</testcase>`;
}

function testsuite(target: TargetReport, results: readonly ExpectationResult[]): { xml: string; tests: number; failures: number; skipped: number } {
  const cases = casesOf(target, results);
  const failed = (item: Case): boolean => item.results.some((result) => !result.met) || idleOf(item.report).expectation?.met === false;
  const failures = cases.filter(failed).length;
  const skipped = cases.filter((item) => item.unfinished && item.results.every((result) => result.met)).length;
  const properties: [string, string | number][] = [
    ['address', target.address],
    ['reference', target.reference.source],
  ];
  if (target.reference.hop !== null) properties.push(['host.hop', target.reference.hop]);
  properties.push(['echo.replies', `${target.echo.received}/${target.echo.sent}`]);
  if (target.ignored > 0) properties.push(['ignored', target.ignored]);
  // --trace: what the path does to our SYN, one property per finding (the table's lines).
  pathFindingLines(target).forEach((line, index) => properties.push([`path.${index + 1}`, line]));
  const lines = [
    `  <testsuite${attributes({ name: suiteName(target), hostname: target.address, tests: cases.length, failures, errors: 0, skipped })}>`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property${attributes({ name, value })}/>`),
    '    </properties>',
    ...cases.map((item) => testcase(target, item, '    ')),
    '  </testsuite>',
  ];
  return { xml: lines.join('\n'), tests: cases.length, failures, skipped };
}

/**
 * The JUnit XML document for a report, with a trailing newline.
 * `expectations` is index-aligned with report.targets.
 */
export function formatJunit(report: Report, expectations: ReportExpectations = []): string {
  const suites = report.targets.map((target, index) => testsuite(target, expectations[index] ?? []));
  const total = (key: 'tests' | 'failures') => suites.reduce((sum, suite) => sum + suite[key], 0);
  // No `skipped` on <testsuites>: common JUnit schemas (Jenkins' among them) only allow it per testsuite.
  const root = attributes({ name: 'ttl-probe', tests: total('tests'), failures: total('failures'), errors: 0 });
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  if (suites.length === 0) {
    lines.push(`<testsuites${root}/>`);
  } else {
    lines.push(`<testsuites${root}>`, ...suites.map((suite) => suite.xml), '</testsuites>');
  }
  return `${lines.join('\n')}\n`;
}
