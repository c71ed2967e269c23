import { readFileSync } from 'node:fs';
import t from 'tap';
import { chunkSource } from '../../src/capture/byte-window.js';
import type { DecodedPacket } from '../../src/capture/decoded.js';
import { openCaptureSource } from '../../src/capture/open.js';
import { looksLikeTcpdumpText, parseTextPacket, TextClock } from '../../src/capture/text.js';

const parse = (text: string, clock = new TextClock()): ReturnType<typeof parseTextPacket> => parseTextPacket(text, clock);
const packetOf = (text: string, clock = new TextClock()): DecodedPacket | null => {
  const parsed = parse(text, clock);
  return parsed.kind === 'ipv4' ? parsed.packet : null;
};

t.test("today's two-line form", async (t) => {
  t.same(
    packetOf(
      '03:01:36.721177 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)\n' +
        '    198.18.4.2.22 > 198.18.1.1.44700: Flags [R.], cksum 0x9142 (incorrect -> 0xbd9b), seq 0, ack 583831438, win 0, length 0',
    ),
    {
      timestampMs: ((3 * 60 + 1) * 60 + 36) * 1000 + 721.177,
      family: 4,
      source: '198.18.4.2',
      destination: '198.18.1.1',
      sourceValue: 0xc6120402,
      destinationValue: 0xc6120101,
      addressWords: null,
      ttl: 63,
      protocol: 6,
      laterFragment: false,
      tcp: { sourcePort: 22, destinationPort: 44700, sequence: 0, acknowledgment: 583831438, flags: 0x14 },
      icmp: null,
    },
  );
  t.match(
    packetOf(
      '03:01:41.308992 IP (tos 0x0, ttl 61, id 0, offset 0, flags [DF], proto TCP (6), length 60)\n' +
        '    198.18.4.2.443 > 198.18.1.1.58338: Flags [S.], cksum 0x9156 (incorrect -> 0xf10b), seq 3919106372, ack 2845500205, win 65160, options [mss 1460,sackOK,TS val 1078922595 ecr 3057489404,nop,wscale 10], length 0',
    ),
    { ttl: 61, tcp: { flags: 0x12, sequence: 3919106372, acknowledgment: 2845500205 } },
  );
  t.match(
    packetOf(
      '03:01:41.309919 IP (tos 0x0, ttl 64, id 40917, offset 0, flags [DF], proto TCP (6), length 54)\n' +
        '    198.18.1.1.58338 > 198.18.4.2.443: Flags [P.], cksum 0x9150 (incorrect -> 0xb5ae), seq 1:3, ack 2, win 63, options [nop,nop,TS val 3057489405 ecr 1078922596], length 2',
    ),
    { tcp: { flags: 0x18, sequence: 1, acknowledgment: 2 } },
  );
  t.match(
    packetOf('1.5 IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto TCP (6), length 40)\n    10.0.0.1.1 > 10.0.0.2.2: Flags [none], seq 5, win 0, length 0'),
    { tcp: { flags: 0 } },
  );
  t.same(
    packetOf(
      '03:01:36.719814 IP (tos 0x0, ttl 64, id 12516, offset 0, flags [none], proto ICMP (1), length 44)\n' +
        '    198.18.1.1 > 198.18.4.2: ICMP echo request, id 54983, seq 1, length 24',
    )?.icmp,
    { type: 8, code: 0, identifier: 54983, sequence: 1, quote: null },
  );
  t.same(
    packetOf(
      '03:01:36.719982 IP (tos 0x0, ttl 61, id 46623, offset 0, flags [none], proto ICMP (1), length 44)\n' +
        '    198.18.4.2 > 198.18.1.1: ICMP echo reply, id 54983, seq 1, length 24',
    )?.icmp,
    { type: 0, code: 0, identifier: 54983, sequence: 1, quote: null },
  );
});

