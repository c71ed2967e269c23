import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { runIdle, type IdleJob } from '../idle/engine.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { dropPrivileges } from '../privileges.js';
import { probeReport } from '../run/probe.js';
import { jsonChunks } from '../report/json.js';
import type { Report } from '../model/report.js';
import type { Expectation, ExpectationResult } from '../model/expectation.js';
import { idleTableChunks } from '../report/idle-table.js';
import { formatJunit } from '../report/junit.js';
import { formatPrometheus } from '../report/prometheus.js';
import type { IdleReport } from '../model/idle.js';
import { openTransport } from '../transport/open.js';
import { connectStream, type StreamConnector } from '../transport/stream.js';
import { writeChunks, type CommandIo } from './io.js';
import { checkResolution, type IdleOptions } from './idle-options.js';
import { resolveTargets } from '../target/resolve.js';
import { familiesNeeded } from '../target/families.js';
import { loadTargetsFile } from '../audit/targets-file.js';
import { evaluateExpectations } from '../expect/evaluate.js';
import type { IdleExpectation } from '../expect/idle-expectation.js';
import { createIdleProgress, wantsIdleProgress } from './idle-progress.js';
import { evaluateIdleExpectation } from '../idle/expectation.js';
import { monotonicMs } from '../clock.js';

export interface IdleIo extends CommandIo {
  /** For tests: what opens the TCP connections. */
  connect?: StreamConnector;
}

/** Checks of one connection before its silence counts as a drop. */
const CHECK_TRIES = 2;

/** One target of the run as given: the command line's (on -p, with --expect-idle) or an audit file entry. */
interface IdleEntry {
  target: string;
  ports: number[];
  expectations: Expectation[];
  idleExpectations: IdleExpectation[];
}

/**
 * The entries of a run and the longest idle to try: the command line's targets, then the
 * --targets file's. Without --max-idle the longest expectation (of either) is the longest idle
 * tried; with it, a longer expectation is a UsageError naming its place.
 */
async function collectEntries(options: IdleOptions): Promise<{ entries: IdleEntry[]; maxIdleS: number }> {
  const entries: IdleEntry[] = options.targets.map((target) => ({ target, ports: options.ports, expectations: [], idleExpectations: options.expectations }));
  let maxIdleS = options.maxIdleS;
  if (options.targetsFile !== null) {
    const file = await loadTargetsFile(options.targetsFile, { defaultPorts: options.portsGiven ? options.ports : undefined });
    file.targets.forEach((entry, index) => {
      for (const expectation of entry.idleExpectations) {
        if (options.maxIdleGiven && expectation.minimumS > options.maxIdleS) {
          throw new UsageError(`${file.file}: targets[${index}].expectIdle.${expectation.port}: asks for ${expectation.minimumS} s, longer than --max-idle (${options.maxIdleS} s)`);
        }
      }
      entries.push({ target: entry.host, ports: entry.ports, expectations: entry.expectations, idleExpectations: entry.idleExpectations });
    });
    const longest = Math.max(0, ...entries.flatMap((entry) => entry.idleExpectations.map((expectation) => expectation.minimumS)));
    if (!options.maxIdleGiven && longest > 0) maxIdleS = longest;
    checkResolution(options.resolution, maxIdleS);
  }
  return { entries, maxIdleS };
}

/**
 * `ttl-probe idle`: probes the targets as `ttl-probe` does (echoes and SYNs:
 * which ports are open, and the host's reference distance), then runs the
 * idle search on every open port at once and prints the report with an
 * `idle` record per port. Returns 0; 1 when an --expect-idle (or an audit
 * file's expectIdle or expect) fails; 130 when interrupted.
 */
