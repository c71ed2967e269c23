import t from 'tap';
import { CaptureAnalyzer } from '../../src/analyze/analyzer.js';
import type { AnalysisResult } from '../../src/analyze/result.js';
import { buildAnalyzeReport } from '../../src/analyze/report.js';
import type { AnalyzeReport } from '../../src/model/analysis.js';
import type { DecodedPacket } from '../../src/capture/decoded.js';
import { addressing } from '../helpers/decoded-addresses.js';

const C = '198.18.1.1';
const S = '198.18.4.2';
const FW = '198.18.2.2';
const SYN = 0x02;
const ACK = 0x10;
const RST = 0x04;
const FIN = 0x01;
const PSH = 0x08;

let clock = 1_000;

function tcp(source: string, sourcePort: number, destination: string, destinationPort: number, ttl: number, flags: number, sequence = 0, acknowledgment = 0): DecodedPacket {
  clock += 1;
  return {
    timestampMs: clock,
    ...addressing(source, destination),
    ttl,
    protocol: 6,
    laterFragment: false,
    tcp: { sourcePort, destinationPort, sequence, acknowledgment, flags },
    icmp: null,
  };
}

function echo(source: string, destination: string, ttl: number, kind: 'request' | 'reply', identifier: number, sequence: number): DecodedPacket {
  clock += 1;
  return {
    timestampMs: clock,
    ...addressing(source, destination),
    ttl,
    protocol: 1,
    laterFragment: false,
    tcp: null,
    icmp: { type: addressing(source, destination).family === 4 ? (kind === 'request' ? 8 : 0) : kind === 'request' ? 128 : 129, code: 0, identifier, sequence, quote: null },
  };
}

function unreachable(from: string, to: string, ttl: number, code: number, quote: { source: string; sourcePort: number; destination: string; destinationPort: number; ttl: number; sequence: number | null }): DecodedPacket {
  clock += 1;
  return {
    timestampMs: clock,
    ...addressing(from, to),
    ttl,
    protocol: 1,
    laterFragment: false,
    tcp: null,
    icmp: { type: addressing(from, to).family === 4 ? 3 : 1, code, identifier: null, sequence: null, quote: { ...quote, ...addressing(quote.source, quote.destination), partial: false, protocol: 6 } },
  };
}

function analyze(packets: DecodedPacket[], options?: ConstructorParameters<typeof CaptureAnalyzer>[0]): { result: AnalysisResult; report: AnalyzeReport } {
  const analyzer = new CaptureAnalyzer(options);
  for (const packet of packets) analyzer.add(packet);
  const result = analyzer.result();
  const report = buildAnalyzeReport(result, { file: 'x', format: 'pcap', packets: packets.length, ipv4: packets.length, ipv6: 0, notIPv4: 0, undecodable: 0, linkTypes: [1] });
  return { result, report };
}

/** The article, as a capture at the client: echoes, then SYNs to 22 (forged RST), 80 (host RST), 443 (SYN-ACK). */
function article(): DecodedPacket[] {
  return [
    echo(C, S, 64, 'request', 7, 1),
    echo(S, C, 61, 'reply', 7, 1),
    echo(C, S, 64, 'request', 7, 2),
    echo(S, C, 61, 'reply', 7, 2),
    tcp(C, 40000, S, 22, 64, SYN, 100),
    tcp(S, 22, C, 40000, 63, RST | ACK, 0, 101),
    tcp(C, 40001, S, 80, 64, SYN, 200),
    tcp(S, 80, C, 40001, 61, RST | ACK, 0, 201),
    tcp(C, 40002, S, 443, 64, SYN, 300),
    tcp(S, 443, C, 40002, 61, SYN | ACK, 9000, 301),
    tcp(C, 40002, S, 443, 64, ACK, 301, 9001),
  ];
}

