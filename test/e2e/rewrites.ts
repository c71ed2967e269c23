// Issue 15 against real kernels: what the path does to --trace's SYNs (iptables rewriters in router namespaces),
// TTL rewriters and NAT, each placed after the right hop, with every port verdict right or marked undermined.
import t, { type Test } from 'tap';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, assertVerdicts, CLI, probeJson, withLab } from '../helpers/lab-probe.js';
import type { Lab } from '../../scripts/lab/lab.js';
import type { PathChangeReport, TargetReport } from '../../src/model/report.js';
import { reportProblems } from '../../src/model/report-check.js';
import { validateReport } from '../report/validate.js';

const byField = (target: TargetReport) => new Map((target.changes ?? []).map((change) => [change.field, change]));
const after = (hop: number, firstSeenAt = hop + 1): Pick<PathChangeReport, 'after' | 'firstSeenAt'> => ({
  after: { hop, address: `198.18.${hop}.2` },
  firstSeenAt,
});
const after6 = (hop: number, firstSeenAt = hop + 1): Pick<PathChangeReport, 'after' | 'firstSeenAt'> => ({
  after: { hop, address: `2001:2:0:${hop}::2` },
  firstSeenAt,
});

// GETs `path` from the exporter inside the client namespace (its loopback is not the root namespace's); node's fetch.
const GET_JS = 'fetch(process.argv[1]).then(async (r) => process.stdout.write(r.status + "\\n" + (await r.text())))';

