// `ttl-probe idle` against real kernels: a stateful firewall that forgets idle connections (RST or
// silent drop), a server whose application closes idle connections, and a path with no timeout.
import t from 'tap';
import { idleFirewall } from '../../scripts/lab/topologies.js';
import { assertLabAvailable } from '../helpers/lab-probe.js';
import { buildIdleLab, runIdleCli, startHoldServer } from '../helpers/idle-lab.js';
import type { IdlePortReport, IdleReport } from '../../src/model/idle.js';

const portOf = (report: IdleReport | null, n: number): IdlePortReport | undefined => report?.targets[0]?.ports.find((port) => port.port === n);

if (assertLabAvailable(t)) {
  t.test('a firewall at hop 2 forgets connections after 4 s and forges a RST: rst by the middlebox at hop 2', async (t) => {
    const topology = idleFirewall('rst', 4);
    const lab = await buildIdleLab(topology);
    const server = await startHoldServer(lab.server.ns, [[443, 0]]);
    try {
      const run = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '12s', '--json']);
      t.equal(run.code, 0, run.stderr);
      const idle = portOf(run.report, 443)?.idle;
      t.ok(idle, 'the open port has an idle record');
      t.equal(idle?.ends, 'rst');
      t.same(idle?.by && { answeredBy: idle.by.answeredBy, hop: idle.by.hop, address: idle.by.address }, { answeredBy: 'middlebox', hop: 2, address: '198.18.4.2' });
      t.ok(idle?.timeout && idle.timeout.minS < 4.2 && idle.timeout.maxS >= 3.8, `the interval holds 4 s: ${JSON.stringify(idle?.timeout)}`);
      t.ok(idle?.timeout && idle.timeout.maxS - idle.timeout.minS <= 1.01, 'no wider than the resolution (1 s)');
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
      t.comment(run.stdout);
    } finally {
      server.stop();
      await lab.down();
    }
  });
}
