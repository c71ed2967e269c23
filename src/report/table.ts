import type { PortReport, Report, TargetReport } from './model.js';

/** Left-aligned columns padded to the widest cell. */
function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function echoLine(target: TargetReport): string {
  const { echo } = target;
  if (echo.received === 0 || echo.ttl === null) return `echo: ${echo.received}/${echo.sent} replies`;
  return `echo: ${echo.received}/${echo.sent} replies, ttl ${echo.ttl} (initial ${echo.initialTtl}), distance ${echo.distance}, rtt ${echo.rttMs} ms`;
}

function referenceLine(target: TargetReport): string {
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

/** One target's section: header, echo and host lines, the port table, then explanations. */
export function formatTargetTable(target: TargetReport): string {
  const lines: string[] = [];
  const name = target.target === target.address ? target.address : `${target.target} (${target.address})`;
  lines.push(`ttl-probe ${name}`);
  lines.push(`  ${echoLine(target)}`);
  lines.push(`  ${referenceLine(target)}`);
  lines.push('');
  if (target.path) {
    lines.push(`  path (TCP SYN to port ${target.pathPort ?? '?'}, one flow):`);
    const marks = pathMarks(target);
    lines.push(
      ...columns(
        target.path.map((hop) => [
          String(hop.hop),
          hop.address ?? '*',
          hop.rttMs === null ? '' : `${hop.rttMs} ms`,
          marks.get(hop.hop) ?? '',
        ]),
        '    ',
      ),
    );
    lines.push('');
  }
  const traced = target.path !== undefined;
  const header = ['PORT', 'STATE', 'REPLY', 'FROM', 'TTL', 'INIT', 'DIST', 'HOP', 'ANSWERED BY', ...(traced ? ['TRACE'] : [])];
  lines.push(...columns([header, ...target.ports.map((port) => [...portRow(port), ...(traced ? [traceCell(port)] : [])])], '  '));
  const notes = target.ports.filter((port) => port.explanation !== null);
  if (notes.length > 0) {
    lines.push('');
    for (const port of notes) lines.push(`  ${port.port}: ${port.explanation}`);
  }
  if (target.unfinishedPorts.length > 0) {
    lines.push('');
    lines.push(`  interrupted before a verdict: ${compactPorts(target.unfinishedPorts)}`);
  }
  if (target.ignored > 0) lines.push(`  ignored ${target.ignored} packet(s) that failed validation (not ours, or forged)`);
  return lines.join('\n');
}

/** The trace column: who answered (hop, address) or where a silent port died. */
function traceCell(port: PortReport): string {
  if (port.responder) {
    const where = `hop ${port.responder.hop} ${port.responder.address ?? '(address hidden)'}`;
    return port.responder.confirmed ? where : `${where} (unconfirmed)`;
  }
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

/** "22,80,8000-8010" from a sorted port list. */
export function compactPorts(ports: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
    parts.push(j === i ? String(ports[i]) : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The default human-readable report. */
export function formatTable(report: Report): string {
  const sections = report.targets.map(formatTargetTable);
  if (report.interrupted) sections.push('interrupted: the report above is partial');
  return `${sections.join('\n\n')}\n`;
}