t.test('the article: the same verdicts as a live probe', async (t) => {
  const { report } = analyze(article());
  t.equal(report.schema, 'ttl-probe/1');
  t.equal(report.interrupted, false);
  t.same(report.capture.clients, [C]);
  const target = report.targets[0]!;
  t.match(target, {
    target: S,
    address: S,
    echo: { sent: 2, received: 2, ttl: 61, initialTtl: 64, distance: 3, rttMs: 1 },
    reference: { source: 'echo', distance: 3, hop: 4 },
    ignored: 0,
    unfinishedPorts: [],
    midflowOnlyPorts: [],
  });
  t.same(
    target.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop, p.tries, p.reply?.kind, p.reply?.ttl, p.midflowResetCount]),
    [
      [22, 'closed', 'middlebox', 2, 1, 'rst', 63, 0],
      [80, 'closed', 'host', 4, 1, 'rst', 61, 0],
      [443, 'open', 'host', 4, 1, 'syn-ack', 61, 0],
    ],
  );
  t.equal(target.ports[0]!.explanation, 'RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered');
  t.equal(target.ports[0]!.reply?.rttMs, 1);
});

t.test('a RST forged inside an established connection', async (t) => {
  const packets = [
    ...article(),
    tcp(C, 40002, S, 443, 64, PSH | ACK, 301, 9001),
    tcp(S, 443, C, 40002, 61, ACK, 9001, 311),
    tcp(S, 443, C, 40002, 61, PSH | ACK, 9001, 311),
    tcp(C, 40002, S, 443, 64, ACK, 311, 9011),
    tcp(S, 443, C, 40002, 63, RST, 9011), // the firewall, in the server's name
    tcp(S, 443, C, 40002, 61, PSH | ACK, 9001, 311), // the server retransmits
    tcp(C, 40002, S, 443, 64, RST, 311), // the client's kernel: the same distance as its other packets
  ];
  const { report } = analyze(packets);
  const port = report.targets[0]!.ports.find((p) => p.port === 443)!;
  t.equal(port.state, 'open');
  t.equal(port.midflowResetCount, 1);
  t.same(port.midflowResets, [
    {
      from: S,
      fromPort: 443,
      to: C,
      toPort: 40002,
      side: 'server',
      ttl: 63,
      initialTtl: 64,
      distance: 1,
      hop: 2,
      answeredBy: 'middlebox',
      flowTtl: 61,
      flowDistance: 3,
      flowHop: 4,
      timestampMs: packets[15]!.timestampMs,
      explanation: `RST in the name of ${S} came from hop 2, 2 hops before hop 4 where the connection's other packets from it come from: a device on the path cut the connection, not ${S}`,
    },
  ]);
});

t.test('resets that are not reported', async (t) => {
  const { report } = analyze([
    ...article(),
    tcp(S, 443, C, 40002, 61, RST, 9001), // the server itself: same distance
    tcp(C, 40003, S, 443, 64, SYN, 400),
    tcp(S, 443, C, 40003, 61, SYN | ACK, 500, 401),
    tcp(C, 40003, S, 443, 64, RST, 401), // a SYN scan's RST: the handshake never completed
    tcp(C, 40009, S, 8080, 64, RST, 1), // a RST of an unknown connection
  ]);
  t.same(report.targets[0]!.ports.map((p) => p.midflowResetCount), [0, 0, 0]);
  t.same(report.targets[0]!.ports.find((p) => p.port === 443)?.tries, 2);
});

t.test('a reset from hop 6 beyond a host at hop 4, in the client-side direction', async (t) => {
  const { report } = analyze([
    tcp(C, 40002, S, 443, 64, SYN, 300),
    tcp(S, 443, C, 40002, 61, SYN | ACK, 9000, 301),
    tcp(C, 40002, S, 443, 64, ACK, 301, 9001),
    tcp(S, 443, C, 40002, 59, RST | ACK, 9001, 301),
    // A RST in the client's name that did not come from the client (it was forged closer to the server).
    tcp(C, 40002, S, 443, 62, RST, 301),
  ]);
  const resets = report.targets[0]!.ports[0]!.midflowResets;
  t.same(resets.map((r) => [r.side, r.from, r.hop, r.flowHop, r.answeredBy]), [
    ['server', S, 6, 4, 'beyond'],
    ['client', C, 3, 1, 'beyond'],
  ]);
  t.match(resets[0]!.explanation, /2 hops beyond hop 4 .*: something farther away than 198\.18\.4\.2 cut the connection/);
});

