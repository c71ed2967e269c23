import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runAnalyze } from '../../src/cli/analyze-command.js';
import { formatTimestamp } from '../../src/report/analysis.js';
import type { AnalyzeReport } from '../../src/model/analysis.js';
import { CaptureFormatError } from '../../src/capture/errors.js';
import { LinkType } from '../../src/model/capture.js';
import { echoPacket, ethernetFrame, nullFrame, pcapFile, tcpPacket } from '../helpers/synthesize.js';

const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-analyze-'));
const write = (name: string, data: Buffer | string): string => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};

async function run(file: string, format: 'table' | 'json' = 'json'): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAnalyze(file, { format }, { stdout: (text) => { out += text; }, stderr: (text) => { err += text; } });
  return { code, out, err };
}

const verdicts = (report: AnalyzeReport): unknown => report.targets.map((target) => [target.address, target.reference.hop, target.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop])]);

t.test('the old one-line tcpdump -v form', async (t) => {
  const text = [
    'tcpdump: listening on eth0, link-type EN10MB (Ethernet), capture size 96 bytes',
    '12:00:00.000001 IP (tos 0x0, ttl  64, id 1, offset 0, flags [none], proto: ICMP (1), length: 84) 10.9.8.7 > 10.1.2.3: ICMP echo request, id 5, seq 1, length 64',
    '12:00:00.000301 IP (tos 0x0, ttl  61, id 9, offset 0, flags [none], proto: ICMP (1), length: 84) 10.1.2.3 > 10.9.8.7: ICMP echo reply, id 5, seq 1, length 64',
    '12:00:01.000001 IP (tos 0x0, ttl  64, id 2, offset 0, flags [DF], proto: TCP (6), length: 60) 10.9.8.7.50000 > 10.1.2.3.22: S, cksum 0x1111 (correct), 1000:1000(0) win 5840 <mss 1460>',
    '12:00:01.000101 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto: TCP (6), length: 40) 10.1.2.3.22 > 10.9.8.7.50000: R, cksum 0x1234 (correct), 0:0(0) ack 1 win 0',
    '12:00:02.000001 IP (tos 0x0, ttl  64, id 3, offset 0, flags [DF], proto: TCP (6), length: 60) 10.9.8.7.50001 > 10.1.2.3.80: S, cksum 0x1111 (correct), 2000:2000(0) win 5840 <mss 1460>',
    '12:00:02.000301 IP (tos 0x0, ttl  61, id 0, offset 0, flags [DF], proto: TCP (6), length: 40) 10.1.2.3.80 > 10.9.8.7.50001: R, cksum 0x1234 (correct), 0:0(0) ack 2001 win 0',
    '12:00:03.000001 IP (tos 0x0, ttl  64, id 4, offset 0, flags [DF], proto: TCP (6), length: 60) 10.9.8.7.50002 > 10.1.2.3.443: S, cksum 0x1111 (correct), 3000:3000(0) win 5840 <mss 1460>',
    '12:00:03.000301 IP (tos 0x0, ttl  61, id 0, offset 0, flags [DF], proto: TCP (6), length: 60) 10.1.2.3.443 > 10.9.8.7.50002: S, cksum 0x1111 (correct), 7000:7000(0) ack 3001 win 5792 <mss 1460>',
    '12:00:03.000401 IP (tos 0x0, ttl  64, id 5, offset 0, flags [DF], proto: TCP (6), length: 52) 10.9.8.7.50002 > 10.1.2.3.443: ., cksum 0x1111 (correct), ack 1 win 46',
    '12:00:03.100001 IP (tos 0x0, ttl  64, id 6, offset 0, flags [DF], proto: TCP (6), length: 60) 10.9.8.7.50002 > 10.1.2.3.443: P 1:9(8) ack 1 win 46',
    '12:00:03.100301 IP (tos 0x0, ttl  61, id 7, offset 0, flags [DF], proto: TCP (6), length: 52) 10.1.2.3.443 > 10.9.8.7.50002: ., cksum 0x1111 (correct), ack 9 win 46',
    '12:10:03.100001 IP (tos 0x0, ttl  64, id 8, offset 0, flags [DF], proto: TCP (6), length: 60) 10.9.8.7.50002 > 10.1.2.3.443: P 9:17(8) ack 1 win 46',
    '12:10:03.100101 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto: TCP (6), length: 40) 10.1.2.3.443 > 10.9.8.7.50002: R, cksum 0x1234 (correct), 1:1(0) win 0',
    '',
  ].join('\n');
  const { code, out } = await run(write('old.txt', text));
  t.equal(code, 0);
  const report = JSON.parse(out) as AnalyzeReport;
  t.same(verdicts(report), [
    [
      '10.1.2.3',
      4,
      [
        [22, 'closed', 'middlebox', 2],
        [80, 'closed', 'host', 4],
        [443, 'open', 'host', 4],
      ],
    ],
  ]);
  t.match(report.targets[0]!.ports[2]!.midflowResets, [{ hop: 2, flowHop: 4, answeredBy: 'middlebox', timestampMs: (12 * 3600 + 10 * 60 + 3) * 1000 + 100.101 }]);
  t.match(report.capture, { format: 'tcpdump-text', packets: 13, ipv4: 13, undecodable: 0 });
  const table = await run(write('old.txt', text), 'table');
  t.match(table.out, /443 +12:10:03\.100 +10\.1\.2\.3:443 +10\.9\.8\.7:50002 +63 +1 +2 +4 +middlebox/);
});

