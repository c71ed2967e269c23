import { compactPorts } from '../model/ports.js';
import type { PortReport, Report, TargetReport } from '../model/report.js';
import { pathFindingLines } from './path-changes.js';

/**
 * A name as one line of plain text: control characters as \xHH, since a
 * newline would forge a line of the report and an escape sequence would
 * drive the reader's terminal. (Target syntax admits no such names today;
 * the format does not rely on it.)
 */
export function printableName(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** "echo: 3/3 replies, ttl 61 (initial 64), distance 3, rtt 0.3 ms". */
export function echoLine(target: TargetReport): string {
  const { echo } = target;
  if (echo.received === 0 || echo.ttl === null) return `echo: ${echo.received}/${echo.sent} replies`;
  return `echo: ${echo.received}/${echo.sent} replies, ttl ${echo.ttl} (initial ${echo.initialTtl}), distance ${echo.distance}, rtt ${echo.rttMs} ms`;
}

/** Where the host is and what says so: "host: hop 4 (distance 3, from the echo replies)". */
export function referenceLine(target: TargetReport): string {
  const { reference } = target;
  switch (reference.source) {
    case 'none':
      return 'host: no echo reply, SYN-ACK or RST: cannot tell who answers';
    case 'echo':
      return `host: hop ${reference.hop} (distance ${reference.distance}, from the echo replies)`;
    case 'syn-ack':
      return `host: hop ${reference.hop} (distance ${reference.distance}, from the farthest SYN-ACK: no echo reply)`;
    default:
      return `host: hop ${reference.hop} (distance ${reference.distance}, from the farthest RST: no echo reply or SYN-ACK)`;
  }
}

function portRow(port: PortReport): string[] {
  const reply = port.reply;
  const kind = reply ? (reply.kind === 'icmp-unreachable' ? `icmp ${reply.icmpType}/${reply.icmpCode}` : reply.kind) : '-';
  return [
    String(port.port),
    port.state,
    kind,
    reply?.from ?? '-',
    reply ? String(reply.ttl) : '-',
    reply ? String(reply.initialTtl) : '-',
    reply ? String(reply.distance) : '-',
    port.hop === null ? '-' : String(port.hop),
    port.answeredBy,
  ];
}

/** Yields left-aligned rows padded to the widest cell, computing the widths in a first pass. */
export function* columnLines(rowsOf: () => Iterable<readonly string[]>, indent: string): Generator<string> {
  const widths: number[] = [];
  for (const row of rowsOf()) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  for (const row of rowsOf()) {
    yield indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  }
}

/** One target's section, line by line: header, echo and host lines, the path, the port table, then explanations. */
export function* targetTableLines(target: TargetReport): Generator<string> {
  const name = printableName(target.target === target.address ? target.address : `${target.target} (${target.address})`);
  yield `ttl-probe ${name}`;
  yield `  ${echoLine(target)}`;
  yield `  ${referenceLine(target)}`;
  yield '';
  if (target.path) {
    const path = target.path;
    yield `  path (TCP SYN to port ${target.pathPort ?? '?'}, one flow):`;
    const marks = pathMarks(target);
    yield* columnLines(
      () => path.map((hop) => [String(hop.hop), hop.address ?? '*', hop.rttMs === null ? '' : `${hop.rttMs} ms`, marks.get(hop.hop) ?? '']),
      '    ',
    );
    const findings = pathFindingLines(target);
    if (findings.length > 0) {
      yield '  what the path does to our SYN (from the time-exceeded quotes):';
      for (const line of findings) yield `    ${line}`;
    }
    yield '';
  }
  const traced = target.path !== undefined;
  const header = ['PORT', 'STATE', 'REPLY', 'FROM', 'TTL', 'INIT', 'DIST', 'HOP', 'ANSWERED BY', ...(traced ? ['TRACE'] : [])];
  yield* columnLines(function* () {
    yield header;
    for (const port of target.ports) yield [...portRow(port), ...(traced ? [traceCell(port)] : [])];
  }, '  ');
  let first = true;
  for (const port of target.ports) {
    if (port.explanation === null) continue;
    if (first) yield '';
    first = false;
    yield `  ${port.port}: ${port.explanation}`;
  }
  if (target.unfinishedPorts.length > 0) {
    yield '';
    yield `  interrupted before a verdict: ${compactPorts(target.unfinishedPorts)}`;
  }
  if (target.ignored > 0) yield `  ignored ${target.ignored} packet(s) that failed validation (not ours, or forged)`;
}

/** One target's section as text. */
export function formatTargetTable(target: TargetReport): string {
  return [...targetTableLines(target)].join('\n');
}

/** The trace column: who answered (hop, address) or where a silent port died. */
function traceCell(port: PortReport): string {
  if (port.responder) {
    const where = `hop ${port.responder.hop} ${port.responder.address ?? '(address hidden)'}`;
    return port.responder.confirmed ? where : `${where} (unconfirmed)`;
  }
  if (port.forwardedBy) return `forwarded by hop ${port.forwardedBy.hop} ${port.forwardedBy.address}`;
  if (port.droppedAfter) return `dropped after hop ${port.droppedAfter.hop} ${port.droppedAfter.address ?? ''}`.trimEnd();
  return port.answeredBy === 'none' ? 'dropped before hop 1' : '';
}

/** Per path hop, which ports it answers or drops ("<- answers 22; drops 3306,5432"). */
function pathMarks(target: TargetReport): Map<number, string> {
  const answers = new Map<number, number[]>();
  const drops = new Map<number, number[]>();
  for (const port of target.ports) {
    if (port.responder) answers.set(port.responder.hop, [...(answers.get(port.responder.hop) ?? []), port.port]);
    if (port.droppedAfter) drops.set(port.droppedAfter.hop, [...(drops.get(port.droppedAfter.hop) ?? []), port.port]);
  }
  const marks = new Map<number, string>();
  for (const hop of new Set([...answers.keys(), ...drops.keys()])) {
    const parts: string[] = [];
    const answered = answers.get(hop);
    const dropped = drops.get(hop);
    if (answered) parts.push(`answers ${compactPorts(answered)}`);
    if (dropped) parts.push(`last to see ${compactPorts(dropped)}`);
    marks.set(hop, `<- ${parts.join('; ')}`);
  }
  return marks;
}

/** The default human-readable report, in pieces (a line at a time). */
export function* tableChunks(report: Report): Generator<string> {
  for (const [index, target] of report.targets.entries()) {
    if (index > 0) yield '\n';
    for (const line of targetTableLines(target)) yield `${line}\n`;
  }
  if (report.interrupted) yield `${report.targets.length > 0 ? '\n' : ''}interrupted: the report above is partial\n`;
}

/** The default human-readable report as one string. */
export function formatTable(report: Report): string {
  let text = '';
  for (const chunk of tableChunks(report)) text += chunk;
  return text;
}
