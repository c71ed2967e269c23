import pLimit from 'p-limit';
import { loadTargetsFile } from '../audit/targets-file.js';
import { compareWithBaseline, formatBaselineComparison, type BaselineComparison } from '../baseline/compare.js';
import { loadBaseline } from '../baseline/load.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { allMet, evaluateExpectations, formatExpectationLines } from '../expect/evaluate.js';
import type { Expectation, ReportExpectations } from '../model/expectation.js';
import { jsonChunks } from '../report/json.js';
import { formatJunit } from '../report/junit.js';
import type { Report } from '../model/report.js';
import { codeBlock, formatMarkdown } from '../report/markdown.js';
import { formatNdjson } from '../report/ndjson.js';
import { formatPrometheus } from '../report/prometheus.js';
import { tableChunks } from '../report/table.js';
import { probeReport } from '../run/probe.js';
import { openTransport } from '../transport/open.js';
import { dropPrivileges } from '../privileges.js';
import type { Transport } from '../transport/transport.js';
import { writeChunks, type CommandIo } from './io.js';
import { MAX_PROBES_WITHOUT_YES, type ProbeOptions } from './probe-options.js';
import { createProgressBar, wantsProgress } from './progress.js';
import { resolveTargetAddresses, type AddressChoice, type ResolvedTarget } from '../target/resolve.js';
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
}

/** Resolves every target to its addresses (UsageError on the first bad one, in the order given). */
export async function resolveTargets(targets: readonly string[], choice: AddressChoice = { family: null, all: false }): Promise<ResolvedTarget[][]> {
  const limit = pLimit(RESOLVE_CONCURRENCY);
  return Promise.all(targets.map((target) => limit(() => resolveTargetAddresses(target, choice))));
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
  if (options.targetsFile !== null) {
    const file = await loadTargetsFile(options.targetsFile, { defaultPorts: options.portsGiven ? options.ports : undefined });
    for (const entry of file.targets) jobs.push({ target: entry.host, ports: entry.ports, expectations: entry.expectations });
  }
  return jobs;
}

/** Runs a probe and prints its report. Returns 0; 1 when an expectation fails (or, with --fail-on-change, something changed); 130 when interrupted. */
export async function runProbe(options: ProbeOptions, io: CommandIo): Promise<ExitCodeValue> {
  // Raw sockets first, then privileges go, before any file, name lookup or reply is parsed.
  // Only the families the targets need: a run of IPv4 targets never opens an IPv6 socket.
  const opened = io.openTransport
    ? { transport: io.openTransport(), families: new Set<AddressFamily>([4, 6]), ipv6Unavailable: null }
    : openTransport(familiesNeeded(options.targets, options.targetsFile !== null, options.family));
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
  const probes = jobs.reduce((sum, job) => sum + job.ports.length, 0);
  if (probes > MAX_PROBES_WITHOUT_YES && !options.yes) {
    throw new UsageError(`this run would probe ${probes} ports (more than ${MAX_PROBES_WITHOUT_YES}): add --yes if that is intended`);
  }
  const addresses = await resolveTargets(jobs.map((job) => job.target), addressChoice(options, families));
  mark('targets resolved');
  // Each address is its own target (--all-addresses gives a name several), with the job's ports and expectations.
  const resolvedJobs = jobs.flatMap((job, index) => addresses[index]!.map((target) => ({ job, target })));
  for (const { target } of resolvedJobs) {
    if (!families.has(target.family)) {
      throw new EnvironmentError(`cannot probe ${target.address}: ${target.family === 6 ? (ipv6Unavailable ?? 'no IPv6 sockets were opened') : 'no IPv4 sockets were opened (-6)'}`, 'ERR_NO_FAMILY');
    }
  }
  const resolved = resolvedJobs.map(({ target }) => target);
  const expanded = resolvedJobs.map(({ job }) => job);
  const baseline = options.baseline === null ? null : await loadBaseline(options.baseline);
  const progress =
    io.terminal && wantsProgress({ stderrIsTTY: true, stdoutIsTTY: io.terminal.stdoutIsTTY, json: options.format === 'json', probes })
      ? createProgressBar(io.terminal.stderr)
      : null;
  let outcome;
  try {
    outcome = await probeReport(transport, {
      targets: resolved.map((target, index) => ({ ...target, ports: expanded[index]!.ports })),
      ports: options.ports,
      echoCount: options.echoCount,
      tries: options.tries,
      timeoutMs: options.timeoutMs,
      rate: options.rate,
      trace: options.trace,
      maxHops: options.maxHops,
      sourcePort: options.sourcePort ?? undefined,
      signal: io.signal,
      onProgress: progress ? (done, total) => progress.update(done, total) : undefined,
    });
  } finally {
    progress?.finish();
  }
  mark('report built');
  const { report } = outcome;
  const expectations: ReportExpectations = report.targets.map((target, index) => evaluateExpectations(target, expanded[index]!.expectations));
  const comparison = baseline === null ? null : compareWithBaseline(baseline, report);
  await writeReport(io, options.format, report, expectations, comparison, outcome.durationSeconds);
  mark('report written');
  if (outcome.sendErrors > 0) io.stderr(`ttl-probe: warning: the kernel refused ${outcome.sendErrors} probe(s) (a local firewall?)\n`);
  if (report.interrupted) return ExitCode.INTERRUPTED;
  if (!allMet(expectations)) return ExitCode.EXPECTATION_FAILED;
  if (options.failOnChange && comparison?.changed) return ExitCode.EXPECTATION_FAILED;
  return ExitCode.OK;
}

async function writeReport(
  io: CommandIo,
  format: ProbeOptions['format'],
  report: Report,
  expectations: ReportExpectations,
  comparison: BaselineComparison | null,
  durationSeconds: number,
): Promise<void> {
  switch (format) {
    case 'json': {
      // Expectations and the baseline comparison ride along as extra fields of the contract.
      const withExtras = {
        ...report,
        targets: report.targets.map((target, index) => (expectations[index]!.length > 0 ? { ...target, expectations: expectations[index] } : target)),
        ...(comparison ? { baseline: comparison } : {}),
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
      await writeChunks(io, tableChunks(report));
      const lines: string[] = [];
      report.targets.forEach((target, index) => {
        if (expectations[index]!.length === 0) return;
        lines.push('', `expectations for ${target.target === target.address ? target.address : `${target.target} (${target.address})`}:`, ...formatExpectationLines(expectations[index]!));
      });
      if (comparison) lines.push('', formatBaselineComparison(comparison).trimEnd());
      if (lines.length > 0) await io.stdout(`${lines.join('\n')}\n`);
    }
  }
}