t.test('ICMP unreachable with the quoted datagram', async (t) => {
  const packet = packetOf(
    '03:01:41.757767 IP (tos 0xc0, ttl 63, id 3414, offset 0, flags [none], proto ICMP (1), length 72)\n' +
      '    198.18.2.2 > 198.18.1.1: ICMP host 198.18.4.2 unreachable - admin prohibited filter, length 52\n' +
      '\tIP (tos 0x0, ttl 62, id 33371, offset 0, flags [DF], proto TCP (6), length 44)\n' +
      '    198.18.1.1.58361 > 198.18.4.2.22: Flags [S], cksum 0xbe0a (correct), seq 37316538, win 64240, options [mss 1460], length 0',
  );
  t.match(packet, { source: '198.18.2.2', destination: '198.18.1.1', ttl: 63, protocol: 1 });
  t.same(packet?.icmp, {
    type: 3,
    code: 13,
    identifier: null,
    sequence: null,
    quote: { source: '198.18.1.1', destination: '198.18.4.2', sourceValue: 0xc6120101, destinationValue: 0xc6120402, addressWords: null, partial: false, ttl: 62, protocol: 6, sourcePort: 58361, destinationPort: 22, sequence: 37316538 },
  });
  const wordings: [string, number][] = [
    ['net 10.0.0.1 unreachable', 0],
    ['host 10.0.0.1 unreachable', 1],
    ['10.0.0.1 protocol 17 unreachable', 2],
    ['10.0.0.1 tcp port 22 unreachable', 3],
    ['10.0.0.1 udp port domain unreachable', 3],
    ['10.0.0.1 protocol 132 port 5 unreachable', 3],
    ['10.0.0.1 unreachable - need to frag (mtu 1400)', 4],
    ['10.0.0.1 unreachable - need to frag', 4],
    ['10.0.0.1 unreachable - source route failed', 5],
    ['net 10.0.0.1 unreachable - unknown', 6],
    ['host 10.0.0.1 unreachable - unknown', 7],
    ['10.0.0.1 unreachable - source host isolated', 8],
    ['net 10.0.0.1 unreachable - admin prohibited', 9],
    ['host 10.0.0.1 unreachable - admin prohibited', 10],
    ['net 10.0.0.1 unreachable - tos prohibited', 11],
    ['host 10.0.0.1 unreachable - tos prohibited', 12],
    ['host 10.0.0.1 unreachable - admin prohibited filter', 13],
    ['host 10.0.0.1 unreachable - host precedence violation', 14],
    ['host 10.0.0.1 unreachable - precedence cutoff', 15],
    ['#21 10.0.0.1 unreachable', 21],
  ];
  for (const [wording, code] of wordings) {
    const parsed = packetOf(`IP (tos 0x0, ttl 60, id 1, offset 0, flags [none], proto ICMP (1), length 56)\n    10.9.9.9 > 10.0.0.2: ICMP ${wording}, length 36`);
    t.match(parsed?.icmp, { type: 3, code }, wording);
  }
  t.match(packetOf('IP (tos 0x0, ttl 60, id 1, offset 0, flags [none], proto ICMP (1), length 56)\n    10.9.9.9 > 10.0.0.2: ICMP time exceeded in-transit, length 36')?.icmp, { type: 11, code: 0 });
  t.equal(packetOf('IP (tos 0x0, ttl 60, id 1, offset 0, flags [none], proto ICMP (1), length 56)\n    10.9.9.9 > 10.0.0.2: ICMP router solicitation, length 8')?.icmp, null);
});

