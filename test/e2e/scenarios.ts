// End-to-end: the real CLI against real kernels in the lab, one topology per case.
import t from 'tap';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, assertVerdicts, probeJson, withLab } from '../helpers/lab-probe.js';

if (assertLabAvailable(t)) {
  t.test('the article: a firewall two hops before the host forges RSTs for 22', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443']);
      t.equal(run.code, 0, run.stderr);
      t.match(run.report?.targets[0], {
        target: '198.18.4.2',
        address: '198.18.4.2',
        echo: { sent: 3, received: 3, ttl: 61, initialTtl: 64, distance: 3 },
        reference: { source: 'echo', distance: 3, hop: 4 },
      });
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4] });
      const p22 = run.report?.targets[0]?.ports.find((p) => p.port === 22);
      t.match(p22?.reply, { kind: 'rst', from: '198.18.4.2', ttl: 63, initialTtl: 64, distance: 1 });
      t.equal(p22?.explanation, 'RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered');
    });
  });

  t.test('a firewall with initial TTL 255 in front of a host with 128', async (t) => {
    await withLab(topologies.ttlMix(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443']);
      t.equal(run.code, 0, run.stderr);
      t.match(run.report?.targets[0]?.echo, { ttl: 125, initialTtl: 128, distance: 3 });
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4] });
      t.match(run.report?.targets[0]?.ports.find((p) => p.port === 22)?.reply, { ttl: 254, initialTtl: 255, distance: 1 });
      t.match(run.report?.targets[0]?.ports.find((p) => p.port === 443)?.reply, { ttl: 125, initialTtl: 128, distance: 3 });
    });
  });

  t.test('ping dropped on the path: the farthest SYN-ACK is the reference', async (t) => {
    await withLab(topologies.pingDropped(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443']);
      t.equal(run.code, 0, run.stderr);
      t.match(run.report?.targets[0], { echo: { sent: 3, received: 0, ttl: null, distance: null }, reference: { source: 'syn-ack', distance: 3 } });
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 80: ['closed', 'host', 4], 443: ['open', 'host', 4] });
    });
  });

  t.test('a firewall answering ICMP admin-prohibited and silently dropping another port', async (t) => {
    await withLab(topologies.adminProhibited(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443,8080']);
      t.equal(run.code, 0, run.stderr);
      assertVerdicts(t, run.report, {
        22: ['unreachable', 'middlebox', 2],
        80: ['closed', 'host', 4],
        443: ['open', 'host', 4],
        8080: ['filtered', 'none', null],
      });
      const ports = run.report?.targets[0]?.ports ?? [];
      t.match(ports.find((p) => p.port === 22)?.reply, { kind: 'icmp-unreachable', from: '198.18.2.2', icmpType: 3, icmpCode: 13, distance: 1 });
      t.match(ports.find((p) => p.port === 8080), { reply: null, tries: 2 });
    });
  });

  t.test('a DNAT load balancer whose VIP answers ping: 443 is answered beyond it', async (t) => {
    await withLab(topologies.dnatLoadBalancer(), async (lab) => {
      const run = await probeJson(lab, ['198.18.2.2', '-p', '22,443']);
      t.equal(run.code, 0, run.stderr);
      t.match(run.report?.targets[0], { address: '198.18.2.2', reference: { source: 'echo', distance: 1, hop: 2 } });
      assertVerdicts(t, run.report, { 22: ['closed', 'host', 2], 443: ['open', 'beyond', 4] });
      t.match(run.report?.targets[0]?.ports.find((p) => p.port === 443)?.explanation, /forwarded past it/);
    });
  });

  t.test('nine routers with the firewall deep inside at hop 6', async (t) => {
    await withLab(topologies.nineRouters(), async (lab) => {
      const run = await probeJson(lab, ['198.18.10.2', '-p', '22,80,443,3306,5432,8443']);
      t.equal(run.code, 0, run.stderr);
      t.match(run.report?.targets[0], { echo: { ttl: 55, distance: 9 }, reference: { source: 'echo', hop: 10 } });
      assertVerdicts(t, run.report, {
        22: ['closed', 'middlebox', 6],
        80: ['closed', 'host', 10],
        443: ['open', 'host', 10],
        3306: ['filtered', 'none', null],
        5432: ['filtered', 'none', null],
        8443: ['open', 'host', 10],
      });
    });
  });

  t.test('several targets in one run, by address and by name', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '198.18.2.2', '-p', '22,443']);
      t.equal(run.code, 0, run.stderr);
      t.same(run.report?.targets.map((target) => target.address), ['198.18.4.2', '198.18.2.2']);
      assertVerdicts(t, run.report, { 22: ['closed', 'middlebox', 2], 443: ['open', 'host', 4] }, 0);
      // The firewall's own address: its kernel answers both ports itself (RST), at distance 1 like its echo replies.
      assertVerdicts(t, run.report, { 22: ['closed', 'host', 2], 443: ['closed', 'host', 2] }, 1);
    });
  });
}
