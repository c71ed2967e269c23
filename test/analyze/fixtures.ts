// analyze on the captures recorded in the lab (scripts/capture/record-fixtures.ts): the verdicts the live probe
// gives on the article topology, and the RST the firewall forged inside an established connection.
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runAnalyze } from '../../src/cli/analyze-command.js';
import type { AnalyzeReport } from '../../src/model/analysis.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function analyzeJson(file: string): Promise<AnalyzeReport> {
  let out = '';
  const code = await runAnalyze(file, { format: 'json' }, { stdout: (text) => { out += text; }, stderr: () => undefined });
  if (code !== 0) throw new Error(`exit ${code}`);
  return JSON.parse(out) as AnalyzeReport;
}

const FILES: [string, string, number[]][] = [
  ['article-eth.pcap', 'pcap', [1]],
  ['article.pcapng', 'pcapng', [1]],
  ['article-any-sll2.pcap', 'pcap', [276]],
  ['article-any-sll.pcap', 'pcap', [113]],
  ['article-v.txt', 'tcpdump-text', []],
  ['article-2if.pcapng', 'pcapng', [1, 276]],
];

for (const [name, format, linkTypes] of FILES) {
  t.test(name, async (t) => {
    const report = await analyzeJson(fixture(name));
    t.equal(report.schema, 'ttl-probe/1');
    t.equal(report.interrupted, false);
    t.match(report.capture, { format, linkTypes, undecodable: 0, clients: ['198.18.1.1'] });
    t.equal(report.targets.length, 1, 'one target');
    const target = report.targets[0]!;
    t.match(target, {
      target: '198.18.4.2',
      address: '198.18.4.2',
      echo: { ttl: 61, initialTtl: 64, distance: 3 },
      reference: { source: 'echo', distance: 3, hop: 4 },
      unfinishedPorts: [],
    });
    t.ok(target.echo.received >= 3, 'the echo replies ttl-probe got');
    // What the live probe says on this topology (test/e2e/scenarios.ts).
    t.same(
      target.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop]),
      [
        [22, 'closed', 'middlebox', 2],
        [80, 'closed', 'host', 4],
        [443, 'open', 'host', 4],
      ],
    );
    t.equal(target.ports[0]!.explanation, 'RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered');
    t.match(target.ports[0]!.reply, { kind: 'rst', from: '198.18.4.2', ttl: 63, initialTtl: 64, distance: 1 });
    // The forged mid-flow RST: at the firewall's hop 2, in the server's name, on 443.
    const p443 = target.ports[2]!;
    t.ok(p443.midflowResetCount >= 1);
    for (const reset of p443.midflowResets) {
      t.match(reset, {
        from: '198.18.4.2',
        fromPort: 443,
        to: '198.18.1.1',
        side: 'server',
        ttl: 63,
        distance: 1,
        hop: 2,
        answeredBy: 'middlebox',
        flowTtl: 61,
        flowHop: 4,
      });
    }
    t.same(target.ports[0]!.midflowResets, []);
    t.same(target.ports[1]!.midflowResets, []);
    t.same(target.midflowOnlyPorts, []);
  });
}

t.test('the table', async (t) => {
  let out = '';
  await runAnalyze(fixture('article-eth.pcap'), { format: 'table' }, { stdout: (text) => { out += text; }, stderr: () => undefined });
  const lines = out.split('\n');
  t.equal(lines[0], 'ttl-probe 198.18.4.2');
  t.match(out, /\n {2}22 +closed +rst +198\.18\.4\.2 +63 +64 +1 +2 +middlebox\n/);
  t.match(out, /\n {2}80 +closed +rst +198\.18\.4\.2 +61 +64 +3 +4 +host\n/);
  t.match(out, /\n {2}443 +open +syn-ack +198\.18\.4\.2 +61 +64 +3 +4 +host\n/);
  t.match(out, /mid-flow resets \(established connections cut by a RST whose distance differs from the rest of the connection\):\n +PORT +TIME +FROM +TO +TTL +DIST +HOP +FLOW HOP +ANSWERED BY\n +443 +\S+ +198\.18\.4\.2:443 +198\.18\.1\.1:\d+ +63 +1 +2 +4 +middlebox\n/);
  t.match(out, /443: RST in the name of 198\.18\.4\.2 came from hop 2, 2 hops before hop 4 where the connection's other packets from it come from: a device on the path cut the connection, not 198\.18\.4\.2\n/);
  t.match(out, /\ncapture .*article-eth\.pcap \(pcap, Ethernet\): 51 packets, 42 IPv4, 9 IPv6, 0 undecodable; seen from 198\.18\.1\.1\n$/);
});
