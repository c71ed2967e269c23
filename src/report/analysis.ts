import { LINK_TYPE_NAMES } from '../model/capture.js';
import { formatJson } from './json.js';
import { formatTargetTable } from './table.js';
import type { AnalyzedTargetReport, AnalyzeReport, CaptureSummary, MidflowReset } from '../model/analysis.js';


const FORMAT_NAMES: Readonly<Record<CaptureSummary['format'], string>> = {
  pcap: 'pcap',
  'pcap-ns': 'pcap, nanosecond timestamps',
  pcapng: 'pcapng',
  'tcpdump-text': 'tcpdump -v text',
};

/** The range of a JavaScript Date, in ms either side of the epoch. */
const DATE_RANGE_MS = 8.64e15;

/**
 * Capture time as a UTC ISO time; times of day from tcpdump text (no date)
 * as HH:MM:SS.mmm, "+Nd" after midnight; a time before the epoch or beyond
 * what a Date holds (a hostile pcapng timestamp offset) as plain milliseconds.
 */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0 || ms > DATE_RANGE_MS) return `${ms} ms`;
  const iso = new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  if (days >= 365) return iso;
  return `${days > 0 ? `+${days}d ` : ''}${iso.slice(11, 23)}`;
}

function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function resetRow(port: number, reset: MidflowReset): string[] {
  return [
    String(port),
    formatTimestamp(reset.timestampMs),
    `${reset.from}:${reset.fromPort}`,
    `${reset.to}:${reset.toPort}`,
    String(reset.ttl),
    String(reset.distance),
    String(reset.hop),
    String(reset.flowHop),
    reset.answeredBy,
  ];
}

/** The mid-flow reset lines of one target (none when it has none). */
export function formatMidflowResets(target: AnalyzedTargetReport): string[] {
  const entries = [
    ...target.ports.map((port) => ({ port: port.port, resets: port.midflowResets, count: port.midflowResetCount })),
    ...target.midflowOnlyPorts.map((port) => ({ port: port.port, resets: port.midflowResets, count: port.midflowResetCount })),
  ].filter((entry) => entry.count > 0);
  if (entries.length === 0) return [];
  const lines = ['', '  mid-flow resets (established connections cut by a RST whose distance differs from the rest of the connection):'];
  const header = ['PORT', 'TIME', 'FROM', 'TO', 'TTL', 'DIST', 'HOP', 'FLOW HOP', 'ANSWERED BY'];
  const rows = entries.flatMap((entry) => entry.resets.map((reset) => resetRow(entry.port, reset)));
  lines.push(...columns([header, ...rows], '    '));
  for (const entry of entries) {
    const first = entry.resets[0];
    if (first) lines.push(`    ${entry.port}: ${first.explanation}`);
    if (entry.count > entry.resets.length) lines.push(`    ${entry.port}: ${entry.count - entry.resets.length} more not listed`);
  }
  const noSyn = target.midflowOnlyPorts.filter((port) => port.midflowResetCount > 0).map((port) => port.port);
  if (noSyn.length > 0) lines.push(`    (no SYN to port ${noSyn.join(', ')} in the capture: those connections started before it)`);
  return lines;
}

/** One line about the file: format, link types, packet counts, the clients' addresses. */
export function formatCaptureSummary(capture: CaptureSummary, firstProblem: string | null = null): string {
  const links = capture.linkTypes.map((type) => LINK_TYPE_NAMES.get(type) ?? `link type ${type} (not supported)`);
  const kind = [FORMAT_NAMES[capture.format], ...new Set(links)].join(', ');
  const parts = [`${capture.packets} packets`, `${capture.ipv4} IPv4`];
  if (capture.ipv6 > 0) parts.push(`${capture.ipv6} IPv6`);
  if (capture.notIPv4 > 0) parts.push(`${capture.notIPv4} other protocols`);
  parts.push(`${capture.undecodable} undecodable${capture.undecodable > 0 && firstProblem ? ` (${firstProblem})` : ''}`);
  if (capture.untracked > 0) parts.push(`${capture.untracked} SYNs/echo requests beyond the analysis limits`);
  const listed = capture.clients.slice(0, 5).join(', ');
  const more = capture.clientCount - Math.min(5, capture.clients.length);
  const clients = capture.clients.length === 0 ? '' : `; seen from ${listed}${more > 0 ? ` and ${more}${capture.clientCount > 65_536 ? '+' : ''} more` : ''}`;
  return `capture ${capture.file} (${kind}): ${parts.join(', ')}${clients}`;
}

/** The default human-readable analyze report: the probe's table per target, its mid-flow resets, then the capture line. */
export function formatAnalyzeTable(report: AnalyzeReport, firstProblem: string | null = null): string {
  const sections = report.targets.map((target) => [formatTargetTable(target), ...formatMidflowResets(target)].join('\n'));
  if (sections.length === 0) sections.push('no TCP connection attempt, ICMP echo or cut connection found in the capture');
  sections.push(formatCaptureSummary(report.capture, firstProblem));
  return `${sections.join('\n\n')}\n`;
}

/** The `--json` output: the report record (schema ttl-probe/1 plus midflowResets and capture). */
export function formatAnalyzeJson(report: AnalyzeReport): string {
  return formatJson(report);
}