t.test('the old one-line form', async (t) => {
  // The example.
  t.same(
    packetOf('IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto: TCP (6), length: 40) 10.1.2.3.22 > 10.9.8.7.50000: R, cksum 0x1234 (correct), 0:0(0) ack 1 win 0'),
    {
      timestampMs: 0,
      family: 4,
      source: '10.1.2.3',
      destination: '10.9.8.7',
      sourceValue: 0x0a010203,
      destinationValue: 0x0a090807,
      addressWords: null,
      ttl: 63,
      protocol: 6,
      laterFragment: false,
      tcp: { sourcePort: 22, destinationPort: 50000, sequence: 0, acknowledgment: 1, flags: 0x14 },
      icmp: null,
    },
  );
  t.match(
    packetOf('12:00:00.000001 IP (tos 0x0, ttl  64, id 4242, offset 0, flags [DF], proto: TCP (6), length: 60) 10.9.8.7.50000 > 10.1.2.3.22: S, cksum 0x1234 (correct), 1000:1000(0) win 5840 <mss 1460,sackOK,timestamp 1 0,nop,wscale 7>'),
    { ttl: 64, tcp: { flags: 0x02, sequence: 1000, acknowledgment: null } },
  );
  t.match(
    packetOf('IP (tos 0x0, ttl  61, id 0, offset 0, flags [DF], proto: TCP (6), length: 60) 10.1.2.3.443 > 10.9.8.7.50001: S., cksum 0x1234 (correct), 2000:2000(0) ack 1001 win 5792'),
    { ttl: 61, tcp: { flags: 0x12, sequence: 2000, acknowledgment: 1001 } },
  );
  t.match(
    packetOf('IP (tos 0x0, ttl  61, id 0, offset 0, flags [DF], proto: TCP (6), length: 60) 10.1.2.3.https > 10.9.8.7.50001: S 2000:2000(0) ack 1001 win 5792'),
    { tcp: { sourcePort: 443, flags: 0x12 } },
    'an old SYN-ACK: S with "ack", port names of old tcpdumps',
  );
  t.match(
    packetOf('IP (tos 0x0, ttl  61, id 0, offset 0, flags [DF], proto: TCP (6), length: 52) 10.1.2.3.443 > 10.9.8.7.50001: ., cksum 0x1 (correct), ack 7 win 46'),
    { tcp: { flags: 0x10 } },
  );
  t.match(packetOf('IP (tos 0x0, ttl  61, id 0, offset 0, flags [none], proto: ICMP (1), length: 84) 10.1.2.3 > 10.9.8.7: ICMP echo reply seq 3, length 64')?.icmp, {
    type: 0,
    identifier: null,
    sequence: 3,
  });
  t.match(
    packetOf(
      'IP (tos 0xc0, ttl  63, id 1, offset 0, flags [none], proto: ICMP (1), length: 56) 10.5.5.5 > 10.9.8.7: ICMP host 10.1.2.3 unreachable - admin prohibited filter, length 36\n' +
        '\tIP (tos 0x0, ttl  62, id 7, offset 0, flags [DF], proto: TCP (6), length: 60) 10.9.8.7.50002 > 10.1.2.3.22: S 3000:3000(0) win 5840',
    )?.icmp,
    { type: 3, code: 13, quote: { ttl: 62, source: '10.9.8.7', sourcePort: 50002, destinationPort: 22, sequence: 3000 } },
  );
});

t.test('timestamps and prefixes', async (t) => {
  t.match(packetOf('2026-11-25 03:01:36.500000 IP (tos 0x0, ttl 1, id 0, offset 0, flags [none], proto UDP (17), length 28)\n    10.0.0.1.5 > 10.0.0.2.6: UDP, length 0'), {
    timestampMs: Date.UTC(2026, 10, 25, 3, 1, 36, 500),
    protocol: 17,
    tcp: null,
    icmp: null,
  });
  t.match(packetOf('1795576309.431088 IP (tos 0x0, ttl 1, id 0, offset 0, flags [none], proto UDP (17), length 28)\n    10.0.0.1.5 > 10.0.0.2.6: UDP, length 0'), {
    timestampMs: 1795576309431.088,
  });
  t.match(
    packetOf('03:01:36.721176 eth1  In  IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)\n    198.18.4.2.22 > 198.18.1.1.44700: Flags [R.], seq 0, ack 583831438, win 0, length 0'),
    { ttl: 63, tcp: { flags: 0x14 } },
    'tcpdump -i any: interface and direction',
  );
  t.match(
    packetOf('03:01:36.7 02:00:00:00:00:0b > 02:00:00:00:00:0a, ethertype IPv4 (0x0800), length 54: (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)\n    198.18.4.2.22 > 198.18.1.1.44700: Flags [R.], seq 0, ack 5, win 0, length 0'),
    { ttl: 63 },
    'tcpdump -e',
  );
  t.match(
    packetOf('03:01:36.7 IP (tos 0x2,ECT(0), ttl 50, id 1, offset 0, flags [DF], proto TCP (6), length 40)\n    10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 0, length 0'),
    { ttl: 50 },
    'ECN in the tos',
  );
  t.match(
    packetOf('03:01:36.7 IP (tos 0x0, ttl 64, id 1, offset 1480, flags [none], proto TCP (6), length 100)\n    10.0.0.1 > 10.0.0.2: ip-proto-6'),
    { laterFragment: true, tcp: null },
  );
  const clock = new TextClock();
  const times = ['23:59:59.900000', '00:00:00.100000', '00:00:01.000000'].map(
    (time) => packetOf(`${time} IP (tos 0x0, ttl 1, id 0, offset 0, flags [none], proto UDP (17), length 28)\n    10.0.0.1.5 > 10.0.0.2.6: UDP, length 0`, clock)!.timestampMs,
  );
  t.same(times, [86_399_900, 86_400_100, 86_401_000], 'midnight rolls over to the next day');
  t.equal(packetOf('IP (tos 0x0, ttl 1, id 0, offset 0, flags [none], proto UDP (17), length 28) 10.0.0.1.5 > 10.0.0.2.6: UDP, length 0', clock)!.timestampMs, 86_401_000, 'no timestamp: the last one');
});

