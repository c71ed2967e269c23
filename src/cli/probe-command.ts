import pLimit from 'p-limit';
import { loadTargetsFile } from '../audit/targets-file.js';
import { compareWithBaseline, formatBaselineComparison, type BaselineComparison } from '../baseline/compare.js';
import { loadBaseline } from '../baseline/load.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { allMet, evaluateExpectations, formatExpectationLines } from '../expect/evaluate.js';
import type { Expectation, ExpectationResult, ReportExpectations } from '../model/expectation.js';
import { jsonChunks, streamedJsonHead, streamedJsonTail, targetJsonChunks } from '../report/json.js';
import { summaryBuilder, summaryLines } from '../report/summary.js';
import type { FleetSummary } from '../model/summary.js';
import { probeFleet, type FleetEntry } from '../run/fleet.js';
import { addressCount, expandTarget, type ExpandedTarget } from '../target/expand.js';
import { exclusionOf, type Exclusion } from '../target/exclude.js';
import { atLine, readTargetList, type ListedTarget } from '../target/target-list.js';
import { formatJunit } from '../report/junit.js';
import { REPORT_SCHEMA, type Report, type TargetReport } from '../model/report.js';
import { codeBlock, formatMarkdown } from '../report/markdown.js';
import { formatNdjson } from '../report/ndjson.js';
import { formatPrometheus } from '../report/prometheus.js';
import { tableChunks, targetTableLines } from '../report/table.js';
import { probeReport } from '../run/probe.js';
import { openTransport } from '../transport/open.js';
import { dropPrivileges } from '../privileges.js';
import type { Transport } from '../transport/transport.js';
import { writeChunks, type CommandIo } from './io.js';
import { MAX_PROBES_WITHOUT_YES, type ProbeOptions } from './probe-options.js';
import { createProgressBar, wantsProgress } from './progress.js';
import type { AddressChoice } from '../target/resolve.js';
import { familiesNeeded } from '../target/families.js';
import type { AddressFamily } from '../model/report.js';
import { EnvironmentError } from '../errors.js';
import { mark } from '../timing.js';

/** Name lookups run at once, at most. */
const RESOLVE_CONCURRENCY = 8;



/** One target to probe: as given, where it came from, its ports and expectations. */
export interface ProbeJob {
  target: string;
  ports: number[];
  expectations: Expectation[];
  /** -iL targets: the list and the line, for messages. */
  line?: { file: string; listed: ListedTarget };
  /** An audit file entry's expectIdle count: `ttl-probe idle --targets` checks those, not the probe. */
  idleExpectations?: number;
}

/**
 * The address choice of a run with the families it could open: without
 * IPv6 sockets (no IPv6, no addon) a name falls back to its IPv4 addresses,
 * as ssh does when IPv6 fails. Pure.
 */
export function addressChoice(options: Pick<ProbeOptions, 'family' | 'allAddresses'>, families: ReadonlySet<AddressFamily>): AddressChoice {
  const family = options.family ?? (families.has(6) ? null : 4);
  return { family, all: options.allAddresses };
}

/**
 * The targets of a run: those on the command line (on -p, plus any port an
 * --expect names; only the expected ports when -p is absent), then those of
 * the --targets file with their own ports and expectations.
 */
export async function collectJobs(options: ProbeOptions): Promise<ProbeJob[]> {
  const expected = options.expectations.map((expectation) => expectation.port);
  const cliPorts = options.portsGiven || expected.length === 0 ? [...new Set([...options.ports, ...expected])].sort((a, b) => a - b) : [...new Set(expected)].sort((a, b) => a - b);
  const jobs: ProbeJob[] = options.targets.map((target) => ({ target, ports: cliPorts, expectations: options.expectations }));
  if (options.inputList !== null) {
    if (options.inputList === '-' && options.excludeFile === '-') throw new UsageError('-iL - and --exclude-file - cannot both read standard input');
    const file = options.inputList === '-' ? '(stdin)' : options.inputList;
    const listed = await readTargetList(options.inputList);
    if (listed.length === 0) throw new UsageError(`${file}: no targets in the list`);
    for (const item of listed) jobs.push({ target: item.text, ports: cliPorts, expectations: options.expectations, line: { file, listed: item } });
  }
  if (options.targetsFile !== null) {
    const file = await loadTargetsFile(options.targetsFile, { defaultPorts: options.portsGiven ? options.ports : undefined });
    for (const entry of file.targets) jobs.push({ target: entry.host, ports: entry.ports, expectations: entry.expectations, idleExpectations: entry.idleExpectations.length });
  }
  return jobs;
}

