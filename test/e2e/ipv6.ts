// End-to-end over IPv6: the real CLI against real kernels in a dual-stack lab (2001:2::/48 only).
import t from 'tap';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, assertVerdicts, CLI, probeJson, withLab } from '../helpers/lab-probe.js';
import type { PortReport, TargetReport } from '../../src/model/report.js';

const SERVER6 = '2001:2:0:4::2';
const FIREWALL6 = '2001:2:0:2::2';
const port = (target: TargetReport | undefined, n: number): PortReport | undefined => target?.ports.find((p) => p.port === n);

if (assertLabAvailable(t)) {
  t.test('the article over IPv6, and what else one dual-stack lab shows', async (t) => {
    await withLab(topologies.article6(), async (lab) => {
      await t.test('hop limits: echo 61, the forged RST for 22 63, so the firewall at hop 2 answered', async (t) => {
        const run = await probeJson(lab, [SERVER6, '-p', '22,80,443,8080,3000']);
        t.equal(run.code, 0, run.stderr);
        const target = run.report?.targets[0];
        t.match(target, {
          target: SERVER6, address: SERVER6, family: 6,
          echo: { sent: 3, received: 3, ttl: 61, initialTtl: 64, distance: 3 },
          reference: { source: 'echo', distance: 3, hop: 4 },
        });
        assertVerdicts(t, run.report, {
          22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4],
          8080: ['unreachable', 'middlebox', 2], 3000: ['filtered', 'none', null],
        });
        t.match(port(target, 22)?.reply, { kind: 'rst', from: SERVER6, ttl: 63, initialTtl: 64, distance: 1 });
        t.match(port(target, 443)?.reply, { kind: 'syn-ack', from: SERVER6, ttl: 61 });
        t.match(port(target, 8080)?.reply, { kind: 'icmp-unreachable', from: FIREWALL6, icmpType: 1, icmpCode: 1, ttl: 63 });
        t.match(port(target, 8080)?.explanation, /administratively prohibited came from hop 2 \(2001:2:0:2::2\)/);
        t.equal(target?.ignored, 0, 'nothing of the machine\'s other TCP traffic is taken for a reply');
      });

      await t.test('a dual-stack name: the first address by default (IPv6 here), -4, -6 and --all-addresses', async (t) => {
        const plain = await probeJson(lab, ['server.lab', '-p', '22,443']);
        t.equal(plain.code, 0, plain.stderr);
        t.match(plain.report?.targets, [{ target: 'server.lab', address: SERVER6, family: 6 }]);
        const v4 = await probeJson(lab, ['server.lab', '-4', '-p', '22,443']);
        t.equal(v4.code, 0, v4.stderr);
        t.match(v4.report?.targets, [{ target: 'server.lab', address: '198.18.4.2', family: 4, echo: { ttl: 61 } }]);
        assertVerdicts(t, v4.report, { 22: ['closed', 'middlebox', 2], 443: ['open', 'host', 4] });
        const v6 = await probeJson(lab, ['server.lab', '-6', '-p', '22,443']);
        t.equal(v6.code, 0, v6.stderr);
        t.match(v6.report?.targets, [{ address: SERVER6, family: 6 }]);
        assertVerdicts(t, v6.report, { 22: ['closed', 'middlebox', 2], 443: ['open', 'host', 4] });
        const all = await probeJson(lab, ['server.lab', '--all-addresses', '-p', '22,443']);
        t.equal(all.code, 0, all.stderr);
        t.same(all.report?.targets.map((target) => [target.target, target.address, target.family]), [['server.lab', SERVER6, 6], ['server.lab', '198.18.4.2', 4]]);
        for (const index of [0, 1]) assertVerdicts(t, all.report, { 22: ['closed', 'middlebox', 2], 443: ['open', 'host', 4] }, index);
      });

      await t.test('IPv4 and IPv6 targets in one run', async (t) => {
        const run = await probeJson(lab, ['198.18.4.2', `[${SERVER6}]`, '-p', '22,80,443']);
        t.equal(run.code, 0, run.stderr);
        t.same(run.report?.targets.map((target) => [target.address, target.family]), [['198.18.4.2', 4], [SERVER6, 6]]);
        for (const index of [0, 1]) assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4] }, index);
      });

      await t.test('--trace over IPv6: the path, 22 confirmed at the firewall, where 3000 is dropped', async (t) => {
        const run = await probeJson(lab, [SERVER6, '-p', '22,80,443,3000', '--trace']);
        t.equal(run.code, 0, run.stderr);
        const target = run.report?.targets[0];
        t.same(target?.path?.map((hop) => [hop.hop, hop.address]), [[1, '2001:2:0:1::2'], [2, FIREWALL6], [3, '2001:2:0:3::2'], [4, SERVER6]]);
        t.same(port(target, 22)?.responder, { hop: 2, address: FIREWALL6, confirmed: true });
        t.same(port(target, 443)?.responder, { hop: 4, address: SERVER6, confirmed: true });
        t.same(port(target, 80)?.responder, { hop: 4, address: SERVER6, confirmed: true });
        t.same(port(target, 3000)?.droppedAfter, { hop: 2, address: FIREWALL6, confirmed: true });
      });

      await t.test('unprobeable IPv6 addresses and contradicting families: one line, exit 2', async (t) => {
        const cases: Array<[string[], RegExp]> = [
          [['ff02::1'], /^ttl-probe: ff02::1 is a multicast address \(ff00::\/8\) and cannot be probed \(see ttl-probe --help\)\n$/],
          [['fe80::1'], /^ttl-probe: fe80::1 is a link-local address \(fe80::\/10\) without a zone/],
          [['::'], /^ttl-probe: :: is the unspecified address/],
          [['-4', SERVER6], /^ttl-probe: 2001:2:0:4::2 is an IPv6 address, but -4 asks for IPv4/],
          [['-6', '198.18.4.2'], /^ttl-probe: 198.18.4.2 is an IPv4 address, but -6 asks for IPv6/],
        ];
        for (const [args, stderr] of cases) {
          const run = await lab.execInClient(process.execPath, [CLI, ...args, '-p', '22'], { timeoutMs: 20_000 });
          t.equal(run.code, 2, args.join(' '));
          t.match(run.stderr, stderr, args.join(' '));
          t.equal(run.stdout, '', 'no report');
        }
      });
    });
  });

  t.test('over IPv6, a firewall with hop limit 255 in front of a host with 128', async (t) => {
    await withLab(topologies.article6({ firewallHopLimit: 255, serverHopLimit: 128 }), async (lab) => {
      const run = await probeJson(lab, [SERVER6, '-p', '22,80,443,8080']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report?.targets[0];
      t.match(target?.echo, { ttl: 125, initialTtl: 128, distance: 3 });
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4], 8080: ['unreachable', 'middlebox', 2] });
      t.match(port(target, 22)?.reply, { ttl: 254, initialTtl: 255, distance: 1 });
      t.match(port(target, 8080)?.reply, { ttl: 254, initialTtl: 255, distance: 1 });
      t.match(port(target, 443)?.reply, { ttl: 125, initialTtl: 128, distance: 3 });
    });
  });
}
