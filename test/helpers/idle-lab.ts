/**
 * The idle command's lab: a topology with per-router sysctls, a server whose listeners hold
 * connections open (optionally closing them after N s without data, as an application's own idle
 * timeout) and report every byte they receive, and the CLI run in the client namespace.
 */
import type { Lab } from '../../scripts/lab/lab.js';
import { buildIdleLab, startHoldServer, type HoldServer } from '../../scripts/lab/idle-lab.js';
import type { IdleTopology } from '../../scripts/lab/topologies.js';
export { buildIdleLab, startHoldServer, type HoldServer };
import { CLI } from './lab-probe.js';
import type { IdleReport } from '../../src/model/idle.js';

export interface IdleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: IdleReport | null;
}

/** Runs `ttl-probe idle ARGS` in the client namespace (JSON parsed when the output is JSON). */
export async function runIdleCli(lab: Lab, args: string[], timeoutMs = 90_000): Promise<IdleRun> {
  const result = await lab.execInClient(process.execPath, [CLI, 'idle', ...args], { timeoutMs });
  let report: IdleReport | null = null;
  try {
    report = JSON.parse(result.stdout) as IdleReport;
  } catch {
    report = null;
  }
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, report };
}

/** Builds the lab, starts the holding listeners (PORT, CLOSE_AFTER_S) on its server, runs `body`, tears everything down. */
export async function withIdleLab(topology: IdleTopology, listeners: readonly (readonly [number, number])[], body: (lab: Lab, server: HoldServer) => Promise<void>): Promise<void> {
  const lab = await buildIdleLab(topology);
  try {
    const server = await startHoldServer(lab.server.ns, listeners);
    try {
      await body(lab, server);
    } finally {
      server.stop();
    }
  } finally {
    await lab.down();
  }
}