/** Runs a probe and prints its report. Returns 0; 1 when an expectation fails (or, with --fail-on-change, something changed); 130 when interrupted. */
export async function runProbe(options: ProbeOptions, io: CommandIo): Promise<ExitCodeValue> {
  // Raw sockets first, then privileges go, before any file, name lookup or reply is parsed.
  // Only the families the targets need: a run of IPv4 targets never opens an IPv6 socket.
  const opened = io.openTransport
    ? { transport: io.openTransport(), families: new Set<AddressFamily>([4, 6]), ipv6Unavailable: null }
    : openTransport(familiesNeeded(options.targets, options.targetsFile !== null || options.inputList !== null, options.family));
  const { transport } = opened;
  try {
    mark('sockets open');
    (io.dropPrivileges ?? dropPrivileges)(options.user);
    mark('privileges dropped');
    return await probeWithTransport(options, io, transport, opened.families, opened.ipv6Unavailable);
  } finally {
    transport.close();
  }
}

async function probeWithTransport(
  options: ProbeOptions,
  io: CommandIo,
  transport: Transport,
  families: ReadonlySet<AddressFamily>,
  ipv6Unavailable: string | null,
): Promise<ExitCodeValue> {
  const jobs = await collectJobs(options);
  const idleExpectations = jobs.reduce((sum, job) => sum + (job.idleExpectations ?? 0), 0);
  if (idleExpectations > 0) io.stderr(`ttl-probe: note: ${options.targetsFile}: ${idleExpectations} expectIdle expectation(s) are checked by \`ttl-probe idle --targets ${options.targetsFile}\`, not by this probe\n`);
  const choice = addressChoice(options, families);
  const expanded = await expandJobs(jobs, choice);
  const exclusion = await exclusionOfOptions(options, choice);
  mark('targets resolved');
  for (const entry of expanded) {
    for (const set of entry.sets) {
      if (!families.has(set.family)) {
        throw new EnvironmentError(`cannot probe ${set.text}: ${set.family === 6 ? (ipv6Unavailable ?? 'no IPv6 sockets were opened') : 'no IPv4 sockets were opened (-6)'}`, 'ERR_NO_FAMILY');
      }
    }
  }
  const probes = probeCount(expanded, jobs, exclusion);
  if (probes > MAX_PROBES_WITHOUT_YES && !options.yes) {
    throw new UsageError(`this run would probe ${probes} ports (more than ${MAX_PROBES_WITHOUT_YES}): add --yes if that is intended`);
  }
  const entries: FleetEntry[] = expanded.map((entry, index) => ({ target: entry.target, sets: entry.sets, ports: jobs[index]!.ports }));
  const baseline = options.baseline === null ? null : await loadBaseline(options.baseline);
  const progress =
    io.terminal && wantsProgress({ stderrIsTTY: true, stdoutIsTTY: io.terminal.stdoutIsTTY, json: options.format === 'json', probes })
      ? createProgressBar(io.terminal.stderr)
      : null;
  // Table and JSON stream a target at a time (a /16 is never held whole); the other formats and a
  // baseline comparison need the whole report.
  const streaming = baseline === null && (options.format === 'table' || options.format === 'json');
  const summary = summaryBuilder();
  const collected: TargetReport[] = [];
  const collectedExpectations: (readonly ExpectationResult[])[] = [];
  const expectationLines: string[] = [];
  let allExpectationsMet = true;
  let written = 0;
  let pending = '';
  const flush = async (force: boolean): Promise<void> => {
    if (pending.length >= 64 * 1024 || (force && pending !== '')) {
      const text = pending;
      pending = '';
      await io.stdout(text);
    }
  };
  if (streaming && options.format === 'json') pending += streamedJsonHead(REPORT_SCHEMA);
  const sink = async (target: TargetReport, entryIndex: number): Promise<void> => {
    const expectations = evaluateExpectations(target, jobs[entryIndex]!.expectations);
    if (!allMet([expectations])) allExpectationsMet = false;
    summary.add(target);
    if (!streaming) {
      collected.push(target);
      collectedExpectations.push(expectations);
      return;
    }
    if (options.format === 'json') {
      // Handed over in pieces of 64 KiB as they are made: a target of 65535 ports is ~11 MB of JSON.
      for (const chunk of targetJsonChunks(expectations.length > 0 ? ({ ...target, expectations } as TargetReport) : target, written)) {
        pending += chunk;
        await flush(false);
      }
    } else {
      if (!options.summary) {
        if (written > 0) pending += '\n';
        for (const line of targetTableLines(target)) {
          pending += `${line}\n`;
          await flush(false);
        }
      }
      if (expectations.length > 0) {
        expectationLines.push('', `expectations for ${target.target === target.address ? target.address : `${target.target} (${target.address})`}:`, ...formatExpectationLines(expectations));
      }
    }
    written++;
    await flush(false);
  };
  let outcome;
  try {
    outcome = await probeFleet(
      transport,
      entries,
      {
        echoCount: options.echoCount,
        tries: options.tries,
        timeoutMs: options.timeoutMs,
        rate: options.rate,
        trace: options.trace,
        maxHops: options.maxHops,
        sourcePort: options.sourcePort ?? undefined,
        signal: io.signal,
        onProgress: progress ? (done, total) => progress.update(done, total) : undefined,
      },
      sink,
      exclusion,
    );
  } finally {
    progress?.finish();
  }
  mark('report built');
  const fleetSummary = summary.result();
  const interrupted = outcome.interrupted;
  let comparison: BaselineComparison | null = null;
  if (streaming) {
    if (options.format === 'json') {
      for (const chunk of streamedJsonTail(written, { interrupted, summary: fleetSummary })) {
        pending += chunk;
        await flush(false);
      }
    } else {
      if (options.summary || written > 1) {
        if (written > 0 && !options.summary) pending += '\n';
        for (const line of summaryLines(fleetSummary)) {
          pending += `${line}\n`;
          await flush(false);
        }
      }
      if (interrupted) pending += `${written > 0 ? '\n' : ''}interrupted: the report above is partial\n`;
      if (expectationLines.length > 0) pending += `${expectationLines.join('\n')}\n`;
    }
    await flush(true);
  } else {
    const report: Report = { schema: REPORT_SCHEMA, interrupted, targets: collected };
    comparison = baseline === null ? null : compareWithBaseline(baseline, report);
    await writeReport(io, options, report, collectedExpectations, comparison, outcome.durationSeconds, fleetSummary);
  }
  mark('report written');
  if (outcome.sendErrors > 0) io.stderr(`ttl-probe: warning: the kernel refused ${outcome.sendErrors} probe(s) (a local firewall?)\n`);
  if (written + collected.length === 0 && !interrupted) io.stderr('ttl-probe: warning: every target was excluded: nothing was probed\n');
  if (interrupted) return ExitCode.INTERRUPTED;
  if (!allExpectationsMet) return ExitCode.EXPECTATION_FAILED;
  if (options.failOnChange && comparison?.changed) return ExitCode.EXPECTATION_FAILED;
  return ExitCode.OK;
}