t.test('what is not an IPv4 packet', async (t) => {
  t.match(parse('03:01:36.762150 IP6 (hlim 1, next-header Options (0) payload length: 36) :: > ff02::16: HBH ICMP6, multicast listener report v2'), {
    kind: 'ipv6',
    packet: { family: 6, protocol: 58, tcp: null, icmp: { type: 143 } },
  });
  t.same(parse('03:01:36.762150 ARP, Request who-has 198.18.1.2 tell 198.18.1.1, length 28'), { kind: 'other' });
  t.match(parse('03:01:36.7 eth1  Out IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 16'), { kind: 'undecodable', reason: /without -v/ });
  t.match(parse('03:01:36.7 eth1  Out IP6 (hlim 64, next-header TCP (6) payload length: 20) 2001:2::1.5 > 2001:2::2.22: Flags [S], seq 1, win 0, length 0'), {
    kind: 'ipv6',
    packet: { tcp: { destinationPort: 22 } },
  });
  t.same(parse('03:01:36.7 02:00:00:00:00:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 198.18.1.2'), { kind: 'other' });
  t.match(parse('03:01:36.721177 IP 198.18.4.2.22 > 198.18.1.1.44700: Flags [R.], seq 0, ack 583831438, win 0, length 0'), {
    kind: 'undecodable',
    reason: /without -v/,
  });
  t.match(
    parse('03:01:36.721177 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)\n    server.example.ssh > client.example.44700: Flags [R.], seq 0, ack 1, win 0, length 0'),
    { kind: 'undecodable', reason: /without -n/ },
  );
  t.match(
    parse('03:01:36.721177 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)\n    10.0.0.1.22 > 10.0.0.2.44700: [|tcp]'),
    { kind: 'undecodable', reason: /no TCP flags/ },
  );
  for (const line of ['tcpdump: listening on eth1, link-type EN10MB (Ethernet), snapshot length 262144 bytes', 'reading from file x.pcap, link-type EN10MB', '51 packets captured', '', 'some prose in a ticket']) {
    t.same(parse(line), { kind: 'none' }, JSON.stringify(line));
  }
});

t.test('sniffing', async (t) => {
  t.ok(looksLikeTcpdumpText('tcpdump: listening on eth1\n03:01:36.719814 IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length 44)\n'));
  t.ok(looksLikeTcpdumpText('IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto: TCP (6), length: 40) 10.1.2.3.22 > 10.9.8.7.50000: R, 0:0(0) ack 1 win 0\n'));
  t.ok(looksLikeTcpdumpText('1795576309.431088 IP 10.0.0.1 > 10.0.0.2: ICMP echo request\n'));
  t.notOk(looksLikeTcpdumpText('hello world\nthis is not a capture\n'));
  t.notOk(looksLikeTcpdumpText('03:01:36 IP (tos 0x0\0'));
});

async function readText(text: string, chunk = 1 << 20): Promise<{ packets: DecodedPacket[]; counts: unknown; format: string }> {
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
  const capture = await openCaptureSource(chunkSource(chunks), 'x.txt', { windowBytes: 64 });
  const packets: DecodedPacket[] = [];
  for await (const batch of capture.batches()) for (let i = 0; i < batch.count; i++) packets.push(batch.packet(i)!);
  return { packets, counts: capture.counts(), format: capture.format };
}

