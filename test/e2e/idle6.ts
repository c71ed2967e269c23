// `ttl-probe idle` over IPv6 against real kernels: the same firewall (ip6tables, the same conntrack
// timeout) forging a RST or dropping, and a server whose application closes idle connections.
import t from 'tap';
import { idleFirewall, idleServer } from '../../scripts/lab/topologies.js';
import { assertLabAvailable } from '../helpers/lab-probe.js';
import { runIdleCli, withIdleLab } from '../helpers/idle-lab.js';
import type { IdlePortReport, IdleReport } from '../../src/model/idle.js';
import { validateReport } from '../report/validate.js';

const portOf = (report: IdleReport | null, n: number): IdlePortReport | undefined => report?.targets[0]?.ports.find((port) => port.port === n);

if (assertLabAvailable(t)) {
  t.test('IPv6: a firewall at hop 2 forgets connections after 4 s and forges a RST: rst by the middlebox at hop 2', async (t) => {
    const topology = idleFirewall('rst', 4, { ipv6: true });
    await withIdleLab(topology, [[443, 0]], async (lab, server) => {
      const run = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '12s', '--json']);
      t.equal(run.code, 0, run.stderr);
      t.same(validateReport(run.report), [], 'the report validates against the published schema');
      t.equal(run.report?.targets[0]?.family, 6);
      const idle = portOf(run.report, 443)?.idle;
      t.equal(idle?.ends, 'rst');
      t.same(idle?.by && { answeredBy: idle.by.answeredBy, hop: idle.by.hop, address: idle.by.address }, { answeredBy: 'middlebox', hop: 2, address: '2001:2:0:4::2' });
      t.ok(idle?.timeout && idle.timeout.minS < 4.2 && idle.timeout.maxS >= 3.8, `the interval holds 4 s: ${JSON.stringify(idle?.timeout)}`);
      t.ok(idle?.timeout && idle.timeout.maxS - idle.timeout.minS <= 1.01, 'no wider than the resolution (1 s)');
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
    });
  });

  t.test('IPv6: the firewall drops forgotten connections: drop, dropped after hop 2 (hop-limited segments), confirmed', async (t) => {
    const topology = idleFirewall('drop', 4, { ipv6: true });
    await withIdleLab(topology, [[443, 0]], async (lab, server) => {
      const run = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '12s', '--json']);
      t.equal(run.code, 0, run.stderr);
      t.same(validateReport(run.report), [], 'the report validates against the published schema');
      const idle = portOf(run.report, 443)?.idle;
      t.equal(idle?.ends, 'drop');
      t.equal(idle?.by, null, 'silence has no sender');
      t.same(idle?.droppedAfter, { hop: 2, address: '2001:2:0:2::2', confirmed: true });
      t.ok(idle?.timeout && idle.timeout.minS < 4.2 && idle.timeout.maxS >= 3.8, `the interval holds 4 s: ${JSON.stringify(idle?.timeout)}`);
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
    });
  });

  t.test('IPv6: the application closes connections after 3 s idle: close by the host, unsolicited FINs; 443 survives', async (t) => {
    const topology = idleServer({ ipv6: true });
    await withIdleLab(topology, [[443, 0], [8443, 3]], async (lab, server) => {
      const run = await runIdleCli(lab, [topology.target, '-p', '443,8443', '--max-idle', '8s', '--json']);
      t.equal(run.code, 0, run.stderr);
      t.same(validateReport(run.report), [], 'the report validates against the published schema');
      const closing = portOf(run.report, 8443)?.idle;
      t.equal(closing?.ends, 'close');
      t.same(closing?.by && { answeredBy: closing.by.answeredBy, hop: closing.by.hop, address: closing.by.address }, { answeredBy: 'host', hop: 4, address: '2001:2:0:4::2' });
      t.ok(closing?.timeout && closing.timeout.minS < 3.2 && closing.timeout.maxS >= 2.9 && closing.timeout.maxS < 3.6, `the interval holds 3 s: ${JSON.stringify(closing?.timeout)}`);
      t.ok(closing && closing.unsolicited.length > 0 && closing.unsolicited.every((event) => event.kind === 'close' && event.answeredBy === 'host' && event.hop === 4 && event.atS >= 2.9 && event.atS < 3.6), 'the FINs came by themselves, from the host, after 3 s idle');
      const surviving = portOf(run.report, 443)?.idle;
      t.equal(surviving?.timeout, null, 'a port with no timeout survives --max-idle');
      t.match(surviving?.explanation, /survived up to 8 s/);
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte on 443');
      t.equal(server.bytes().get(8443) ?? 0, 0, 'nor on 8443');
    });
  });
}