t.test('a connection seen only after its handshake', async (t) => {
  const { report } = analyze([
    echo(C, S, 64, 'request', 1, 1),
    echo(S, C, 61, 'reply', 1, 1),
    tcp(C, 51000, S, 5432, 64, PSH | ACK, 10, 20),
    tcp(S, 5432, C, 51000, 61, ACK, 20, 11),
    tcp(S, 5432, C, 51000, 62, RST, 20),
  ]);
  const target = report.targets[0]!;
  t.same(target.ports, [], 'no SYN: no verdict for the port');
  t.same(
    target.midflowOnlyPorts.map((p) => [p.port, p.midflowResetCount, p.midflowResets[0]?.hop, p.midflowResets[0]?.side, p.midflowResets[0]?.answeredBy]),
    [[5432, 1, 3, 'server', 'middlebox']],
  );
  // When the first packet comes from the server, the lower port still tells which end is the server.
  const reversed = analyze([tcp(S, 5432, C, 51000, 61, ACK, 20, 11), tcp(C, 51000, S, 5432, 64, ACK, 11, 20), tcp(S, 5432, C, 51000, 62, RST, 20)]).report;
  t.same(reversed.targets.map((target) => [target.address, target.midflowOnlyPorts.map((p) => [p.port, p.midflowResets[0]?.side])]), [[S, [[5432, 'server']]]]);
});

t.test('an ICMP unreachable quoting the SYN', async (t) => {
  const { report } = analyze([
    tcp(C, 40000, S, 22, 64, SYN, 100),
    unreachable(FW, C, 63, 13, { source: C, sourcePort: 40000, destination: S, destinationPort: 22, ttl: 62, sequence: 100 }),
    tcp(C, 40001, S, 443, 64, SYN, 300),
    tcp(S, 443, C, 40001, 61, SYN | ACK, 1, 301),
  ]);
  const port = report.targets[0]!.ports[0]!;
  t.match(port, {
    port: 22,
    state: 'unreachable',
    answeredBy: 'middlebox',
    hop: 2,
    reply: { kind: 'icmp-unreachable', from: FW, ttl: 63, icmpType: 3, icmpCode: 13, quotedTtl: 62, probeDistance: 2 },
  });
  t.same(report.targets[0]!.reference, { source: 'syn-ack', distance: 3, hop: 4 });
});

t.test('validation: answers must acknowledge a SYN seen', async (t) => {
  const packets = [
    tcp(C, 40000, S, 22, 64, SYN, 100),
    tcp(S, 22, C, 40000, 63, RST | ACK, 0, 555), // acknowledges nothing we sent
    tcp(C, 40001, S, 80, 64, SYN, 200),
    unreachable(FW, C, 63, 13, { source: C, sourcePort: 40001, destination: S, destinationPort: 80, ttl: 62, sequence: 999 }),
    tcp(C, 40002, S, 443, 64, SYN, 300),
    tcp(S, 443, C, 40002, 63, RST, 0, 0), // a RST without ACK cannot answer a SYN
    echo(S, C, 61, 'reply', 9, 9), // no request
  ];
  const strict = analyze(packets).report.targets[0]!;
  t.same(strict.ports.map((p) => [p.port, p.state]), [
    [22, 'filtered'],
    [80, 'filtered'],
    [443, 'filtered'],
  ]);
  t.equal(strict.ignored, 3, 'counted as ignored');
  // tcpdump text may print relative numbers: then the first answer on the connection counts.
  const lenient = analyze(packets, { verifySequence: false }).report.targets[0]!;
  t.same(lenient.ports.map((p) => [p.port, p.state]), [
    [22, 'closed'],
    [80, 'unreachable'],
    [443, 'filtered'],
  ]);
});

