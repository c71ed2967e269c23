import type { ExpectationResult, ReportExpectations } from '../model/expectation.js';
import { compactPorts } from '../model/ports.js';
import type { PortReport, Report, TargetReport } from '../model/report.js';
import { pathFindingLines } from './path-changes.js';
import { echoLine, referenceLine } from './table.js';

/**
 * `--format markdown`: GitHub-flavoured Markdown for a CI job summary ($GITHUB_STEP_SUMMARY): per
 * target a heading, the echo and host lines, a table of its ports and, when traced, the path as a
 * Mermaid flowchart (which hop answers or is the last to see which port). Every text from outside
 * (target names, explanations) is escaped, so no name can break the table or inject markup.
 */

/** Characters with a meaning in an inline context of GFM (and `$`, GitHub's math). */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]<>&|~#$!]/g;
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** Text as it reads, inline: punctuation backslash-escaped, a newline or control character shown as `\n`, `\u0001`. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(MARKDOWN_PUNCTUATION, (char) => `\\${char}`)
    .replace(CONTROL, (char) => (char === '\n' ? '\\n' : char === '\r' ? '\\r' : char === '\t' ? '\\t' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

const PORT_COLUMNS = ['port', 'state', 'reply', 'from', 'ttl', 'hop', 'answered by', 'explanation'] as const;

function replyKind(port: PortReport): string {
  const reply = port.reply;
  if (!reply) return '-';
  return reply.kind === 'icmp-unreachable' ? `icmp ${reply.icmpType}/${reply.icmpCode}` : reply.kind;
}

function portCells(port: PortReport): string[] {
  const reply = port.reply;
  return [
    String(port.port),
    port.state,
    replyKind(port),
    reply?.from ?? '-',
    reply ? `${reply.ttl} (initial ${reply.initialTtl})` : '-',
    port.hop === null ? '-' : String(port.hop),
    port.answeredBy,
    port.explanation ?? '',
  ];
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => escapeMarkdown(cell)).join(' | ')} |`;
}

function nameOf(target: TargetReport): string {
  return target.target === target.address ? target.address : `${target.target} (${target.address})`;
}

/** Mermaid label text: quotes and angle brackets as Mermaid's entity codes, so a label stays one string. */
function mermaidText(text: string): string {
  return text.replace(/[#"<>\\`]/g, (char) => `#${char.charCodeAt(0)};`).replace(CONTROL, ' ');
}

interface HopMarks {
  answers: number[];
  lastToSee: number[];
}

function marksByHop(target: TargetReport): Map<number, HopMarks> {
  const marks = new Map<number, HopMarks>();
  const of = (hop: number): HopMarks => {
    let entry = marks.get(hop);
    if (!entry) marks.set(hop, (entry = { answers: [], lastToSee: [] }));
    return entry;
  };
  for (const port of target.ports) {
    if (port.responder) of(port.responder.hop).answers.push(port.port);
    if (port.droppedAfter) of(port.droppedAfter.hop).lastToSee.push(port.port);
  }
  return marks;
}

/**
 * The traced path as a Mermaid flowchart, left to right from this machine: a node per hop (its
 * address, or "no reply"), marked with the ports it answers and those it is the last to see
 * (silent ports dropped there or on the next link). Hops that answer are class `answers`, those
 * after which ports die class `drops`.
 */
export function pathFlowchart(target: TargetReport): string[] {
  const path = target.path ?? [];
  const marks = marksByHop(target);
  const addresses = new Map(path.map((hop) => [hop.hop, hop.address]));
  const hops = [...new Set([...path.map((hop) => hop.hop), ...marks.keys()])].sort((a, b) => a - b);
  const lines = ['flowchart LR', '  client(["this machine"])'];
  for (const hop of hops) {
    const address = addresses.get(hop) ?? null;
    const mark = marks.get(hop);
    const parts = [`hop ${hop}: ${address === null ? 'no reply' : address}${address === target.address ? ' (target)' : ''}`];
    if (mark?.answers.length) parts.push(`answers ${compactPorts(mark.answers)}`);
    if (mark?.lastToSee.length) parts.push(`last to see ${compactPorts(mark.lastToSee)}`);
    lines.push(`  hop${hop}["${parts.map(mermaidText).join('<br/>')}"]`);
  }
  if (hops.length > 0) lines.push(`  ${['client', ...hops.map((hop) => `hop${hop}`)].join(' --> ')}`);
  const answering = hops.filter((hop) => marks.get(hop)?.answers.length);
  const dropping = hops.filter((hop) => marks.get(hop)?.lastToSee.length);
  if (answering.length > 0) lines.push('  classDef answers stroke:#1f6feb,stroke-width:2px', `  class ${answering.map((hop) => `hop${hop}`).join(',')} answers`);
  if (dropping.length > 0) lines.push('  classDef drops stroke:#d1242f,stroke-dasharray:4', `  class ${dropping.map((hop) => `hop${hop}`).join(',')} drops`);
  return lines;
}

function expectationLine(result: ExpectationResult): string {
  return `- ${result.met ? 'met' : '**not met**'}: ${escapeMarkdown(result.message)}`;
}

/** One target's section, line by line. */
export function* targetMarkdownLines(target: TargetReport, expectations: readonly ExpectationResult[] = []): Generator<string> {
  yield `## ttl-probe ${escapeMarkdown(nameOf(target))}`;
  yield '';
  yield `${escapeMarkdown(echoLine(target))}  `;
  yield escapeMarkdown(referenceLine(target));
  yield '';
  yield tableRow(PORT_COLUMNS);
  yield `|${PORT_COLUMNS.map((column) => (column === 'port' || column === 'ttl' || column === 'hop' ? ' ---: ' : ' --- ')).join('|')}|`;
  for (const port of target.ports) yield tableRow(portCells(port));
  if (target.path) {
    yield '';
    yield `Path (TCP SYN to port ${target.pathPort ?? '?'}, one flow):`;
    yield '';
    yield '```mermaid';
    yield* pathFlowchart(target);
    yield '```';
    const findings = pathFindingLines(target);
    if (findings.length > 0) {
      yield '';
      yield 'What the path does to our SYN (from the time-exceeded quotes):';
      yield '';
      for (const line of findings) yield `- ${escapeMarkdown(line)}`;
    }
  }
  if (target.unfinishedPorts.length > 0) {
    yield '';
    yield `Interrupted before a verdict: ${compactPorts(target.unfinishedPorts)}`;
  }
  if (target.ignored > 0) {
    yield '';
    yield `Ignored ${target.ignored} packet(s) that failed validation (not ours, or forged).`;
  }
  if (expectations.length > 0) {
    yield '';
    yield `Expectations: ${expectations.filter((result) => result.met).length} of ${expectations.length} met`;
    yield '';
    for (const result of expectations) yield expectationLine(result);
  }
}

/** The report as Markdown; `expectations` index-aligned with `report.targets`, as for the other formats. */
export function formatMarkdown(report: Report, expectations: ReportExpectations = []): string {
  const sections = report.targets.map((target, index) => [...targetMarkdownLines(target, expectations[index] ?? [])].join('\n'));
  if (report.interrupted) sections.push('**Interrupted**: the report above is partial.');
  return sections.length === 0 ? '' : `${sections.join('\n\n')}\n`;
}

/** `text` as a fenced code block, fenced by more backticks than any run inside it (so nothing in it can close the block). */
export function codeBlock(text: string, info = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}\n`;
}
