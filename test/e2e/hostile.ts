// Hostile packets during a scan: forged replies are counted as ignored and never change a verdict.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, probeJson, withLab } from '../helpers/lab-probe.js';

const INJECTOR = fileURLToPath(new URL('../../dist/scripts/lab/inject-hostile.js', import.meta.url));

if (assertLabAvailable(t)) {
  t.test('forged RSTs, SYN-ACKs, an RST for an unprobed port and ICMP errors quoting a wrong SYN, all during the scan', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const ports = '22,80,443,8080';
      const directory = mkdtempSync(join(tmpdir(), 'ttl-probe-hostile-'));
      t.teardown(() => rmSync(directory, { recursive: true, force: true }));
      const ready = join(directory, 'sending');
      const stop = join(directory, 'stop');
      // The forgeries go on until the probe has finished (60 s at most), however slowly it starts here.
      const injecting = lab.exec(lab.server.ns, process.execPath, [INJECTOR, '198.18.1.1', '40123', '198.18.4.2', ports, '60000', ready, stop], { timeoutMs: 90_000 });
      // The probe starts once the forgeries fly, however long the injector took to start here.
      for (const deadline = Date.now() + 15_000; !existsSync(ready) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
      t.ok(existsSync(ready), 'the injector is sending');
      // Slow enough that the forgeries arrive before, between and after the real replies.
      const run = await probeJson(lab, ['198.18.4.2', '-p', ports, '--source-port', '40123', '--tries', '3', '--echo-count', '5']);
      writeFileSync(stop, 'done\n');
      const injected = await injecting;
      t.equal(injected.code, 0, injected.stderr);
      t.ok(Number(injected.stdout) > 0, `the injector sent forged packets (${injected.stdout.trim()})`);
      t.equal(run.code, 0, run.stderr);
      const target = run.report!.targets[0]!;
      t.same(
        target.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop]),
        [[22, 'closed', 'middlebox', 2], [80, 'closed', 'host', 4], [443, 'open', 'host', 4], [8080, 'closed', 'host', 4]],
        'every verdict right',
      );
      t.ok(target.ignored > 0, `forged replies counted as ignored (${target.ignored})`);
    });
  });
}
