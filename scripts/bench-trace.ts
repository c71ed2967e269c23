/**
 * Benchmark of --trace (issue 3): the nine-router path with the firewall at
 * hop 6 (forges RSTs for 22, drops 3306 and 5432), ten ports traced at once
 * through the kernel's default ICMP rate limits. Each run gets a fresh lab
 * (fresh routers: full rate-limit buckets, as a first run on a real path),
 * is timed from process start to exit, and every answer is checked.
 *
 *   sudo npm run bench:trace [-- --runs 5]
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildChain, requireRoot } from './lab/lab.js';
import { nineRouters } from './lab/topologies.js';

const CLI = fileURLToPath(new URL('../../bin/ttl-probe.js', import.meta.url));
const PORTS = '22,80,443,3306,5432,8443,1000,1001,1002,1003';

interface PortJson {
  port: number;
  answeredBy: string;
  hop: number | null;
  responder: { hop: number; address: string | null; confirmed: boolean } | null;
  droppedAfter: { hop: number; address: string | null } | null;
}

function wrongAnswers(report: { targets: { path: { address: string | null }[]; ports: PortJson[] }[] }): string[] {
  const wrong: string[] = [];
  const target = report.targets[0]!;
  const path = target.path.map((hop) => hop.address).join(' ');
  const expectedPath = Array.from({ length: 10 }, (_, i) => `198.18.${i + 1}.2`).join(' ');
  if (path !== expectedPath) wrong.push(`path ${path}`);
  for (const port of target.ports) {
    const got = JSON.stringify({ responder: port.responder, droppedAfter: port.droppedAfter });
    let want: string;
    if (port.port === 22) want = JSON.stringify({ responder: { hop: 6, address: '198.18.6.2', confirmed: true }, droppedAfter: null });
    else if (port.port === 3306 || port.port === 5432) want = JSON.stringify({ responder: null, droppedAfter: { hop: 6, address: '198.18.6.2', confirmed: true } });
    else want = JSON.stringify({ responder: { hop: 10, address: '198.18.10.2', confirmed: true }, droppedAfter: null });
    if (got !== want) wrong.push(`${port.port}: ${got}`);
  }
  return wrong;
}

async function main(): Promise<void> {
  const reason = requireRoot();
  if (reason) {
    process.stderr.write(`bench-trace: ${reason}; run it as root\n`);
    process.exit(3);
  }
  const runsIndex = process.argv.indexOf('--runs');
  const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 5;
  const times: number[] = [];
  let allRight = true;
  for (let i = 0; i < runs; i++) {
    const lab = await buildChain(nineRouters().spec);
    try {
      const started = performance.now();
      const result = await lab.execInClient(process.execPath, [CLI, '198.18.10.2', '-p', PORTS, '--trace', '--json'], { timeoutMs: 60_000 });
      const elapsed = performance.now() - started;
      times.push(elapsed);
      const wrong = result.code === 0 ? wrongAnswers(JSON.parse(result.stdout)) : [`exit ${result.code}: ${result.stderr.trim()}`];
      if (wrong.length > 0) allRight = false;
      console.log(`run ${i + 1}: ${(elapsed / 1000).toFixed(3)} s, ${wrong.length === 0 ? 'every answer right' : `WRONG: ${wrong.join('; ')}`}`);
    } finally {
      await lab.down();
    }
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`nine routers, ten ports, --trace: median ${(median / 1000).toFixed(3)} s over ${runs} runs (goal < 5 s); ${allRight ? 'every answer right in every run' : 'SOME ANSWERS WRONG'}`);
  process.exitCode = allRight && median < 5000 ? 0 : 1;
}

await main();