t.test('the lab text capture, streamed in small pieces', async (t) => {
  const text = readFileSync(new URL('../fixtures/article-v.txt', import.meta.url), 'latin1');
  const whole = await readText(text);
  t.equal(whole.format, 'tcpdump-text');
  t.match(whole.counts, { packets: 51, ipv4: 42, ipv6: 9, notIPv4: 0, undecodable: 0, linkTypes: [] });
  for (const chunk of [1, 5, 77]) t.same((await readText(text, chunk)).packets, whole.packets, `${chunk}-byte chunks`);
  const crlf = await readText(text.replace(/\n/g, '\r\n'));
  t.same(crlf.packets, whole.packets, 'CRLF line ends');
  const noFinalNewline = await readText(text.trimEnd());
  t.same(noFinalNewline.packets, whole.packets, 'no newline after the last line');
  // The same packets as the pcap recorded at the same time (TTLs, addresses, ports, flags).
  const pcap = readFileSync(new URL('../fixtures/article-eth.pcap', import.meta.url));
  const capture = await openCaptureSource(chunkSource([pcap]), 'x.pcap');
  const binary: DecodedPacket[] = [];
  for await (const batch of capture.batches()) for (let i = 0; i < batch.count; i++) binary.push(structuredClone(batch.packet(i)!));
  const facts = (p: DecodedPacket): unknown[] => [p.source, p.destination, p.ttl, p.protocol, p.tcp?.sourcePort, p.tcp?.destinationPort, p.tcp?.flags, p.icmp?.type];
  t.same(whole.packets.map(facts), binary.map(facts));
});

t.test('a line longer than 1 MiB is not tcpdump text', async (t) => {
  const text = `03:01:36.719814 IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length 44)\n${'x'.repeat(1.5 * 1024 * 1024)}`;
  await t.rejects(readText(text, 65536), { code: 'ERR_CAPTURE_CORRUPT', offset: 94, message: /line at byte offset 94 is longer than 1048576 bytes/ });
});

t.test('numbers out of their fields\' range make a packet undecodable, never a decoded value out of range', async (t) => {
  const header = (ttl: string, proto: string): string => `IP (tos 0x0, ttl ${ttl}, id 1, offset 0, flags [none], proto TCP (${proto}), length 40)\n    10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 0, length 0`;
  t.match(parse(header('29668', '6')), { kind: 'undecodable', reason: 'IPv4 header fields out of range (ttl 29668, protocol 6)' });
  t.match(parse(header('64', '99999999999')), { kind: 'undecodable', reason: /protocol 99999999999/ });
  t.match(parse('IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto TCP (6), length 40)\n    10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 4294967296, win 0, length 0'), {
    kind: 'undecodable',
    reason: /beyond 32 bits/,
  });
  t.equal(packetOf('IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length 28)\n    10.0.0.1 > 10.0.0.2: ICMP echo request, id 70000, seq 1, length 8')?.icmp, null);
  t.equal(packetOf('IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length 28)\n    10.0.0.1 > 10.0.0.2: ICMP #300 10.0.0.9 unreachable, length 8')?.icmp, null);
  const quoted = packetOf(
    'IP (tos 0x0, ttl 63, id 1, offset 0, flags [none], proto ICMP (1), length 56)\n    10.9.9.9 > 10.0.0.1: ICMP host 10.0.0.2 unreachable, length 36\n' +
      '\tIP (tos 0x0, ttl 999, id 7, offset 0, flags [DF], proto TCP (6), length 40)\n    10.0.0.1.5 > 10.0.0.2.22: Flags [S], seq 1, win 0, length 0',
  );
  t.match(quoted?.icmp, { type: 3, code: 1, quote: null });
});

// tcpdump -n -v lines recorded in the dual-stack lab (article6).
const LAB6_TEXT = [
  '16:47:59.720921 IP6 (flowlabel 0x51580, hlim 64, next-header TCP (6) payload length: 24) 2001:2:0:1::1.58279 > 2001:2:0:4::2.22: Flags [S], cksum 0xee69 (correct), seq 1563962824, win 64240, options [mss 1460], length 0',
  '16:47:59.720934 IP6 (hlim 63, next-header TCP (6) payload length: 20) 2001:2:0:4::2.22 > 2001:2:0:1::1.58279: Flags [R.], cksum 0x0104 (correct), seq 0, ack 1563962825, win 0, length 0',
  '16:47:59.720783 IP6 (flowlabel 0x33281, hlim 61, next-header ICMPv6 (58) payload length: 24) 2001:2:0:4::2 > 2001:2:0:1::1: [icmp6 sum ok] ICMP6, echo reply, id 58279, seq 1',
  '16:47:58.573503 IP6 (flowlabel 0xc443e, hlim 63, next-header ICMPv6 (58) payload length: 88) 2001:2:0:2::2 > 2001:2:0:1::1: [icmp6 sum ok] ICMP6, destination unreachable,  unreachable prohibited 2001:2:0:4::2',
] as const;

