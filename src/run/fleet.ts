import { buildTargetReport } from '../infer/target-report.js';
import type { TargetReport } from '../model/report.js';
import { DEFAULT_SCAN_OPTIONS, scan, type ScanTarget } from '../scan/engine.js';
import type { AddressSet } from '../target/blocks.js';
import { NO_EXCLUSION, type Exclusion } from '../target/exclude.js';
import { traceTarget } from '../trace/tracer.js';
import { withTrace } from '../trace/merge.js';
import type { Transport } from '../transport/transport.js';
import { monotonicMs } from '../clock.js';
import { TRACE_ROUNDS, type ProbeRequest } from './probe.js';

/**
 * Many targets in one run (blocks, ranges, lists): the entries are never expanded up front.
 * Addresses are taken a batch at a time (FLEET_BATCH distinct addresses), probed together (so a
 * silent host's timeouts run in parallel with everyone else's probes), reported in the order of
 * the entries and forgotten. An address that several entries hold (by name and by number, in
 * two audit entries, in overlapping blocks) is probed once, on the union of their ports, and
 * reported under each entry with that entry's ports; only such shared addresses are remembered
 * until their last entry is reported.
 */

/** One entry of a fleet: a target as given, the address sets it stands for, its ports. */
export interface FleetEntry {
  target: string;
  sets: readonly AddressSet[];
  ports: readonly number[];
}

/** How the fleet is probed: the scan and trace settings of one run (a probe request without its targets). */
export interface FleetRequest extends Omit<ProbeRequest, 'targets' | 'ports'> {
  /** Distinct addresses probed together, at most (FLEET_BATCH by default). */
  batch?: number;
}

/** What the caller is handed, in entry order: each report with the index of its entry. */
export type FleetSink = (report: TargetReport, entryIndex: number) => void | Promise<void>;

export interface FleetOutcome {
  interrupted: boolean;
  /** Reports handed to the sink. */
  reported: number;
  sendErrors: number;
  durationSeconds: number;
}

/** Distinct addresses probed together: enough for any window, small enough to keep memory flat. */
export const FLEET_BATCH = 4096;

/** Addresses several entries hold: the union of their ports and how many reports still need them. */
interface Shared {
  ports: Set<number>;
  remaining: number;
  report: TargetReport | null;
}

/**
 * The addresses held by more than one entry (or twice by one), with the union of their ports.
 * Only sets whose bounds overlap another's are walked, so a fleet of disjoint blocks costs
 * nothing here. Pure.
 */
export function sharedAddresses(entries: readonly FleetEntry[], exclusion: Exclusion = NO_EXCLUSION): Map<string, { ports: Set<number>; count: number }> {
  const familyOffset = 1n << 130n;
  const spans = entries.flatMap((entry, index) =>
    entry.sets.map((set) => ({ set, index, low: set.low + (set.family === 6 ? familyOffset : 0n), high: set.high + (set.family === 6 ? familyOffset : 0n) })),
  );
  spans.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
  const involved: typeof spans = [];
  let cluster: typeof spans = [];
  let clusterHigh = -1n;
  const close = (): void => {
    if (cluster.length > 1) involved.push(...cluster);
    cluster = [];
  };
  for (const span of spans) {
    if (span.low > clusterHigh) close();
    cluster.push(span);
    if (span.high > clusterHigh) clusterHigh = span.high;
  }
  close();
  const counts = new Map<string, { ports: Set<number>; count: number }>();
  for (const { set, index } of involved) {
    for (const address of set.addresses()) {
      if (exclusion.excludes(address)) continue;
      const known = counts.get(address);
      if (known) {
        known.count++;
        for (const port of entries[index]!.ports) known.ports.add(port);
      } else {
        counts.set(address, { ports: new Set(entries[index]!.ports), count: 1 });
      }
    }
  }
  for (const [address, value] of counts) if (value.count < 2) counts.delete(address);
  return counts;
}

/** The addresses of every entry in order, exclusions skipped: [entry index, address]. */
function* fleetAddresses(entries: readonly FleetEntry[], exclusion: Exclusion): Generator<[number, string]> {
  for (const [index, entry] of entries.entries()) {
    for (const set of entry.sets) for (const address of set.addresses()) if (!exclusion.excludes(address)) yield [index, address];
  }
}

