import type { FleetSummary, PortSummary, SummaryGroup } from '../model/summary.js';
import type { PortReport, Report, TargetReport } from '../model/report.js';

/**
 * The fleet summary: per port, the targets grouped by who answered. A target answered by
 * itself joins the port's "host" group; a device on the path is one group per hop and reply
 * signature (kind and initial TTL; ICMP type and code), named by address where the evidence
 * gives one (the ICMP sender; with --trace the traced responder, whose address then keys the
 * group too); silent targets are one group (with --trace, one per hop where they vanish).
 * Pure: a fold over target reports, so a streamed report is summarised without being kept.
 */
export interface SummaryBuilder {
  add(target: TargetReport): void;
  result(): FleetSummary;
}

function groupKey(port: PortReport): string {
  const reply = port.reply;
  switch (port.answeredBy) {
    case 'host':
      return 'host';
    case 'none':
      return `none|${port.droppedAfter?.hop ?? ''}|${port.droppedAfter?.address ?? ''}`;
    default:
      return [
        port.answeredBy,
        port.hop ?? '',
        reply?.kind ?? '',
        reply?.initialTtl ?? '',
        reply?.icmpType ?? '',
        reply?.icmpCode ?? '',
        deviceAddress(port) ?? '',
      ].join('|');
  }
}

/** The device's address when the evidence names it: the traced responder, else the sender of an ICMP error. */
function deviceAddress(port: PortReport): string | null {
  if (port.responder) return port.responder.address;
  if (port.reply?.kind === 'icmp-unreachable') return port.reply.from;
  return null;
}

function newGroup(port: PortReport): SummaryGroup {
  const reply = port.reply;
  const device = port.answeredBy !== 'host' && port.answeredBy !== 'none';
  return {
    answeredBy: port.answeredBy,
    hosts: 0,
    states: {},
    hop: port.answeredBy === 'middlebox' || port.answeredBy === 'beyond' ? port.hop : null,
    address: device ? deviceAddress(port) : port.answeredBy === 'none' ? (port.droppedAfter?.address ?? null) : null,
    signature:
      device && reply
        ? {
            kind: reply.kind,
            initialTtl: reply.initialTtl,
            ...(reply.icmpType !== undefined ? { icmpType: reply.icmpType } : {}),
            ...(reply.icmpCode !== undefined ? { icmpCode: reply.icmpCode } : {}),
          }
        : null,
    droppedAfterHop: port.answeredBy === 'none' ? (port.droppedAfter?.hop ?? null) : null,
  };
}

/** A summary built one target at a time. */
export function summaryBuilder(): SummaryBuilder {
  let targets = 0;
  const byPort = new Map<number, { hosts: number; groups: Map<string, SummaryGroup> }>();
  return {
    add(target) {
      targets++;
      for (const port of target.ports) {
        let entry = byPort.get(port.port);
        if (!entry) byPort.set(port.port, (entry = { hosts: 0, groups: new Map() }));
        entry.hosts++;
        const key = groupKey(port);
        let group = entry.groups.get(key);
        if (!group) entry.groups.set(key, (group = newGroup(port)));
        group.hosts++;
        group.states[port.state] = (group.states[port.state] ?? 0) + 1;
      }
    },
    result() {
      const ports: PortSummary[] = [...byPort.entries()]
        .sort(([a], [b]) => a - b)
        .map(([port, { hosts, groups }]) => ({ port, hosts, groups: [...groups.values()].sort(byWeight) }));
      return { targets, ports };
    },
  };
}

const ORDER = ['host', 'middlebox', 'beyond', 'unknown', 'none'];

function byWeight(a: SummaryGroup, b: SummaryGroup): number {
  return b.hosts - a.hosts || ORDER.indexOf(a.answeredBy) - ORDER.indexOf(b.answeredBy) || (a.hop ?? 0) - (b.hop ?? 0);
}

/** The summary of a whole report. */
export function summarize(report: Report): FleetSummary {
  const builder = summaryBuilder();
  for (const target of report.targets) builder.add(target);
  return builder.result();
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function statesText(group: SummaryGroup): string {
  const parts = Object.entries(group.states).map(([state, count]) => `${count} ${state}`);
  return parts.length > 1 ? ` (${parts.join(', ')})` : parts.length === 1 ? ` (${Object.keys(group.states)[0]})` : '';
}

function signatureText(group: SummaryGroup): string {
  const signature = group.signature;
  if (!signature) return '';
  const kind = signature.kind === 'icmp-unreachable' ? `icmp ${signature.icmpType}/${signature.icmpCode}` : signature.kind;
  return `${kind}, initial TTL ${signature.initialTtl}`;
}

/** One group as a phrase: "256 hosts answered by one device at hop 2 (198.18.2.2; rst, initial TTL 64)". */
export function groupText(group: SummaryGroup): string {
  const hosts = plural(group.hosts, 'host');
  switch (group.answeredBy) {
    case 'host':
      return `${hosts} answered themselves${statesText(group)}`;
    case 'none':
      return group.droppedAfterHop !== null
        ? `${hosts} silent, last seen after hop ${group.droppedAfterHop}${group.address ? ` ${group.address}` : ''}`
        : `${hosts} silent`;
    case 'unknown':
      return `${hosts} answered${statesText(group)}, with no reference to tell by whom (${signatureText(group)})`;
    default: {
      const where = group.answeredBy === 'beyond' ? `one device beyond the host, at hop ${group.hop}` : `one device at hop ${group.hop}`;
      const unreachable = group.signature?.kind === 'icmp-unreachable';
      const verb = unreachable ? 'reported unreachable by' : 'answered by';
      return `${hosts} ${verb} ${where} (${group.address ? `${group.address}; ` : ''}${signatureText(group)})${unreachable ? '' : statesText(group)}`;
    }
  }
}

/** The summary as lines: a heading, then per port "port 22: ...; ...". */
export function* summaryLines(summary: FleetSummary): Generator<string> {
  yield `summary of ${plural(summary.targets, 'target')}:`;
  for (const port of summary.ports) {
    yield `  port ${port.port}: ${port.groups.map(groupText).join('; ')}`;
  }
}