t.test('text without -v: undecodable, and the table says why', async (t) => {
  const text = '03:01:36.721177 IP 198.18.4.2.22 > 198.18.1.1.44700: Flags [R.], seq 0, ack 583831438, win 0, length 0\n';
  const { out } = await run(write('brief.txt', text), 'table');
  t.match(out, /no TCP connection attempt, ICMP echo or cut connection found in the capture/);
  t.match(out, /1 packets, 0 IPv4, 1 undecodable \(IPv4 packet without its header fields \(tcpdump ran without -v\)\)/);
});

t.test('synthetic captures end to end: VLAN-tagged Ethernet, BSD loopback, big-endian nanoseconds', async (t) => {
  const C = '10.0.0.1';
  const S = '10.0.9.9';
  const packets = [
    echoPacket({ source: C, destination: S, ttl: 64, kind: 'request', identifier: 1, sequence: 1 }),
    echoPacket({ source: S, destination: C, ttl: 120, kind: 'reply', identifier: 1, sequence: 1 }),
    tcpPacket({ source: C, destination: S, ttl: 64, sourcePort: 5000, destinationPort: 3389, sequence: 10, flags: 0x02 }),
    tcpPacket({ source: S, destination: C, ttl: 120, sourcePort: 3389, destinationPort: 5000, sequence: 77, acknowledgment: 11, flags: 0x12 }),
    tcpPacket({ source: C, destination: S, ttl: 64, sourcePort: 5001, destinationPort: 445, sequence: 20, flags: 0x02 }),
    tcpPacket({ source: S, destination: C, ttl: 254, sourcePort: 445, destinationPort: 5001, acknowledgment: 21, flags: 0x14 }),
  ];
  const expected = [['10.0.9.9', 9, [[445, 'closed', 'middlebox', 2], [3389, 'open', 'host', 9]]]];
  const files = {
    vlan: pcapFile({ linkType: LinkType.ETHERNET }, packets.map((p, i) => ({ data: ethernetFrame(p, { vlanTags: [{ tpid: 0x8100, id: 20 }] }), timestampMs: 1000 + i }))),
    loopback: pcapFile({ linkType: LinkType.NULL }, packets.map((p, i) => ({ data: nullFrame(p), timestampMs: 1000 + i }))),
    nanoBigEndian: pcapFile({ linkType: LinkType.RAW, nanosecond: true, littleEndian: false }, packets.map((p, i) => ({ data: p, timestampMs: 1000 + i }))),
  };
  for (const [name, file] of Object.entries(files)) {
    const report = JSON.parse((await run(write(`${name}.pcap`, file))).out) as AnalyzeReport;
    t.same(verdicts(report), expected, name);
  }
});

t.test('errors: a missing file, a truncated capture', async (t) => {
  await t.rejects(run(join(dir, 'nope.pcap')), { name: 'UsageError', code: 'ERR_CAPTURE_OPEN', exitCode: 2 });
  const full = readFileSync(fileURLToPath(new URL('../fixtures/article-eth.pcap', import.meta.url)));
  const error = await run(write('cut.pcap', full.subarray(0, 1000))).catch((e: unknown) => e);
  t.ok(error instanceof CaptureFormatError, 'a CaptureFormatError');
  t.match(error, { code: 'ERR_CAPTURE_TRUNCATED', exitCode: 2, message: /cut\.pcap: truncated pcap record at byte offset \d+: / });
});

t.test('timestamps in the table', async (t) => {
  t.equal(formatTimestamp(Date.UTC(2026, 10, 25, 3, 1, 36, 721)), '2026-11-25T03:01:36.721Z');
  t.equal(formatTimestamp(((3 * 60 + 1) * 60 + 36) * 1000 + 721.4), '03:01:36.721');
  t.equal(formatTimestamp(86_400_000 * 2 + 1000), '+2d 00:00:01.000');
});

t.test('timestamps a Date cannot hold', async (t) => {
  t.equal(formatTimestamp(9e15), '9000000000000000 ms');
  t.equal(formatTimestamp(-5), '-5 ms');
  t.equal(formatTimestamp(Number.NaN), 'NaN ms');
});