/** A report cut down to `ports` (an entry's share of a shared address), under the entry's name. */
function forEntry(report: TargetReport, target: string, ports: readonly number[]): TargetReport {
  const wanted = new Set(ports);
  const keep = report.ports.length === wanted.size && report.ports.every((port) => wanted.has(port.port));
  return {
    ...report,
    target,
    ports: keep ? report.ports : report.ports.filter((port) => wanted.has(port.port)),
    unfinishedPorts: report.unfinishedPorts.filter((port) => wanted.has(port)),
  };
}

/**
 * Probes a fleet and hands every report to `sink` as soon as its batch is done, in the order of
 * the entries. Stops after the batch that was running when the signal aborted (its reports say
 * which ports had no verdict); later addresses are not reported.
 */
export async function probeFleet(
  transport: Transport,
  entries: readonly FleetEntry[],
  request: FleetRequest,
  sink: FleetSink,
  exclusion: Exclusion = NO_EXCLUSION,
): Promise<FleetOutcome> {
  const started = monotonicMs();
  const batchSize = request.batch ?? FLEET_BATCH;
  const shared = new Map<string, Shared>();
  for (const [address, { ports, count }] of sharedAddresses(entries, exclusion)) shared.set(address, { ports, remaining: count, report: null });
  let totalPorts = 0;
  for (const [index] of fleetAddresses(entries, exclusion)) totalPorts += entries[index]!.ports.length;
  let donePorts = 0;
  let sendErrors = 0;
  let reported = 0;
  let interrupted = false;
  const flowId = request.sourcePort;

  let items: [number, string][] = [];
  let specs: ScanTarget[] = [];
  let inBatch = new Set<string>();

  const runBatch = async (): Promise<void> => {
    const byAddress = new Map<string, TargetReport>();
    if (specs.length > 0) {
      const before = donePorts;
      const result = await scan(transport, specs, {
        ...DEFAULT_SCAN_OPTIONS,
        ports: [],
        echoCount: request.echoCount,
        tries: request.tries,
        timeoutMs: request.timeoutMs,
        rate: request.rate,
        signal: request.signal,
        onProgress: request.onProgress ? (done) => request.onProgress!(before + done, totalPorts) : undefined,
        flowId,
      });
      sendErrors += result.sendErrors;
      for (const observation of result.observations) {
        let report = buildTargetReport(observation);
        donePorts += observation.ports.length;
        if (request.trace && !result.interrupted && request.signal?.aborted !== true) {
          const trace = await traceTarget(transport, result.session, report, {
            maxHops: request.maxHops,
            tries: TRACE_ROUNDS,
            timeoutMs: result.session.timeoutMs,
            rate: request.rate,
            signal: request.signal,
          });
          report = withTrace(report, trace.conclusion);
          sendErrors += trace.sendErrors;
        }
        byAddress.set(observation.address, report);
        const share = shared.get(observation.address);
        if (share) share.report = report;
      }
      if (result.interrupted || request.signal?.aborted === true) interrupted = true;
    }
    for (const [index, address] of items) {
      const entry = entries[index]!;
      const share = shared.get(address);
      const report = byAddress.get(address) ?? share?.report;
      if (!report) continue;
      await sink(forEntry(report, entry.target, entry.ports), index);
      reported++;
      if (share && --share.remaining === 0) shared.delete(address);
    }
    items = [];
    specs = [];
    inBatch = new Set();
  };

  for (const item of fleetAddresses(entries, exclusion)) {
    if (interrupted) break;
    const [index, address] = item;
    items.push(item);
    const share = shared.get(address);
    if (inBatch.has(address) || share?.report) continue;
    inBatch.add(address);
    specs.push({ target: entries[index]!.target, address, ports: share ? [...share.ports].sort((a, b) => a - b) : entries[index]!.ports });
    if (specs.length >= batchSize) await runBatch();
  }
  if (!interrupted && items.length > 0) await runBatch();
  return { interrupted: interrupted || request.signal?.aborted === true, reported, sendErrors, durationSeconds: (monotonicMs() - started) / 1000 };
}
