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
  const header = ['PORT', 'STATE', 'REPLY', 'FROM', 'TTL', 'INIT', 'DIST', 'HOP', 'ANSWERED BY'];
  lines.push(...columns([header, ...target.ports.map(portRow)], '  '));
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
