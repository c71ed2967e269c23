// A device that resets idle connections by itself (Palo Alto / Check Point "reset both sides on idle
// timeout"; scripts/lab/idle-reset-device.ts in the router at hop 2): `ttl-probe idle` records the RSTs
// that come while connections are idle (`unsolicited`: when, from whom) and ends = rst, in both families.
import t from 'tap';
import { idleServer } from '../../scripts/lab/topologies.js';
import { assertLabAvailable } from '../helpers/lab-probe.js';
import { runIdleCli, withIdleLab } from '../helpers/idle-lab.js';
import { startResetDevice } from '../../scripts/lab/idle-lab.js';
import { validateReport } from '../report/validate.js';

const RESET_AFTER_S = 3;

if (assertLabAvailable(t)) {
  for (const ipv6 of [false, true]) {
    t.test(`${ipv6 ? 'IPv6' : 'IPv4'}: the device at hop 2 resets both ends after ${RESET_AFTER_S} s idle: unsolicited RSTs by a middlebox at hop 2`, async (t) => {
      const topology = idleServer({ ipv6 });
      await withIdleLab(topology, [[443, 0]], async (lab, server) => {
        const device = await startResetDevice(lab.routers[1]!.ns, RESET_AFTER_S);
        try {
          const run = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '8s', '--json']);
          t.equal(run.code, 0, run.stderr);
          t.same(validateReport(run.report), [], 'the report validates against the published schema');
          const idle = run.report?.targets[0]?.ports.find((port) => port.port === 443)?.idle;
          t.equal(idle?.ends, 'rst');
          t.same(idle?.by && { answeredBy: idle.by.answeredBy, hop: idle.by.hop }, { answeredBy: 'middlebox', hop: 2 });
          t.equal(idle?.by?.address, topology.target, 'forged with the host\'s address');
          const unsolicited = idle?.unsolicited ?? [];
          t.ok(unsolicited.length > 0, `RSTs came by themselves (${unsolicited.length})`);
          for (const event of unsolicited) {
            t.match(event, { kind: 'rst', answeredBy: 'middlebox', hop: 2, ttl: 63, address: topology.target });
            t.ok(event.atS >= RESET_AFTER_S - 0.5 && event.atS <= RESET_AFTER_S + 1, `at ${event.atS} s idle, the device's ${RESET_AFTER_S} s (tolerance -0.5/+1 s on a busy machine)`);
          }
          // (minS, maxS] holds the device's timer: maxS the first reset's idle time, minS the longest
          // idle a check survived (a check at exactly 3 s may beat the timer), no wider than 1 s.
          t.ok(
            idle?.timeout && idle.timeout.maxS >= RESET_AFTER_S - 0.5 && idle.timeout.maxS <= RESET_AFTER_S + 1 && idle.timeout.minS <= RESET_AFTER_S + 0.1 && idle.timeout.maxS - idle.timeout.minS <= 1.01,
            `the interval holds ${RESET_AFTER_S} s: ${JSON.stringify(idle?.timeout)}`,
          );
          t.match(idle?.explanation, /device at hop 2/);
          t.ok(device.forged() >= 2, `the device forged RSTs to both ends (${device.forged()})`);
          t.ok(server.resets() >= 1, `the server's side was reset too (${server.resets()})`);
          t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
        } finally {
          device.stop();
        }
      });
    });
  }
}
