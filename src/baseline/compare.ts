import { formatSeen } from '../model/expectation.js';
import type { AnsweredBy, PortReport, PortState, Report, TargetReport } from '../model/report.js';

/**
 * `--baseline FILE`: what changed since an earlier `--json` report, per
 * target and port: the state, who answered and the hop (ports and targets
 * added or removed too). Pure: two reports in, a comparison out.
 */

/** The fields of a port that are compared, in this order. */
export type ComparedField = 'state' | 'answeredBy' | 'hop';
const FIELDS: readonly ComparedField[] = ['state', 'answeredBy', 'hop'];

export interface PortSnapshot {
  state: PortState;
  answeredBy: AnsweredBy;
  hop: number | null;
}

export interface PortChange {
  port: number;
  /** added: probed now, not in the baseline; removed: in the baseline, not probed now. */
  change: 'added' | 'removed' | 'changed';
  before: PortSnapshot | null;
  after: PortSnapshot | null;
  /** For `changed`: which fields differ; empty otherwise. */
  fields: ComparedField[];
}

export interface TargetChanges {
  /** The target as given (targets are matched by it). */
  target: string;
  /** The address now (for a removed target: the address in the baseline). */
  address: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Set when the name now resolves to another address. */
  previousAddress?: string;
  /** Set when the host's own hop (the reference) moved: the path got longer or shorter. */
  hostHop?: { before: number | null; after: number | null };
  /** Changed, added and removed ports, by port. */
  ports: PortChange[];
  /** Ports of the baseline without a verdict this run (interrupted): not compared. */
  unchecked: number[];
}

export interface BaselineComparison {
  /** True when anything differs: what `--fail-on-change` exits 1 for. */
  changed: boolean;
  /** How many differences: port changes plus target-level ones (added, removed, address, host hop). */
  changeCount: number;
  /** Every target of either report, current order first, then those only in the baseline. */
  targets: TargetChanges[];
}

function snapshot(port: PortReport): PortSnapshot {
  return { state: port.state, answeredBy: port.answeredBy, hop: port.hop };
}

function comparePorts(previous: TargetReport, current: TargetReport): { ports: PortChange[]; unchecked: number[] } {
  const before = new Map(previous.ports.map((port) => [port.port, port]));
  const after = new Map(current.ports.map((port) => [port.port, port]));
  const unfinished = new Set(current.unfinishedPorts);
  const ports: PortChange[] = [];
  const unchecked: number[] = [];
  for (const port of current.ports) {
    const old = before.get(port.port);
    if (!old) {
      ports.push({ port: port.port, change: 'added', before: null, after: snapshot(port), fields: [] });
      continue;
    }
    const fields = FIELDS.filter((field) => old[field] !== port[field]);
    if (fields.length > 0) ports.push({ port: port.port, change: 'changed', before: snapshot(old), after: snapshot(port), fields });
  }
  for (const port of previous.ports) {
    if (after.has(port.port)) continue;
    if (unfinished.has(port.port)) unchecked.push(port.port);
    else ports.push({ port: port.port, change: 'removed', before: snapshot(port), after: null, fields: [] });
  }
  ports.sort((a, b) => a.port - b.port);
  return { ports, unchecked: unchecked.sort((a, b) => a - b) };
}

/**
 * Compares a current report with a baseline. Targets are matched by the
 * name given (`target`); a name given twice is matched in order.
 */