/** Every job's target expanded (blocks and ranges by syntax, names resolved; UsageError on the first bad one, in order). */
async function expandJobs(jobs: readonly ProbeJob[], choice: AddressChoice): Promise<ExpandedTarget[]> {
  const limit = pLimit(RESOLVE_CONCURRENCY);
  return Promise.all(jobs.map((job) => limit(() => (job.line ? atLine(job.line.file, job.line.listed, () => expandTarget(job.target, choice)) : expandTarget(job.target, choice)))));
}

/** --exclude and --exclude-file, expanded (names: every address, of either family). */
async function exclusionOfOptions(options: ProbeOptions, choice: AddressChoice): Promise<Exclusion> {
  const everyAddress: AddressChoice = { family: choice.family, all: true };
  const given = options.exclude.map((text) => expandTarget(text, everyAddress).catch((error: unknown) => {
    throw error instanceof UsageError ? new UsageError(`--exclude: ${error.message}`) : error;
  }));
  const listed = options.excludeFile === null ? [] : await readTargetList(options.excludeFile);
  const file = options.excludeFile === '-' ? '(stdin)' : (options.excludeFile ?? '');
  const fromFile = listed.map((item) => atLine(file, item, () => expandTarget(item.text, everyAddress)));
  return exclusionOf(await Promise.all([...given, ...fromFile]));
}