export async function runIdleCommand(options: IdleOptions, io: IdleIo): Promise<ExitCodeValue> {
  const started = monotonicMs();
  // Raw sockets first (only the families the targets need), then privileges go, before any file or name is read.
  const opened = io.openTransport
    ? { transport: io.openTransport(), families: new Set([4, 6]) }
    : openTransport(familiesNeeded(options.targets, options.targetsFile !== null, null));
  const { transport } = opened;
  try {
    (io.dropPrivileges ?? dropPrivileges)(options.user);
    const { entries, maxIdleS } = await collectEntries(options);
    // Without IPv6 sockets a name falls back to its IPv4 address, as the probe command does.
    const resolved = await resolveTargets(entries.map((entry) => entry.target), { family: opened.families.has(6) ? null : 4, all: false });
    const owners = resolved.flatMap((addresses, index) => addresses.map(() => entries[index]!));
    const probed = await probeReport(transport, {
      targets: resolved.flatMap((addresses, index) => addresses.map((target) => ({ ...target, ports: entries[index]!.ports }))),
      ports: options.ports,
      echoCount: options.echoCount,
      tries: DEFAULT_SCAN_OPTIONS.tries,
      timeoutMs: options.timeoutMs,
      rate: DEFAULT_SCAN_OPTIONS.rate,
      trace: false,
      maxHops: 30,
      signal: io.signal,
    });
    const report = probed.report;
    const jobs: { target: number; port: number; job: IdleJob }[] = [];
    report.targets.forEach((target, index) => {
      for (const port of target.ports) {
        if (port.state === 'open' && port.answeredBy !== 'middlebox') {
          const mustTry = owners[index]!.idleExpectations.filter((expectation) => expectation.port === port.port).map((expectation) => expectation.minimumS);
          jobs.push({ target: index, port: port.port, job: { address: target.address, port: port.port, referenceDistance: target.reference.distance, mustTry } });
        }
      }
    });
    const progress =
      io.terminal && jobs.length > 0 && wantsIdleProgress({ stderrIsTTY: true, stdoutIsTTY: io.terminal.stdoutIsTTY, json: options.format !== 'table' })
        ? createIdleProgress(io.terminal.stderr, maxIdleS)
        : null;
    let results;
    try {
      results = report.interrupted
        ? []
        : await runIdle(transport, io.connect ?? connectStream, jobs.map((entry) => entry.job), {
            maxIdleS,
            resolution: options.resolution,
            maxConnections: options.maxConnections,
            timeoutMs: options.timeoutMs,
            checkTries: CHECK_TRIES,
            signal: io.signal,
            onProgress: progress ? (waitedS, alive) => progress.update(waitedS, alive) : undefined,
          });
    } finally {
      progress?.finish();
    }
    let failed = false;
    const stateResults: ExpectationResult[][] = report.targets.map((target, index) => evaluateExpectations(target, owners[index]!.expectations));
    if (stateResults.flat().some((result) => !result.met)) failed = true;
    const withIdle: IdleReport = {
      ...report,
      interrupted: report.interrupted || io.signal?.aborted === true,
      targets: report.targets.map((target, index) => ({
        ...target,
        ...(stateResults[index]!.length > 0 ? { expectations: stateResults[index] } : {}),
        ports: target.ports.map((port) => {
          const at = jobs.findIndex((entry) => entry.target === index && entry.port === port.port);
          const idle = at >= 0 ? (results[at] ?? null) : null;
          const expectation = owners[index]!.idleExpectations.find((candidate) => candidate.port === port.port);
          if (!expectation) return { ...port, idle };
          const result = evaluateIdleExpectation(expectation, idle);
          if (!result.met) failed = true;
          return { ...port, idle: idle === null ? null : { ...idle, expectation: result }, ...(idle === null ? { idleExpectation: result } : {}) };
        }),
      })),
    };
    switch (options.format) {
      case 'json':
        await writeChunks(io, jsonChunks(withIdle as Report));
        break;
      case 'junit':
        await io.stdout(formatJunit(withIdle as Report, stateResults));
        break;
      case 'prometheus':
        await io.stdout(formatPrometheus(withIdle as Report, stateResults, { durationSeconds: (monotonicMs() - started) / 1000 }));
        break;
      default:
        await writeChunks(io, idleTableChunks(withIdle));
    }
    if (withIdle.interrupted) return ExitCode.INTERRUPTED;
    return failed ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
  } finally {
    transport.close();
  }
}
