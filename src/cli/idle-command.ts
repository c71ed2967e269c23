import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { runIdle, type IdleJob } from '../idle/engine.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { dropPrivileges } from '../privileges.js';
import { probeReport } from '../run/probe.js';
import { jsonChunks } from '../report/json.js';
import type { Report } from '../model/report.js';
import { idleTableChunks } from '../report/idle-table.js';
import type { IdleReport } from '../model/idle.js';
import { openTransport } from '../transport/open.js';
import { connectStream, type StreamConnector } from '../transport/stream.js';
import { writeChunks, type CommandIo } from './io.js';
import type { IdleOptions } from './idle-options.js';
import { resolveTargets } from '../target/resolve.js';
import { isIPv6Literal } from '../packet/address.js';
import { createIdleProgress, wantsIdleProgress } from './idle-progress.js';
import { evaluateIdleExpectation } from '../idle/expectation.js';

export interface IdleIo extends CommandIo {
  /** For tests: what opens the TCP connections. */
  connect?: StreamConnector;
}

/** Checks of one connection before its silence counts as a drop. */
const CHECK_TRIES = 2;

/**
 * `ttl-probe idle`: probes the targets as `ttl-probe` does (echoes and SYNs:
 * which ports are open, and the host's reference distance), then runs the
 * idle search on every open port at once and prints the report with an
 * `idle` record per port. Returns 0; 1 when an --expect-idle fails; 130 when interrupted.
 */
export async function runIdleCommand(options: IdleOptions, io: IdleIo): Promise<ExitCodeValue> {
  for (const target of options.targets) {
    const bare = target.replace(/^\[(.*)\]$/, '$1');
    if (bare.includes(':') && isIPv6Literal(bare)) throw new UsageError(`idle: IPv6 targets are not supported yet (got ${target}); give an IPv4 address or name`);
  }
  const { transport } = io.openTransport ? { transport: io.openTransport() } : openTransport({ ipv4: true, ipv6: false });
  try {
    (io.dropPrivileges ?? dropPrivileges)(options.user);
    const resolved = (await resolveTargets(options.targets, { family: 4, all: false })).flat();
    const probed = await probeReport(transport, {
      targets: resolved.map((target) => ({ ...target, ports: options.ports })),
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
          const mustTry = options.expectations.filter((expectation) => expectation.port === port.port).map((expectation) => expectation.minimumS);
          jobs.push({ target: index, port: port.port, job: { address: target.address, port: port.port, referenceDistance: target.reference.distance, mustTry } });
        }
      }
    });
    const progress =
      io.terminal && jobs.length > 0 && wantsIdleProgress({ stderrIsTTY: true, stdoutIsTTY: io.terminal.stdoutIsTTY, json: options.format === 'json' })
        ? createIdleProgress(io.terminal.stderr, options.maxIdleS)
        : null;
    let results;
    try {
      results = report.interrupted
        ? []
        : await runIdle(transport, io.connect ?? connectStream, jobs.map((entry) => entry.job), {
            maxIdleS: options.maxIdleS,
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
    const withIdle: IdleReport = {
      ...report,
      interrupted: report.interrupted || io.signal?.aborted === true,
      targets: report.targets.map((target, index) => ({
        ...target,
        ports: target.ports.map((port) => {
          const at = jobs.findIndex((entry) => entry.target === index && entry.port === port.port);
          const idle = at >= 0 ? (results[at] ?? null) : null;
          const expectation = options.expectations.find((candidate) => candidate.port === port.port);
          if (!expectation) return { ...port, idle };
          const result = evaluateIdleExpectation(expectation, idle);
          if (!result.met) failed = true;
          return { ...port, idle: idle === null ? null : { ...idle, expectation: result }, ...(idle === null ? { idleExpectation: result } : {}) };
        }),
      })),
    };
    if (options.format === 'json') await writeChunks(io, jsonChunks(withIdle as Report));
    else await writeChunks(io, idleTableChunks(withIdle));
    if (withIdle.interrupted) return ExitCode.INTERRUPTED;
    return failed ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
  } finally {
    transport.close();
  }
}