/** Addresses above which the exact count after exclusions is not worth walking: the upper bound serves the cap. */
const EXACT_COUNT_LIMIT = 1 << 24;

/** Probes of the run (addresses x ports per entry, exclusions taken off when there are not too many addresses to walk). */
function probeCount(expanded: readonly ExpandedTarget[], jobs: readonly ProbeJob[], exclusion: Exclusion): number {
  let total = 0;
  expanded.forEach((entry, index) => {
    const addresses = addressCount(entry);
    let count = addresses;
    if (!exclusion.empty && addresses <= EXACT_COUNT_LIMIT) {
      count = 0;
      for (const set of entry.sets) for (const address of set.addresses()) if (!exclusion.excludes(address)) count++;
    }
    total += count * jobs[index]!.ports.length;
  });
  return total;
}

async function writeReport(
  io: CommandIo,
  options: ProbeOptions,
  report: Report,
  expectations: ReportExpectations,
  comparison: BaselineComparison | null,
  durationSeconds: number,
  summary: FleetSummary,
): Promise<void> {
  switch (options.format) {
    case 'json': {
      // Expectations and the baseline comparison ride along as extra fields of the contract.
      const withExtras = {
        ...report,
        targets: report.targets.map((target, index) => (expectations[index]!.length > 0 ? { ...target, expectations: expectations[index] } : target)),
        ...(comparison ? { baseline: comparison } : {}),
        summary,
      };
      await writeChunks(io, jsonChunks(withExtras as Report));
      return;
    }
    case 'ndjson':
      await io.stdout(formatNdjson(report, expectations));
      return;
    case 'junit':
      await io.stdout(formatJunit(report, expectations));
      return;
    case 'prometheus':
      await io.stdout(formatPrometheus(report, expectations, { durationSeconds }));
      return;
    case 'markdown':
      await io.stdout(formatMarkdown(report, expectations) + (comparison ? `\nCompared with the baseline:\n\n${codeBlock(formatBaselineComparison(comparison), 'text')}` : ''));
      return;
    default: {
      if (!options.summary) await writeChunks(io, tableChunks({ ...report, interrupted: false }));
      const lines: string[] = [];
      if (options.summary || report.targets.length > 1) lines.push(...(options.summary ? [] : ['']), ...summaryLines(summary));
      if (report.interrupted) lines.push(...(report.targets.length > 0 ? [''] : []), 'interrupted: the report above is partial');
      report.targets.forEach((target, index) => {
        if (expectations[index]!.length === 0) return;
        lines.push('', `expectations for ${target.target === target.address ? target.address : `${target.target} (${target.address})`}:`, ...formatExpectationLines(expectations[index]!));
      });
      if (comparison) lines.push('', formatBaselineComparison(comparison).trimEnd());
      if (lines.length > 0) await io.stdout(`${lines.join('\n')}\n`);
    }
  }
}
