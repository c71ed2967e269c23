/**
 * Benchmark of `ttl-probe idle` (issue 14): the wall time to find an idle timeout T of a
 * stateful firewall (hop 2, forgets established connections after T s, answers with a RST or
 * drops), at the default resolution, against the issue's bound of 1.25 x T + 3 s; and the wall
 * time of a path with no timeout against --max-idle + 3 s. Each case gets a fresh lab, is timed
 * from process start to exit, and its answer is checked.
 *
 * The same cases over IPv6 (the lab in both families, ip6tables with the same conntrack) follow.
 *
 *   sudo npm run bench:idle [-- --times 4,20,60 --modes rst,drop --families 4,6]
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { requireRoot } from './lab/lab.js';
import { buildIdleLab, startHoldServer } from './lab/idle-lab.js';
import { idleFirewall, idleServer, type IdleFirewallMode } from './lab/topologies.js';

const CLI = fileURLToPath(new URL('../../bin/ttl-probe.js', import.meta.url));

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

interface Measured {
  seconds: number;
  idle: { timeout: { minS: number; maxS: number } | null; ends: string | null; connections: number } | null;
}

async function measure(mode: IdleFirewallMode | 'none', timeoutS: number, maxIdle: string, family: number): Promise<Measured> {
  const ipv6 = family === 6;
  const topology = mode === 'none' ? idleServer({ ipv6 }) : idleFirewall(mode, timeoutS, { ipv6 });
  const lab = await buildIdleLab(topology);
  const server = await startHoldServer(lab.server.ns, [[443, 0]]);
  try {
    const started = performance.now();
    const run = await lab.execInClient(process.execPath, [CLI, 'idle', topology.target, '-p', '443', '--max-idle', maxIdle, '--json'], { timeoutMs: 15 * 60_000 });
    const seconds = (performance.now() - started) / 1000;
    if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.trim()}`);
    const report = JSON.parse(run.stdout) as { targets: { ports: { port: number; idle: Measured['idle'] }[] }[] };
    if ((server.bytes().get(443) ?? 0) !== 0) throw new Error('the server received bytes');
    return { seconds, idle: report.targets[0]!.ports.find((port) => port.port === 443)?.idle ?? null };
  } finally {
    server.stop();
    await lab.down();
  }
}

async function main(): Promise<void> {
  const reason = requireRoot();
  if (reason) throw new Error(`bench:idle needs the lab: ${reason}`);
  const times = argument('times', '4,20,60').split(',').map(Number);
  const modes = argument('modes', 'rst,drop').split(',') as IdleFirewallMode[];
  const families = argument('families', '4,6').split(',').map(Number);
  console.log('case                      T (s)  interval (s)     ends  conns  wall (s)  bound (s)');
  for (const family of families) {
    const tag = family === 6 ? ' (IPv6)' : '';
    for (const mode of modes) {
      for (const timeoutS of times) {
        const { seconds, idle } = await measure(mode, timeoutS, `${Math.ceil(timeoutS * 2)}s`, family);
        const bound = 1.25 * timeoutS + 3;
        const interval = idle?.timeout ? `${idle.timeout.minS}-${idle.timeout.maxS}` : 'null';
        const right = idle?.ends === mode && idle.timeout !== null && idle.timeout.minS < timeoutS + 0.5 && idle.timeout.maxS >= timeoutS - 0.5;
        console.log(
          `${`firewall ${mode}${tag}`.padEnd(24)}  ${String(timeoutS).padStart(5)}  ${interval.padEnd(15)}  ${String(idle?.ends).padEnd(4)}  ${String(idle?.connections).padStart(5)}  ${seconds.toFixed(1).padStart(8)}  ${bound.toFixed(1).padStart(9)}${right ? '' : '  WRONG'}${seconds <= bound ? '' : '  OVER'}`,
        );
      }
    }
    const maxIdleS = Math.max(...times);
    const { seconds, idle } = await measure('none', 0, `${maxIdleS}s`, family);
    console.log(`${`no timeout${tag}`.padEnd(24)}  ${'-'.padStart(5)}  ${'null'.padEnd(15)}  ${String(idle?.ends).padEnd(4)}  ${String(idle?.connections).padStart(5)}  ${seconds.toFixed(1).padStart(8)}  ${(maxIdleS + 3).toFixed(1).padStart(9)}${idle?.timeout === null ? '' : '  WRONG'}${seconds <= maxIdleS + 3 ? '' : '  OVER'}`);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:idle: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