/** Runs `ttl-probe serve` in the client namespace for one request to `path` and returns the body of a 200. */
async function exporterProbe(lab: Lab, path: string): Promise<string> {
  // The lab's client namespace is this test's own: a fixed port cannot collide.
  const port = 9799;
  const child = lab.spawnInClient(process.execPath, [CLI, 'serve', '--listen', `127.0.0.1:${port}`, '--allow', '198.18.0.0/15'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('close', resolve));
  try {
    const deadline = Date.now() + 30_000;
    while (!/listening on http:\/\//.test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ttl-probe serve not ready: ${output.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const run = await lab.execInClient(process.execPath, ['-e', GET_JS, `http://127.0.0.1:${port}${path}`], { timeoutMs: 60_000 });
    const [status, ...body] = run.stdout.split('\n');
    if (run.code !== 0 || status !== '200') throw new Error(`GET ${path}: ${run.code} ${run.stdout.slice(0, 200)} ${run.stderr.trim()}`);
    return body.join('\n');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * The rewriters chain (either family): MSS clamp and DSCP after hop 2, SACK-permitted and timestamps stripped
 * after hop 3, `extra` changes besides and nothing else, every verdict right, and the table's lines.
 */
async function assertRewriters(t: Test, lab: Lab, server: string, hopOf: typeof after, extra: PathChangeReport[]): Promise<void> {
  const run = await probeJson(lab, [server, '-p', '22,80,443', '--trace']);
  t.equal(run.code, 0, run.stderr);
  const target = run.report!.targets[0]!;
  t.same(validateReport(run.report), [], 'the published schema accepts the changes');
  t.same(reportProblems(run.report), []);
  const expected: PathChangeReport[] = [
    { field: 'tcp.mss', sent: 1460, seen: 1200, ...hopOf(2) },
    { field: 'ip.dscp', sent: 0, seen: 46, ...hopOf(2) },
    { field: 'tcp.options', sent: 'mss,sack-permitted,timestamp,window-scale=7', seen: 'mss,window-scale=7', ...hopOf(3) },
    ...extra,
  ];
  const changes = byField(target);
  for (const change of expected) t.same(changes.get(change.field), change, change.field);
  t.same([...changes.keys()].sort(), expected.map((change) => change.field).sort(), 'nothing else changed');
  t.equal(target.ttlRewrite, null);
  assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 4], 80: ['closed', 'host', 6], 443: ['open', 'host', 6] });
  const table = await lab.execInClient(process.execPath, [CLI, server, '-p', '22,443', '--trace'], { timeoutMs: 60_000 });
  t.equal(table.code, 0, table.stderr);
  const hop = (n: number) => `hop ${n} ${hopOf(n).after.address}`;
  t.match(table.stdout, `what the path does to our SYN (from the time-exceeded quotes):\n    ${hop(2)} sets DSCP 0 -> 46 (first seen at hop 3)\n`);
  t.match(table.stdout, `    ${hop(2)} clamps MSS 1460 -> 1200 (first seen at hop 3)\n`);
  t.match(table.stdout, `    ${hop(3)} strips SACK-permitted, timestamps (first seen at hop 4)\n`);
  t.comment(table.stdout);
}

if (assertLabAvailable(t)) {
  t.test('a clean path: changes [] and no TTL rewrite or NAT, every hop quoted in full', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443', '--trace']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.same(target.changes, [], 'our SYN arrives as sent');
      t.equal(target.ttlRewrite, null);
      t.same(target.nat, []);
      t.same(target.path?.slice(0, 3).map((hop) => hop.quotedBytes), [40, 40, 40], 'Linux quotes the whole 40-byte SYN');
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4] });
    });
  });

  t.test('rewriters: MSS clamp and DSCP after hop 2, options stripped and ECN removed after hop 3', async (t) => {
    await withLab(topologies.rewriters(), async (lab) => {
      const ecn: PathChangeReport = { field: 'tcp.flags', sent: 0xc2, seen: 0x02, ...after(3) };
      await assertRewriters(t, lab, '198.18.6.2', after, [ecn]);
      const metrics = await exporterProbe(lab, '/probe?target=198.18.6.2&ports=22,443&trace=1');
      t.same(metrics.split('\n').filter((line) => line.startsWith('ttl_probe_path_change{')).sort(), [
        'ttl_probe_path_change{target="198.18.6.2",address="198.18.6.2",field="ip.dscp",after_hop="2"} 1',
        'ttl_probe_path_change{target="198.18.6.2",address="198.18.6.2",field="tcp.flags",after_hop="3"} 1',
        'ttl_probe_path_change{target="198.18.6.2",address="198.18.6.2",field="tcp.mss",after_hop="2"} 1',
        'ttl_probe_path_change{target="198.18.6.2",address="198.18.6.2",field="tcp.options",after_hop="3"} 1',
      ], 'serve, trace=1: a series per change');
      t.notMatch(await exporterProbe(lab, '/probe?target=198.18.6.2&ports=443'), /ttl_probe_path_change/, 'none without trace=1');
    });
  });

  t.test('TTL reset both ways at hop 2: named, and the verdicts past it marked undermined', async (t) => {
    await withLab(topologies.ttlRewriteBoth(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443', '--trace']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.match(target.ttlRewrite, { hop: 2, address: '198.18.2.2', direction: 'unknown', undermined: [22, 80, 443] });
      t.same(validateReport(run.report), [], 'the published schema accepts an undermined host verdict with its explanation');
      t.same(reportProblems(run.report), [], 'and so does the run-time check');
      for (const port of target.ports) {
        t.equal(port.undermined, true, `${port.port}: undermined`);
        t.match(port.explanation ?? '', /undermined/, `${port.port}: says its verdict is undermined`);
        t.equal(port.responder?.confirmed, false, `${port.port}: no confirmed responder`);
      }
    });
  });

  t.test('TTL reset of our probes only: direction forward, replies honest, verdicts right', async (t) => {
    await withLab(topologies.ttlRewriteForward(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443', '--trace']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.match(target.ttlRewrite, { hop: 2, address: '198.18.2.2', direction: 'forward' });
      t.same(target.ttlRewrite?.undermined, [], 'the replies are honest: every verdict stands');
      for (const port of target.ports) {
        t.equal(port.undermined, undefined, `${port.port}: not undermined`);
        t.equal(port.responder?.confirmed, false, `${port.port}: past the rewriter, TTL-limited probes confirm nothing`);
      }
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 3], 80: ['closed', 'host', 4], 443: ['open', 'host', 4] });
    });
  });

  t.test('IPv6, a clean path: changes [] and the whole SYN in every ICMPv6 quote', async (t) => {
    await withLab(topologies.article6(), async (lab) => {
      const run = await probeJson(lab, ['2001:2:0:4::2', '-p', '22,80,443', '--trace']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.equal(target.family, 6);
      t.same(target.changes, [], 'our SYN arrives as sent: traffic class, flow label, hop limit, TCP header and options');
      t.equal(target.ttlRewrite, null);
      t.same(target.nat, []);
      t.same(target.path?.slice(0, 3).map((hop) => hop.quotedBytes), [40, 40, 40], 'the 40-byte TCP header with the Linux options');
      t.same(reportProblems(run.report), []);
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4] });
    });
  });

  t.test('IPv6 rewriters: ip6tables MSS clamp and DSCP after hop 2, options stripped after hop 3; flow label and ECE/CWR pass', async (t) => {
    await withLab(topologies.rewriters6(), async (lab) => assertRewriters(t, lab, '2001:2:0:6::2', after6, []));
  });

  t.test('IPv6: a hop-limit reset both ways at hop 2, named, the verdicts past it undermined', async (t) => {
    await withLab(topologies.ttlRewriteBoth6(), async (lab) => {
      const run = await probeJson(lab, ['2001:2:0:4::2', '-p', '22,80,443', '--trace']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.match(target.ttlRewrite, { hop: 2, address: '2001:2:0:2::2', direction: 'unknown', undermined: [22, 80, 443] });
      t.match(target.ttlRewrite?.explanation, /resets the hop limit \(both ways\).*the hop limits cannot tell these apart/, 'in IPv6 words');
      t.same(reportProblems(run.report), []);
      for (const port of target.ports) {
        t.equal(port.undermined, true, `${port.port}: undermined`);
        t.match(port.explanation, /undermined: the hop limits this verdict rests on may have been reset at hop 2 2001:2:0:2::2/);
      }
    });
  });

  for (const [family, topology, vip] of [[4, topologies.dnatLoadBalancer, '198.18.2.2'], [6, topologies.dnatLoadBalancer6, '2001:2:0:2::2']] as const) {
    t.test(`IPv${family}: a VIP that DNATs 443: NAT at hop 2, the beyond port forwarded by it`, async (t) => {
      await withLab(topology(), async (lab) => {
        const run = await probeJson(lab, [vip, '-p', '22,443', '--trace']);
        t.equal(run.code, 0, run.stderr);
        const target = run.report!.targets[0]!;
        t.match(target.nat, [{ hop: 2, address: vip, evidence: 'vip' }]);
        const port443 = target.ports.find((port) => port.port === 443)!;
        t.equal(port443.answeredBy, 'beyond');
        t.same(port443.forwardedBy, { hop: 2, address: vip });
        t.equal(target.ttlRewrite, null, 'a VIP is not a TTL rewrite');
      });
    });
  }

  t.test('a Linux SNAT is invisible in the quotes (translated back): no change claimed', async (t) => {
    await withLab(topologies.snat(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '80,443', '--trace']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.same(target.changes, [], 'the kernel rewrote the quote back to 198.18.1.1');
      t.same(target.nat, []);
      assertVerdicts(t, run.report, { 80: ['closed', 'host', 4], 443: ['open', 'host', 4] });
    });
  });
}
