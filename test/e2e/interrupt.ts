// Ctrl-C: stop sending, print what was learned so far in the chosen format, exit 130.
import t from 'tap';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, CLI, serverSawSegments, serverTcpSegments, withLab } from '../helpers/lab-probe.js';
import type { Report } from '../../src/model/report.js';

if (assertLabAvailable(t)) {
  t.test('SIGINT prints the partial report and exits 130', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const child = lab.spawnInClient(process.execPath, [CLI, '198.18.4.2', '-p', '1-65535', '--rate', '500', '--json']);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Interrupt once the server has seen a couple of hundred of the run's SYNs (at --rate 500 about 0.4 s
      // of sending, the whole run would take over two minutes), however long start-up took here.
      t.ok(await serverSawSegments(lab, await serverTcpSegments(lab), 200), 'the run is sending');
      child.kill('SIGINT');
      const code = await exited;
      t.equal(code, 130, stderr);
      const report = JSON.parse(stdout) as Report;
      t.equal(report.interrupted, true);
      const target = report.targets[0]!;
      t.ok(target.ports.length > 50, `ports with verdicts so far (${target.ports.length})`);
      t.ok(target.unfinishedPorts.length > 60000, 'the rest are listed as unfinished, without a verdict');
      t.equal(target.ports.length + target.unfinishedPorts.length, 65535, 'no port lost');
      const p22 = target.ports.find((p) => p.port === 22);
      t.match(p22, { state: 'closed', answeredBy: 'middlebox', hop: 2 }, 'verdicts so far are right');
      t.ok(target.ports.every((p) => p.state === 'closed' || p.port === 443), 'every other early port is closed by the host');
    });
  });
}