const parsed6 = (text: string): DecodedPacket | null => {
  const parsed = parse(text, new TextClock());
  return parsed.kind === 'ipv6' ? parsed.packet : null;
};

t.test('IPv6: TCP, echo and an unreachable from the lab, as the binary decoder reads them', async (t) => {
  const [syn, rst, echo, prohibited] = LAB6_TEXT.map(parsed6);
  t.match(syn, { family: 6, source: '2001:2:0:1::1', destination: '2001:2:0:4::2', ttl: 64, protocol: 6, tcp: { sourcePort: 58279, destinationPort: 22, sequence: 1563962824, flags: 0x02 } });
  t.match(rst, { family: 6, ttl: 63, tcp: { sourcePort: 22, destinationPort: 58279, acknowledgment: 1563962825, flags: 0x14 } });
  t.same([...rst!.addressWords!], [0x20010002, 4, 0, 2, 0x20010002, 1, 0, 1]);
  t.equal(rst!.sourceValue, syn!.destinationValue, 'one digest per address');
  t.match(echo, { family: 6, ttl: 61, protocol: 58, icmp: { type: 129, code: 0, identifier: 58279, sequence: 1 } });
  t.match(prohibited, {
    family: 6,
    source: '2001:2:0:2::2',
    ttl: 63,
    icmp: { type: 1, code: 1, quote: { partial: true, source: '2001:2:0:1::1', destination: '2001:2:0:4::2', sourceValue: syn!.sourceValue, destinationValue: syn!.destinationValue, sourcePort: null, destinationPort: null, ttl: -1 } },
  });
});

t.test('IPv6: every unreachable wording of print-icmp6.c, the old one-line header, and what is refused', async (t) => {
  const head = '12:00:00.000000 IP6 (hlim 62, next-header ICMPv6 (58) payload length: 72) 2001:2:0:2::2 > 2001:2:0:1::1: [icmp6 sum ok] ICMP6, destination unreachable, ';
  const cases: [string, number, Record<string, unknown> | null][] = [
    ['unreachable route 2001:2:0:4::2', 0, { destination: '2001:2:0:4::2', source: '2001:2:0:1::1' }],
    [' unreachable prohibited 2001:2:0:4::2', 1, { destination: '2001:2:0:4::2' }],
    ['beyond scope 2001:2:0:4::2, source address 2001:2:0:9::9', 2, { destination: '2001:2:0:4::2', source: '2001:2:0:9::9' }],
    ['unreachable address 2001:2:0:4::2', 3, { destination: '2001:2:0:4::2' }],
    ['unreachable port, 2001:2:0:4::2 tcp port 8080', 4, { destination: '2001:2:0:4::2', destinationPort: 8080, protocol: 6 }],
    ['unknown unreach code (6)', 6, null],
  ];
  for (const [text, code, quote] of cases) {
    const packet = parsed6(head + text);
    t.match(packet?.icmp, { type: 1, code }, text);
    if (quote === null) t.equal(packet?.icmp?.quote, null, `${text}: no quote`);
    else t.match(packet?.icmp?.quote, { partial: true, ...quote }, `${text}: the quote`);
  }
  t.match(
    parsed6('IP6 (hlim 64, next-header: TCP (6), length: 40) 2001:2::1.50000 > 2001:2::2.22: S 1000:1000(0) win 5840'),
    { family: 6, ttl: 64, tcp: { sourcePort: 50000, destinationPort: 22, sequence: 1000, flags: 0x02 } },
    'the old one-line form',
  );
  t.match(parse('12:00:00.000000 IP6 2001:2::1.50000 > 2001:2::2.22: Flags [S], seq 1, win 5840, length 0', new TextClock()), { kind: 'undecodable', reason: /without -v/ });
  t.match(parse('12:00:00.000000 IP6 (hlim 64, next-header TCP (6) payload length: 20) host-a.50000 > host-b.22: Flags [S], seq 1', new TextClock()), { kind: 'undecodable', reason: /without -n/ });
  t.match(parse('12:00:00.000000 IP6 (hlim 300, next-header TCP (6) payload length: 20) 2001:2::1.1 > 2001:2::2.22: Flags [S], seq 1', new TextClock()), { kind: 'undecodable', reason: /out of range/ });
  t.ok(looksLikeTcpdumpText(`${LAB6_TEXT[1]}\n`), 'an IPv6-only capture is tcpdump text');
});