t.test('retransmitted SYNs: the answer to any of them counts, tries count them all', async (t) => {
  const { report } = analyze([
    tcp(C, 40000, S, 443, 64, SYN, 100),
    tcp(C, 40000, S, 443, 64, SYN, 777), // ttl-probe's retry carries another cookie
    tcp(S, 443, C, 40000, 61, SYN | ACK, 5, 101), // the answer to the first one
  ]);
  t.match(report.targets[0]!.ports[0], { port: 443, tries: 2, state: 'open', reply: { rttMs: 2 } });
});

t.test('the capture side: who sent the SYNs', async (t) => {
  const { report } = analyze([
    echo(S, C, 64, 'request', 1, 1), // the server pings the client: not a target
    echo(C, S, 61, 'reply', 1, 1),
    tcp(C, 40000, S, 443, 64, SYN, 1),
    tcp(S, 443, C, 40000, 61, SYN | ACK, 5, 2),
    echo(C, '198.18.9.9', 64, 'request', 2, 1), // the client pings another host: a target of its own
    echo('198.18.9.9', C, 250, 'reply', 2, 1),
  ]);
  t.same(report.targets.map((target) => [target.address, target.echo.sent, target.echo.received, target.ports.length]), [
    [S, 0, 0, 1],
    ['198.18.9.9', 1, 1, 0],
  ]);
  t.same(report.capture.clients, [C]);
  // Without SYNs, whoever sends echo requests is the client.
  const pings = analyze([echo(C, S, 64, 'request', 1, 1), echo(S, C, 61, 'reply', 1, 1)]).report;
  t.same(pings.capture.clients, [C]);
  t.match(pings.targets[0], { address: S, echo: { sent: 1, received: 1, ttl: 61 }, reference: { source: 'echo', hop: 4 }, ports: [] });
});

t.test('bounded state: many echoes, many connections', async (t) => {
  const packets: DecodedPacket[] = [];
  for (let i = 0; i < 10_000; i++) {
    packets.push(echo(C, S, 64, 'request', 1, i & 0xffff));
    packets.push(echo(S, C, i % 10 === 0 ? 62 : 61, 'reply', 1, i & 0xffff));
  }
  const { report, result } = analyze(packets);
  t.match(report.targets[0]!.echo, { sent: 10_000, received: 10_000, ttl: 61, distance: 3 });
  t.ok(result.targets[0]!.observation.echo.replies.length <= 4100, 'a bounded sample of replies is kept');
  // More connections than the table holds: the oldest are forgotten, nothing breaks.
  const analyzer = new CaptureAnalyzer({ maxFlows: 100 });
  for (let port = 1; port <= 1000; port++) {
    analyzer.add(tcp(C, 10000 + port, S, 443, 64, SYN, port));
    analyzer.add(tcp(S, 443, C, 10000 + port, 61, SYN | ACK, 1, port + 1));
    analyzer.add(tcp(C, 10000 + port, S, 443, 64, ACK | FIN, port + 1, 2));
  }
  const bounded = analyzer.result();
  t.match(bounded.targets[0]!.observation.ports, [{ port: 443, tries: 1000, reply: { kind: 'syn-ack' } }]);
});

t.test('fragments and packets without transport information are skipped', async (t) => {
  const addresses = addressing(C, S);
  const fragment: DecodedPacket = { timestampMs: 1, ...addresses, ttl: 64, protocol: 6, laterFragment: true, tcp: null, icmp: null };
  const udp: DecodedPacket = { timestampMs: 2, ...addresses, ttl: 64, protocol: 17, laterFragment: false, tcp: null, icmp: null };
  t.same(analyze([fragment, udp]).report.targets, []);
});

