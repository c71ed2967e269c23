// `ttl-probe idle` against real kernels: a stateful firewall that forgets idle connections (RST or
// silent drop), a server whose application closes idle connections, and a path with no timeout.
import t from 'tap';
import { idleFirewall, idleServer } from '../../scripts/lab/topologies.js';
import { assertLabAvailable, CLI } from '../helpers/lab-probe.js';
import { runIdleCli, withIdleLab } from '../helpers/idle-lab.js';
import type { IdlePortReport, IdleReport } from '../../src/model/idle.js';
import { validateReport } from '../report/validate.js';

const portOf = (report: IdleReport | null, n: number): IdlePortReport | undefined => report?.targets[0]?.ports.find((port) => port.port === n);

if (assertLabAvailable(t)) {
  t.test('a firewall at hop 2 forgets connections after 4 s and forges a RST: rst by the middlebox at hop 2', async (t) => {
    const topology = idleFirewall('rst', 4);
    await withIdleLab(topology, [[443, 0]], async (lab, server) => {
      const run = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '12s', '--json']);
      t.equal(run.code, 0, run.stderr);
      t.same(validateReport(run.report), [], 'the report validates against the published schema');
      const idle = portOf(run.report, 443)?.idle;
      t.ok(idle, 'the open port has an idle record');
      t.equal(idle?.ends, 'rst');
      t.same(idle?.by && { answeredBy: idle.by.answeredBy, hop: idle.by.hop, address: idle.by.address }, { answeredBy: 'middlebox', hop: 2, address: '198.18.4.2' });
      t.ok(idle?.timeout && idle.timeout.minS < 4.2 && idle.timeout.maxS >= 3.8, `the interval holds 4 s: ${JSON.stringify(idle?.timeout)}`);
      t.ok(idle?.timeout && idle.timeout.maxS - idle.timeout.minS <= 1.01, 'no wider than the resolution (1 s)');
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');

      const short = await runIdleCli(lab, [topology.target, '--expect-idle', '443>=3s', '--json']);
      t.equal(short.code, 0, `an expectation the path meets: exit 0 ${short.stderr}`);
      const met = portOf(short.report, 443)?.idle;
      t.equal(met?.maxIdleS, 3, 'without --max-idle, the expectation is the longest idle tried');
      t.same(met?.expectation, { minimumS: 3, met: true, seen: 'survived 3 s idle' });
      const long = await runIdleCli(lab, [topology.target, '--expect-idle', '443>=10s']);
      t.equal(long.code, 1, `the path cuts sooner: exit 1 ${long.stderr}`);
      t.match(long.stdout, /expect idle >= 10 s: FAILED \(rst after [\d.]+-[\d.]+ s idle\)/);
    });
  });

  t.test('the same firewall dropping forgotten connections: drop, dropped after hop 2, confirmed by the canary', async (t) => {
    const topology = idleFirewall('drop', 4);
    await withIdleLab(topology, [[443, 0]], async (lab, server) => {
      const run = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '12s']);
      t.equal(run.code, 0, run.stderr);
      t.match(run.stdout, /^ {2}443 +open +[\d.]+-[\d.]+ s +drop +after hop 2 +- +198\.18\.2\.2 +\d+$/m, 'the table row');
      t.match(run.stdout, /443: after [\d.]+-[\d.]+ s idle a device after hop 2 \(198\.18\.2\.2\) forgets the connection and drops its packets silently/);
      const json = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '12s', '--json']);
      t.equal(json.code, 0, json.stderr);
      t.same(validateReport(json.report), [], 'the report validates against the published schema');
      const idle = portOf(json.report, 443)?.idle;
      t.equal(idle?.ends, 'drop');
      t.equal(idle?.by, null, 'silence has no sender');
      t.same(idle?.droppedAfter, { hop: 2, address: '198.18.2.2', confirmed: true });
      t.ok(idle?.timeout && idle.timeout.minS < 4.2 && idle.timeout.maxS >= 3.8, `the interval holds 4 s: ${JSON.stringify(idle?.timeout)}`);
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
    });
  });

  t.test('the firewall answers forgotten connections with ICMP administratively prohibited: icmp from hop 2', async (t) => {
    const topology = idleFirewall('icmp', 3);
    await withIdleLab(topology, [[443, 0]], async (lab, server) => {
      const run = await runIdleCli(lab, [topology.target, '-p', '443', '--max-idle', '8s', '--json']);
      t.equal(run.code, 0, run.stderr);
      t.same(validateReport(run.report), [], 'the report validates against the published schema');
      const idle = portOf(run.report, 443)?.idle;
      t.equal(idle?.ends, 'icmp');
      t.same(idle?.by && { answeredBy: idle.by.answeredBy, hop: idle.by.hop, address: idle.by.address }, { answeredBy: 'middlebox', hop: 2, address: '198.18.2.2' });
      t.ok(idle?.timeout && idle.timeout.minS < 3.2 && idle.timeout.maxS >= 2.8, `the interval holds 3 s: ${JSON.stringify(idle?.timeout)}`);
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
    });
  });

  t.test('the application closes connections after 3 s idle, no firewall timeout: close by the host, recorded as it came', async (t) => {
    const topology = idleServer();
    await withIdleLab(topology, [[443, 0], [8443, 3]], async (lab, server) => {
      const run = await runIdleCli(lab, [topology.target, '-p', '443,8443,80', '--max-idle', '8s', '--json']);
      t.equal(run.code, 0, run.stderr);
      t.same(validateReport(run.report), [], 'the report validates against the published schema');
      t.equal(portOf(run.report, 80)?.idle, null, 'a closed port has no idle record');
      const closing = portOf(run.report, 8443)?.idle;
      t.equal(closing?.ends, 'close');
      t.same(closing?.by && { answeredBy: closing.by.answeredBy, hop: closing.by.hop, address: closing.by.address }, { answeredBy: 'host', hop: 4, address: '198.18.4.2' });
      t.ok(closing?.timeout && closing.timeout.minS < 3.2 && closing.timeout.maxS >= 2.9 && closing.timeout.maxS < 3.6, `the interval holds 3 s: ${JSON.stringify(closing?.timeout)}`);
      t.ok(closing && closing.unsolicited.length > 0 && closing.unsolicited.every((event) => event.kind === 'close' && event.answeredBy === 'host' && event.hop === 4 && event.atS >= 2.9 && event.atS < 3.6), 'the FINs came by themselves, from the host, after 3 s idle');
      const surviving = portOf(run.report, 443)?.idle;
      t.equal(surviving?.timeout, null, 'a port with no timeout survives --max-idle');
      t.equal(surviving?.ends, null);
      t.equal(surviving?.maxIdleS, 8);
      t.match(surviving?.explanation, /survived up to 8 s/);
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte on 443');
      t.equal(server.bytes().get(8443) ?? 0, 0, 'nor on 8443');
    });
  });

  t.test('on a terminal a progress bar; Ctrl-C prints what was learned and exits 130', async (t) => {
    const topology = idleServer();
    await withIdleLab(topology, [[443, 0]], async (lab, server) => {
      const command = `${process.execPath} ${CLI} idle ${topology.target} -p 443 --max-idle 3s > /dev/null`;
      const onTerminal = await lab.execInClient('script', ['-qec', command, '/dev/null'], { timeoutMs: 60_000 });
      t.equal(onTerminal.code, 0, onTerminal.stderr);
      t.match(onTerminal.stdout, /idle \[[^\]]*\] \d\/3 s waited \| \d+ connections alive/, 'the bar is drawn on the terminal');

      const child = lab.spawnInClient(process.execPath, [CLI, 'idle', topology.target, '-p', '443', '--max-idle', '60s', '--json']);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const before = server.connections();
      // Interrupt once the search holds a few idle connections, however long start-up took here.
      for (const deadline = Date.now() + 30_000; server.connections() - before < 4 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
      child.kill('SIGINT');
      t.equal(await exited, 130, stderr);
      const report = JSON.parse(stdout) as IdleReport;
      t.equal(report.interrupted, true);
      t.same(validateReport(report), [], 'the partial report validates');
      const idle = portOf(report, 443)?.idle;
      t.equal(idle?.timeout, null, 'no timeout claimed');
      t.equal(idle?.explanation, 'interrupted before any idle connection ended');
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
    });
  });
}