export function compareWithBaseline(previous: Report, current: Report): BaselineComparison {
  const waiting = new Map<string, TargetReport[]>();
  for (const target of previous.targets) {
    const list = waiting.get(target.target) ?? [];
    list.push(target);
    waiting.set(target.target, list);
  }
  const targets: TargetChanges[] = [];
  let changeCount = 0;
  for (const target of current.targets) {
    const old = waiting.get(target.target)?.shift();
    if (!old) {
      targets.push({
        target: target.target,
        address: target.address,
        change: 'added',
        ports: target.ports.map((port) => ({ port: port.port, change: 'added', before: null, after: snapshot(port), fields: [] })),
        unchecked: [],
      });
      changeCount++;
      continue;
    }
    const { ports, unchecked } = comparePorts(old, target);
    const entry: TargetChanges = { target: target.target, address: target.address, change: 'unchanged', ports, unchecked };
    let count = ports.length;
    if (old.address !== target.address) {
      entry.previousAddress = old.address;
      count++;
    }
    if (old.reference.hop !== target.reference.hop) {
      entry.hostHop = { before: old.reference.hop, after: target.reference.hop };
      count++;
    }
    if (count > 0) entry.change = 'changed';
    changeCount += count;
    targets.push(entry);
  }
  for (const list of waiting.values()) {
    for (const old of list) {
      targets.push({
        target: old.target,
        address: old.address,
        change: 'removed',
        ports: old.ports.map((port) => ({ port: port.port, change: 'removed', before: snapshot(port), after: null, fields: [] })),
        unchecked: [],
      });
      changeCount++;
    }
  }
  return { changed: changeCount > 0, changeCount, targets };
}

function hopText(hop: number | null): string {
  return hop === null ? 'none' : String(hop);
}

/** One line for a port change, e.g. "22: answeredBy host -> middlebox, hop 4 -> 2". */
export function formatPortChange(change: PortChange): string {
  if (change.change === 'added') return `${change.port}: new: ${formatSeen(change.after!)}`;
  if (change.change === 'removed') return `${change.port}: no longer probed (was ${formatSeen(change.before!)})`;
  const parts = change.fields.map((field) =>
    field === 'hop'
      ? `hop ${hopText(change.before!.hop)} -> ${hopText(change.after!.hop)}`
      : `${field} ${change.before![field]} -> ${change.after![field]}`,
  );
  return `${change.port}: ${parts.join(', ')}`;
}

function targetName(target: string, address: string): string {
  return target === address ? address : `${target} (${address})`;
}

/**
 * The text rendering of a comparison: a summary line, then per target with
 * changes its lines, e.g.
 *
 *     baseline: 2 changes on 1 of 2 targets
 *     db1.example (198.18.4.2):
 *       22: answeredBy host -> middlebox, hop 4 -> 2
 *       8080: new: filtered (no reply)
 *
 * Ends with a newline.
 */
export function formatBaselineComparison(comparison: BaselineComparison): string {
  const total = comparison.targets.length;
  if (!comparison.changed) {
    const lines = [`baseline: no change on ${total === 1 ? 'the target' : `${total} targets`}`];
    for (const target of comparison.targets) {
      if (target.unchecked.length > 0) lines.push(`${targetName(target.target, target.address)}: not compared (no verdict this run): ${target.unchecked.join(',')}`);
    }
    return `${lines.join('\n')}\n`;
  }
  const touched = comparison.targets.filter((target) => target.change !== 'unchanged').length;
  const lines = [`baseline: ${comparison.changeCount} change${comparison.changeCount === 1 ? '' : 's'} on ${touched} of ${total} target${total === 1 ? '' : 's'}`];
  for (const target of comparison.targets) {
    const name = targetName(target.target, target.address);
    if (target.change === 'added') {
      lines.push(`${name}: new target`);
      continue;
    }
    if (target.change === 'removed') {
      lines.push(`${name}: not in this run (was in the baseline)`);
      continue;
    }
    if (target.change === 'unchanged' && target.unchecked.length === 0) continue;
    lines.push(`${name}:`);
    if (target.previousAddress !== undefined) lines.push(`  address ${target.previousAddress} -> ${target.address}`);
    if (target.hostHop) lines.push(`  host hop ${hopText(target.hostHop.before)} -> ${hopText(target.hostHop.after)}`);
    for (const port of target.ports) lines.push(`  ${formatPortChange(port)}`);
    if (target.unchecked.length > 0) lines.push(`  not compared (no verdict this run): ${target.unchecked.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}
