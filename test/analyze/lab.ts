// Records a fresh capture of the article's case in the lab (every format) and analyses it: the same verdicts as the
// live probe run during the recording, and the RST the firewall forged mid-connection at its hop 2.
// Needs root, tcpdump and editcap/mergecap: without them this test fails rather than skips.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { requireRoot } from '../../scripts/lab/lab.js';
import { recordArticle, RECORDED_FILES, type RecordedRole } from '../../scripts/capture/recorder.js';
import { analyzeCapture } from '../../src/cli/analyze-command.js';
import { openCapture } from '../../src/capture/open.js';

function missingTool(): string | null {
  for (const tool of ['tcpdump', 'editcap', 'mergecap']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (apt-get install tcpdump tshark)`;
    }
  }
  return null;
}

const reason = requireRoot() ?? missingTool();
if (reason) {
  t.fail(`lab capture test cannot run: ${reason}`);
} else {
  t.test('record the article in the lab and analyse every capture format', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'ttl-probe-capture-'));
    t.teardown(() => rmSync(directory, { recursive: true, force: true }));
    const log = await recordArticle(directory);
    t.same(log.connects, { 22: 'ECONNREFUSED', 80: 'ECONNREFUSED', 443: 'CONNECTED' }, 'the plain clients');
    t.equal(log.probe.code, 0, log.probe.stderr);
    // The forged RST is processed inside the client's own write (veth delivers in the sender's
    // softirq), and under load libuv sometimes sees the dead socket as end-of-stream rather than
    // ECONNRESET. Either way the connection was cut; that the cut was a RST from the firewall's hop
    // is what the captures must show (the midflowResets assertions below).
    t.match(log.heldConnection.at(-1), /^(ERROR ECONNRESET|CLOSED)$/, 'the held connection was cut');
    const live = log.probe.report?.targets[0];
    t.ok(live, 'the live probe printed a report');
    const liveVerdicts = live?.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop]);
    t.same(liveVerdicts, [
      [22, 'closed', 'middlebox', 2],
      [80, 'closed', 'host', 4],
      [443, 'open', 'host', 4],
    ]);
    for (const role of Object.keys(RECORDED_FILES) as RecordedRole[]) {
      const capture = await openCapture(log.files[role]);
      const report = await analyzeCapture(capture).finally(() => capture.close());
      const target = report.targets[0];
      t.equal(report.targets.length, 1, `${role}: one target`);
      t.equal(report.capture.undecodable, 0, `${role}: nothing undecodable`);
      t.same(target?.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop]), liveVerdicts, `${role}: the live probe's verdicts`);
      t.same(target?.reference, live?.reference, `${role}: the live probe's reference`);
      t.match(target?.echo, { ttl: live?.echo.ttl, distance: live?.echo.distance }, `${role}: the echo replies' TTL`);
      const resets = target?.ports.find((p) => p.port === 443)?.midflowResets ?? [];
      t.ok(resets.length >= 1, `${role}: the mid-flow reset is found`);
      t.match(resets[0], { from: '198.18.4.2', side: 'server', ttl: 63, hop: 2, flowHop: 4, answeredBy: 'middlebox' }, `${role}: at the firewall's hop`);
    }
  });
}
