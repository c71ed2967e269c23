// Records the article's case over IPv6 in the dual-stack lab (every capture format: Ethernet pcap, cooked v1 and v2,
// pcapng, tcpdump -n -v text) and analyses it: the live IPv6 probe's verdicts, the RST the firewall forged
// mid-connection at its hop 2, and the ICMPv6 administratively prohibited it sent for 8080.
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
  for (const tool of ['tcpdump', 'editcap', 'mergecap', 'ip6tables']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (apt-get install tcpdump tshark iptables)`;
    }
  }
  return null;
}

const reason = requireRoot() ?? missingTool();
if (reason) {
  t.fail(`IPv6 lab capture test cannot run: ${reason}`);
} else {
  t.test('record the article over IPv6 and analyse every capture format', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'ttl-probe-capture6-'));
    t.teardown(() => rmSync(directory, { recursive: true, force: true }));
    const log = await recordArticle(directory, { ipv6: true });
    t.same(log.connects, { 22: 'ECONNREFUSED', 80: 'ECONNREFUSED', 443: 'CONNECTED', 8080: 'EACCES' }, 'the plain clients over IPv6');
    t.equal(log.probe.code, 0, log.probe.stderr);
    t.match(log.heldConnection.at(-1), /^(ERROR ECONNRESET|CLOSED)$/, 'the held connection was cut');
    const live = log.probe.report?.targets[0];
    t.match(live, { address: '2001:2:0:4::2', family: 6 }, 'the live probe went over IPv6');
    const liveVerdicts = live?.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop]);
    t.same(liveVerdicts, [
      [22, 'closed', 'middlebox', 2],
      [80, 'closed', 'host', 4],
      [443, 'open', 'host', 4],
    ]);
    for (const role of Object.keys(RECORDED_FILES) as RecordedRole[]) {
      const capture = await openCapture(log.files[role]);
      const report = await analyzeCapture(capture).finally(() => capture.close());
      t.ok(report.capture.ipv6 > 0, `${role}: ${report.capture.ipv6} IPv6 packets`);
      t.equal(report.capture.undecodable, 0, `${role}: nothing undecodable`);
      const target = report.targets.find((candidate) => candidate.address === '2001:2:0:4::2');
      t.equal(target?.family, 6, `${role}: the server, over IPv6`);
      const ports = (list: number[]): unknown[] => (target?.ports ?? []).filter((p) => list.includes(p.port)).map((p) => [p.port, p.state, p.answeredBy, p.hop]);
      t.same(ports([22, 80, 443]), liveVerdicts, `${role}: the live probe's verdicts`);
      t.same(target?.reference, live?.reference, `${role}: the live probe's reference`);
      t.match(target?.echo, { ttl: live?.echo.ttl, distance: live?.echo.distance }, `${role}: the ICMPv6 echo replies' hop limit`);
      t.match(
        target?.ports.find((p) => p.port === 8080),
        { state: 'unreachable', answeredBy: 'middlebox', hop: 2, reply: { kind: 'icmp-unreachable', from: '2001:2:0:2::2', icmpType: 1, icmpCode: 1 } },
        `${role}: 8080 refused by the firewall with ICMPv6 administratively prohibited`,
      );
      const resets = target?.ports.find((p) => p.port === 443)?.midflowResets ?? [];
      t.ok(resets.length >= 1, `${role}: the mid-flow reset is found`);
      t.match(resets[0], { from: '2001:2:0:4::2', side: 'server', ttl: 63, hop: 2, flowHop: 4, answeredBy: 'middlebox' }, `${role}: at the firewall's hop`);
    }
  });
}