t.test("a connection's distance is its most common one: a route change moves it", async (t) => {
  const packets = [tcp(C, 40002, S, 443, 64, SYN, 300), tcp(S, 443, C, 40002, 61, SYN | ACK, 9000, 301), tcp(C, 40002, S, 443, 64, ACK, 301, 9001)];
  // The server's packets arrive from distance 3 once, then from distance 5 (a longer path) three times.
  for (let i = 0; i < 3; i++) packets.push(tcp(S, 443, C, 40002, 59, ACK, 9001, 301));
  const after = [...packets, tcp(S, 443, C, 40002, 59, RST, 9001)];
  t.same(analyze(after).report.targets[0]!.ports[0]!.midflowResets, [], 'a RST from the new distance is the server');
  const before = [...packets, tcp(S, 443, C, 40002, 61, RST, 9001)];
  t.match(analyze(before).report.targets[0]!.ports[0]!.midflowResets, [{ ttl: 61, flowTtl: 59, answeredBy: 'middlebox' }]);
  // Both FINs close the connection: a RST long after is not judged against it.
  const closed = [
    ...packets,
    tcp(C, 40002, S, 443, 64, FIN | ACK, 301, 9001),
    tcp(S, 443, C, 40002, 59, FIN | ACK, 9001, 302),
  ];
  const analyzer = new CaptureAnalyzer();
  for (const packet of closed) analyzer.add(packet);
  clock += 10 * 60 * 1000;
  // Enough packets to trigger a sweep of the connection table.
  for (let i = 0; i < 70_000; i++) analyzer.add(echo(C, '198.18.7.7', 64, 'request', 3, i & 0xffff));
  analyzer.add(tcp(S, 443, C, 40002, 61, RST, 9001));
  const report = buildAnalyzeReport(analyzer.result(), { file: 'x', format: 'pcap', packets: 0, ipv4: 0, ipv6: 0, notIPv4: 0, undecodable: 0, linkTypes: [] });
  t.same(report.targets[0]!.ports[0]!.midflowResets, []);
});

// IPv6: the same packets with 128-bit addresses and ICMPv6 types.
const C6 = '2001:2:0:1::1';
const S6 = '2001:2:0:4::2';
const FW6 = '2001:2:0:2::2';
const SIX: ReadonlyMap<string, string> = new Map([
  [C, C6],
  [S, S6],
  [FW, FW6],
]);
const ICMPV6_TYPES: ReadonlyMap<number, number> = new Map([
  [8, 128],
  [0, 129],
  [3, 1],
]);

/** A packet of the IPv4 helpers above, over IPv6 (C, S, FW mapped to C6, S6, FW6; ICMP types to ICMPv6's). */
function to6(packet: DecodedPacket): DecodedPacket {
  const six = { ...packet, ...addressing(SIX.get(packet.source)!, SIX.get(packet.destination)!) };
  if (packet.icmp) {
    const quote = packet.icmp.quote;
    six.protocol = 58;
    six.icmp = {
      ...packet.icmp,
      type: ICMPV6_TYPES.get(packet.icmp.type) ?? packet.icmp.type,
      quote: quote && { ...quote, ...addressing(SIX.get(quote.source)!, SIX.get(quote.destination)!) },
    };
  }
  return six;
}

const verdicts = (report: AnalyzeReport): unknown[][] =>
  report.targets.map((target) => [target.address, target.family, ...target.ports.map((p) => [p.port, p.state, p.answeredBy, p.hop, p.reply?.kind])]);

t.test('IPv6: the article gives the same verdicts, the family says 6', async (t) => {
  const four = analyze(article()).report;
  const six = analyze(article().map(to6)).report;
  t.equal(six.targets[0]?.family, 6);
  t.same(six.capture.clients, [C6]);
  t.same(verdicts(six), verdicts(four).map(([, , ...ports]) => [S6, 6, ...ports]));
  t.same(six.targets[0]?.reference, four.targets[0]?.reference, 'the reference from the ICMPv6 echo replies');
});

