/**
 * Helpers for end-to-end tests: build a lab topology, run the real ttl-probe
 * CLI inside its client namespace, parse the JSON report, tear down always.
 */
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { buildChain, requireRoot, type Lab } from '../../scripts/lab/lab.js';
import type { Topology } from '../../scripts/lab/topologies.js';
import type { Report } from '../../src/model/report.js';

export const CLI = fileURLToPath(new URL('../../bin/ttl-probe.js', import.meta.url));

/** Lab tests need root; without it they fail loudly (never a silent skip counted as a pass). */
export function assertLabAvailable(t: Test): boolean {
  const reason = requireRoot();
  if (reason) {
    t.fail(`lab tests cannot run: ${reason}`);
    return false;
  }
  return true;
}

export async function withLab<T>(topology: Topology, body: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await buildChain(topology.spec);
  try {
    return await body(lab);
  } finally {
    await lab.down();
  }
}

export interface ProbeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: Report | null;
}

/** Runs `ttl-probe ARGS --json` in the lab's client namespace. */
export async function probeJson(lab: Lab, args: string[], timeoutMs = 60_000): Promise<ProbeRun> {
  const result = await lab.execInClient(process.execPath, [CLI, ...args, '--json'], { timeoutMs });
  let report: Report | null = null;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    report = null;
  }
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, report };
}

/** Expected per-port verdicts: port -> [state, answeredBy, hop]. */
export type Expected = Record<number, [string, string, number | null]>;

/** Asserts state, answeredBy and hop of every expected port (and that no other port is reported). */
export function assertVerdicts(t: Test, report: Report | null, expected: Expected, targetIndex = 0): void {
  const target = report?.targets[targetIndex];
  if (!target) {
    t.fail('no report for the target');
    return;
  }
  t.same(
    target.ports.map((p) => p.port),
    Object.keys(expected).map(Number).sort((a, b) => a - b),
    'every probed port has a verdict',
  );
  for (const [port, [state, answeredBy, hop]] of Object.entries(expected)) {
    const got = target.ports.find((p) => p.port === Number(port));
    t.same(
      got && { state: got.state, answeredBy: got.answeredBy, hop: got.hop },
      { state, answeredBy, hop },
      `port ${port}: ${state}, answered by ${answeredBy}, hop ${hop}`,
    );
  }
}

/** TCP segments the lab's server has received so far (its InSegs counter): how tests see that a run is sending. */
export async function serverTcpSegments(lab: Lab): Promise<number> {
  const stats = await lab.exec(lab.server.ns, 'cat', ['/proc/net/snmp']);
  const lines = stats.stdout.split('\n').filter((line) => line.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf('InSegs')]);
}

/** Resolves once the server has received `count` more TCP segments than `before`, or after `withinMs`; says which. */
export async function serverSawSegments(lab: Lab, before: number, count: number, withinMs = 30_000): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; ) {
    if ((await serverTcpSegments(lab)) - before >= count) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
