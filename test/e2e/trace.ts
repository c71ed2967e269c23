// --trace against real routers with the kernel's default ICMP rate limits.
import t from 'tap';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, assertVerdicts, probeJson, withLab } from '../helpers/lab-probe.js';
import type { PortReport } from '../../src/model/report.js';

if (assertLabAvailable(t)) {
  t.test('the article: 22 answered by the firewall at hop 2, 80 and 443 by the host', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const run = await probeJson(lab, ['198.18.4.2', '-p', '22,80,443', '--trace']);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.same(target.path?.map((hop) => [hop.hop, hop.address]), [[1, '198.18.1.2'], [2, '198.18.2.2'], [3, '198.18.3.2'], [4, '198.18.4.2']]);
      const port = (n: number) => target.ports.find((p) => p.port === n) as PortReport;
      t.same(port(22).responder, { hop: 2, address: '198.18.2.2', confirmed: true });
      t.same(port(80).responder, { hop: 4, address: '198.18.4.2', confirmed: true });
      t.same(port(443).responder, { hop: 4, address: '198.18.4.2', confirmed: true });
    });
  });

  t.test('nine routers, firewall at hop 6, ten ports traced at once through default rate limits', async (t) => {
    await withLab(topologies.nineRouters(), async (lab) => {
      const ports = '22,80,443,3306,5432,8443,1000,1001,1002,1003';
      const run = await probeJson(lab, ['198.18.10.2', '-p', ports, '--trace']);
      t.equal(run.code, 0, run.stderr);
      assertVerdicts(t, run.report, {
        22: ['closed', 'middlebox', 6], 80: ['closed', 'host', 10], 443: ['open', 'host', 10], 3306: ['filtered', 'none', null], 5432: ['filtered', 'none', null],
        8443: ['open', 'host', 10], 1000: ['closed', 'host', 10], 1001: ['closed', 'host', 10], 1002: ['closed', 'host', 10], 1003: ['closed', 'host', 10],
      });
      const target = run.report!.targets[0]!;
      t.same(target.path?.map((hop) => hop.address), Array.from({ length: 10 }, (_, i) => `198.18.${i + 1}.2`), 'every hop of the path');
      for (const port of target.ports) {
        if (port.port === 22) t.same(port.responder, { hop: 6, address: '198.18.6.2', confirmed: true }, '22: the firewall, not the host');
        else if (port.port === 3306 || port.port === 5432) {
          t.equal(port.responder, null);
          t.same(port.droppedAfter, { hop: 6, address: '198.18.6.2', confirmed: true }, `${port.port}: dropped after the firewall's hop`);
        } else {
          t.same(port.responder, { hop: 10, address: '198.18.10.2', confirmed: true }, `${port.port}: the host`);
          t.equal(port.droppedAfter, null);
        }
      }
    });
  });

  t.test('traced again at once on the same routers (their ICMP buckets drained): still right', async (t) => {
    await withLab(topologies.nineRouters(), async (lab) => {
      for (let run = 1; run <= 3; run++) {
        const result = await probeJson(lab, ['198.18.10.2', '-p', '22,80,3306,5432,1000,1001,1002', '--trace']);
        t.equal(result.code, 0, result.stderr);
        const ports = result.report!.targets[0]!.ports;
        const by = (n: number) => ports.find((p) => p.port === n)!;
        t.same(by(22).responder, { hop: 6, address: '198.18.6.2', confirmed: true }, `run ${run}: 22`);
        for (const silent of [3306, 5432]) {
          const drop = by(silent).droppedAfter;
          // Either proven right, or honestly unconfirmed: never a wrong hop claimed as confirmed.
          if (drop?.confirmed) t.same(drop, { hop: 6, address: '198.18.6.2', confirmed: true }, `run ${run}: ${silent}`);
          else t.ok(drop == null || drop.hop <= 6, `run ${run}: ${silent} unconfirmed, not past the firewall`);
        }
        t.same(result.report!.targets[0]!.path?.map((hop) => hop.address), Array.from({ length: 10 }, (_, i) => `198.18.${i + 1}.2`), `run ${run}: path`);
      }
    });
  });

  t.test('the table shows the path once and marks the hop that answered', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const run = await lab.execInClient(process.execPath, [(await import('../helpers/lab-probe.js')).CLI, '198.18.4.2', '-p', '22,443', '--trace'], { timeoutMs: 60_000 });
      t.equal(run.code, 0, run.stderr);
      t.match(run.stdout, /path \(TCP SYN to port 443, one flow\):\n\s+1\s+198\.18\.1\.2.*\n\s+2\s+198\.18\.2\.2.*<- answers 22/);
      t.match(run.stdout, /22\s+closed.*middlebox\s+hop 2 198\.18\.2\.2/);
    });
  });
}