t.test('IPv6: a RST forged mid-connection, an ICMPv6 unreachable quoting the SYN', async (t) => {
  const packets = [
    ...article(),
    tcp(C, 40002, S, 443, 64, PSH | ACK, 301, 9001),
    tcp(S, 443, C, 40002, 61, ACK, 9001, 311),
    tcp(S, 443, C, 40002, 63, RST, 311),
    tcp(C, 40003, S, 8080, 64, SYN, 500),
    unreachable(FW, C, 63, 1, { source: C, sourcePort: 40003, destination: S, destinationPort: 8080, ttl: 62, sequence: 500 }),
  ].map(to6);
  const target = analyze(packets).report.targets[0]!;
  t.match(target.ports.find((p) => p.port === 443)?.midflowResets, [{ from: S6, side: 'server', ttl: 63, hop: 2, flowHop: 4, answeredBy: 'middlebox' }]);
  t.match(target.ports.find((p) => p.port === 8080), {
    state: 'unreachable',
    answeredBy: 'middlebox',
    hop: 2,
    reply: { kind: 'icmp-unreachable', from: FW6, icmpType: 1, icmpCode: 1 },
  });
});

t.test('both families in one capture: two targets, connections never mixed', async (t) => {
  // The same ports and sequence numbers in both families, interleaved.
  const four = article();
  const six = article().map(to6);
  const mixed = four.flatMap((packet, i) => [packet, six[i]!]);
  const report = analyze(mixed).report;
  t.same(
    verdicts(report),
    [verdicts(analyze(article()).report)[0], verdicts(analyze(article().map(to6)).report)[0]],
    'each family as on its own',
  );
  t.same(report.capture.clients, [C, C6]);
  t.equal(report.targets.reduce((sum, target) => sum + target.ignored, 0), 0, 'no answer crossed over');
});

t.test('IPv6 from tcpdump text: an unreachable with only its destination answers the one pending SYN, never one of several', async (t) => {
  const partial = (packet: DecodedPacket, destinationPort: number | null): DecodedPacket => {
    const quote = packet.icmp!.quote!;
    return { ...packet, icmp: { ...packet.icmp!, quote: { ...quote, partial: true, ttl: -1, protocol: destinationPort === null ? -1 : 6, sourcePort: null, destinationPort, sequence: null } } };
  };
  const error = (port: number): DecodedPacket =>
    to6(unreachable(FW, C, 63, 1, { source: C, sourcePort: 40003, destination: S, destinationPort: port, ttl: 62, sequence: null }));
  const one = [to6(tcp(C, 40003, S, 8080, 64, SYN, 500)), partial(error(8080), null)];
  const options = { verifySequence: false, partialQuotes: true };
  t.match(analyze(one, options).report.targets[0]?.ports, [{ port: 8080, state: 'unreachable', hop: 2, reply: { from: FW6, icmpType: 1, icmpCode: 1 } }], 'one pending SYN');
  t.match(analyze(one).report.targets[0]?.ports, [{ port: 8080, state: 'filtered', reply: null }], 'without partialQuotes: not attributed');
  const two = [to6(tcp(C, 40003, S, 8080, 64, SYN, 500)), to6(tcp(C, 40003, S, 8081, 64, SYN, 501)), partial(error(8080), null)];
  const ambiguous = analyze(two, options).report.targets[0]!;
  t.same(ambiguous.ports.map((p) => p.state), ['filtered', 'filtered'], 'two pending SYNs: no verdict from it');
  t.equal(ambiguous.ignored, 1, 'counted as ignored');
  const named = [...two.slice(0, 2), partial(error(8081), 8081)];
  t.same(analyze(named, options).report.targets[0]!.ports.map((p) => p.state), ['filtered', 'unreachable'], 'a port unreachable names its port');
});
