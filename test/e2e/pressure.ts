// Correct under pressure: concurrent runs, unrelated floods, random loss, full sweeps.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, probeJson, withLab } from '../helpers/lab-probe.js';
import type { Report } from '../../src/model/report.js';

/** Every port of the article's server: 22 forged by the firewall (hop 2), 443 open, the rest closed by the host (hop 4). */
function articleMistakes(report: Report | null, address: string, ports: number): string[] {
  const target = report?.targets.find((candidate) => candidate.address === address);
  if (!target) return ['no report'];
  const wrong: string[] = [];
  if (target.ports.length !== ports) wrong.push(`${target.ports.length} ports reported, not ${ports}`);
  for (const port of target.ports) {
    const want = port.port === 22 ? 'closed/middlebox/2' : port.port === 443 ? 'open/host/4' : 'closed/host/4';
    const got = `${port.state}/${port.answeredBy}/${port.hop}`;
    if (got !== want) wrong.push(`${port.port}: ${got}`);
  }
  return wrong.slice(0, 10);
}

if (assertLabAvailable(t)) {
  t.test('two runs at once against the same host, during a flood of unrelated SYNs', async (t) => {
    const hping = execFileSync('sh', ['-c', 'command -v hping3 || true']).toString().trim();
    t.ok(hping, 'hping3 is installed (npm test installs it: scripts/test-setup.ts)');
    if (!hping) return;
    await withLab(topologies.article(), async (lab) => {
      // Up to 20000 SYNs/s from the client to the server's ports, from hping3's own source ports. They
      // leave with TTL 200 (ours with 64), so at the server a counting rule for TTL 197 sees them alone.
      const rule = await lab.exec(lab.server.ns, 'iptables', ['-w', '-A', 'INPUT', '-p', 'tcp', '-m', 'ttl', '--ttl-eq', '197', '-j', 'ACCEPT']);
      t.equal(rule.code, 0, rule.stderr);
      const floodSeen = async (): Promise<number> => {
        const counters = await lab.exec(lab.server.ns, 'iptables', ['-w', '-L', 'INPUT', '-v', '-n', '-x']);
        return Number(/^\s*(\d+)\s+\d+\s+ACCEPT/m.exec(counters.stdout)?.[1] ?? 0);
      };
      const flood = lab.spawnInClient('hping3', ['-q', '-S', '-p', '++1', '-i', 'u50', '-c', '200000', '--ttl', '200', '198.18.4.2'], { stdio: 'ignore' });
      try {
        // Start the runs once the flood arrives, however long hping3 takes to start on this machine.
        let atStart = 0;
        for (const deadline = Date.now() + 20_000; atStart === 0 && Date.now() < deadline; ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          atStart = await floodSeen();
        }
        t.ok(atStart > 0, `the flood reached the server before the runs (${atStart} of hping3's SYNs)`);
        const [a, b] = await Promise.all([
          probeJson(lab, ['198.18.4.2', '-p', '1-3000']),
          probeJson(lab, ['198.18.4.2', '-p', '1-3000']),
        ]);
        t.equal(a.code, 0, a.stderr);
        t.equal(b.code, 0, b.stderr);
        t.same(articleMistakes(a.report, '198.18.4.2', 3000), [], 'every verdict of the first run right');
        t.same(articleMistakes(b.report, '198.18.4.2', 3000), [], 'every verdict of the second run right');
        // That the flood went on during the runs, not how fast: at its rate a hundred SYNs take 5 ms.
        const during = (await floodSeen()) - atStart;
        t.ok(during >= 100, `the flood went on during the runs (${during} more of hping3's SYNs reached the server)`);
      } finally {
        flood.kill('SIGKILL');
      }
    });
  });

  t.test('10% random loss each way on the first router, --tries 6', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const r1 = lab.routers[0]!.ns;
      const loss = await lab.exec(r1, 'iptables', ['-A', 'FORWARD', '-m', 'statistic', '--mode', 'random', '--probability', '0.1', '-j', 'DROP']);
      t.equal(loss.code, 0, loss.stderr);
      const run = await probeJson(lab, ['198.18.4.2', '-p', '1-100,443', '--tries', '6']);
      t.equal(run.code, 0, run.stderr);
      t.same(articleMistakes(run.report, '198.18.4.2', 101), [], 'every verdict right despite the loss');
      const counters = await lab.exec(r1, 'iptables', ['-L', 'FORWARD', '-v', '-n', '-x']);
      const dropped = Number(/^\s*(\d+)\s+\d+\s+DROP/m.exec(counters.stdout)?.[1] ?? 0);
      t.ok(dropped > 5, `the router really dropped packets (${dropped})`);
    });
  });

  t.test('an open port whose first two SYN-ACKs are lost is still found open by the re-sends', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const r1 = lab.routers[0]!.ns;
      // The quota match drops SYN-ACKs from 443 until 100 bytes have passed it: exactly the first two
      // (44 bytes each). The host then holds a half-open connection, and Linux answers a repeated SYN
      // in that state at most once per 500 ms: without clearing it first, every re-send meets silence.
      const lossy = await lab.exec(r1, 'iptables', ['-A', 'FORWARD', '-p', 'tcp', '--sport', '443', '--tcp-flags', 'SYN,ACK,RST', 'SYN,ACK', '-m', 'quota', '--quota', '100', '-j', 'DROP']);
      t.equal(lossy.code, 0, lossy.stderr);
      const run = await probeJson(lab, ['198.18.4.2', '-p', '443', '--tries', '4']);
      t.equal(run.code, 0, run.stderr);
      const port = run.report?.targets[0]?.ports[0];
      t.same(port && [port.state, port.answeredBy, port.hop], ['open', 'host', 4], 'port 443 open, answered by the host at hop 4');
      const counters = await lab.exec(r1, 'iptables', ['-L', 'FORWARD', '-v', '-n', '-x']);
      t.equal(Number(/^\s*(\d+)\s+\d+\s+DROP/m.exec(counters.stdout)?.[1] ?? 0), 2, 'the router dropped the first two SYN-ACKs');
    });
  });

  t.test('all 65535 ports of two hosts in one run', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '198.18.2.2', '-p', '1-65535'], 180_000);
      t.equal(run.code, 0, run.stderr);
      t.same(articleMistakes(run.report, '198.18.4.2', 65535), [], 'the server: every verdict right');
      const firewall = run.report?.targets.find((target) => target.address === '198.18.2.2');
      t.equal(firewall?.ports.length, 65535);
      t.ok(firewall?.ports.every((port) => port.state === 'closed' && port.answeredBy === 'host' && port.hop === 2), 'the firewall itself: every port closed by it at hop 2');
    });
  });
}
