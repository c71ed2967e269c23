import t from 'tap';
import { requireAddress } from '../../src/packet/address.js';
import { decodeIPv4, IpProtocol } from '../../src/packet/ipv4.js';
import { decodeTcp, TcpFlag } from '../../src/packet/tcp.js';
import { finishChecksum, onesComplementSum } from '../../src/packet/checksum.js';
import { cookie } from '../../src/probe/cookie.js';
import { FULL_SYN_PACKET_BYTES, fullSynOptions, SYN_PACKET_BYTES, synSequence, tcpSyn } from '../../src/probe/tcp-syn.js';
import { icmpErrorPacket, tcpPacket } from '../helpers/fake-network.js';

const key = [0x01234567, 0x89abcdef] as const;
const flow = { source: requireAddress('198.18.1.1'), destination: requireAddress('198.18.4.2'), flowId: 40000 };

/** The TCP checksum over the pseudo-header and segment folds to 0 when right. */
function tcpChecksumHolds(packet: Buffer): boolean {
  const pseudo = Buffer.alloc(12);
  packet.copy(pseudo, 0, 12, 20);
  pseudo[9] = IpProtocol.TCP;
  pseudo.writeUInt16BE(packet.length - 20, 10);
  return finishChecksum(onesComplementSum(packet, 20, packet.length, onesComplementSum(pseudo))) === 0;
}

t.test('build patches the per-probe fields and keeps both checksums right', async (t) => {
  const template = tcpSyn.prepare(flow, key);
  const cases = [
    { port: 22, ttl: 64, ipId: 0x1234, tag: 0 },
    { port: 65535, ttl: 1, ipId: 0xffff, tag: 3 },
    { port: 1, ttl: 255, ipId: 0, tag: 0 },
  ];
  for (const fields of cases) {
    const packet = template.build(fields.port, fields.ttl, fields.ipId, fields.tag);
    t.equal(packet.length, SYN_PACKET_BYTES);
    const ip = decodeIPv4(packet);
    if (!ip.ok) throw new Error(ip.reason);
    t.match(ip.value.header, { source: '198.18.1.1', destination: '198.18.4.2', ttl: fields.ttl, id: fields.ipId, protocol: IpProtocol.TCP, dontFragment: true });
    t.equal(finishChecksum(onesComplementSum(packet, 0, 20)), 0, `IP header checksum for ${JSON.stringify(fields)}`);
    const tcp = decodeTcp(ip.value.payload);
    if (!tcp.ok) throw new Error(tcp.reason);
    t.match(tcp.value, { sourcePort: 40000, destinationPort: fields.port, sequence: synSequence(key, flow, fields.port, fields.tag), flags: TcpFlag.SYN, options: { mss: 1460 } });
    t.ok(tcpChecksumHolds(packet), `TCP checksum for ${JSON.stringify(fields)}`);
  }
  t.same(template.build(22, 64, 1, 0), template.build(22, 64, 1, 0), 'deterministic');
  t.not(template.build(22, 64, 1, 0), template.build(22, 64, 1, 0), 'a fresh buffer per probe (sends may be queued)');
});

t.test('buildBeforeResend: a bare RST at the cookie + 1, for either family', async (t) => {
  const template = tcpSyn.prepare(flow, key);
  const packet = template.buildBeforeResend!(443, 64, 0x2222, 0)!;
  const ip = decodeIPv4(packet);
  if (!ip.ok) throw new Error(ip.reason);
  t.match(ip.value.header, { source: '198.18.1.1', destination: '198.18.4.2', ttl: 64, id: 0x2222, protocol: IpProtocol.TCP });
  t.equal(finishChecksum(onesComplementSum(packet, 0, 20)), 0, 'IP header checksum');
  const tcp = decodeTcp(ip.value.payload);
  if (!tcp.ok) throw new Error(tcp.reason);
  t.match(tcp.value, { sourcePort: 40000, destinationPort: 443, sequence: (synSequence(key, flow, 443) + 1) >>> 0, acknowledgment: 0, flags: TcpFlag.RST });
  t.ok(tcpChecksumHolds(packet), 'TCP checksum');
  const v6 = { source: requireAddress('2001:2::1'), destination: requireAddress('2001:2:0:4::2'), flowId: 40000 };
  const v6Template = tcpSyn.prepare(v6, key);
  const v6Reset = v6Template.buildBeforeResend!(443, 64, 0, 0)!;
  t.equal(v6Reset.length, 40 + 20, 'over IPv6: 40-byte header, 20-byte segment');
  t.same(v6Reset.subarray(0, 4), v6Template.build(443, 64, 0, 0).subarray(0, 4), 'the flow label of the SYNs, so the RST takes their path');
});

t.test('the cookie takes one word per IPv4 address and four per IPv6 address', async (t) => {
  t.equal(synSequence(key, flow, 22, 5), cookie(key, [0xc6120101, 0xc6120402, (40000 << 16) | 22, 5]));
  const v6 = { source: requireAddress('2001:2::1'), destination: requireAddress('2001:2:0:4::2'), flowId: 40000 };
  t.equal(synSequence(key, v6, 22), cookie(key, [0x20010002, 0, 0, 1, 0x20010002, 0x00000004, 0, 2, (40000 << 16) | 22, 0]));
  t.equal(tcpSyn.prepare(v6, key).build(22, 64, 0, 0).length, 40 + 24, 'an IPv6 SYN: 40-byte header, the same 24-byte segment');
});

t.test('matchReply: unrelated traffic, aimed but invalid, and answers', async (t) => {
  const template = tcpSyn.prepare(flow, key);
  const sentTags = (port: number): readonly number[] | null => (port === 22 ? [0, 3] : null);
  const reply = (fields: Partial<Parameters<typeof tcpPacket>[0]>) => {
    const packet = tcpPacket({ source: '198.18.4.2', destination: '198.18.1.1', sourcePort: 22, destinationPort: 40000, sequence: 1, acknowledgment: (synSequence(key, flow, 22, 3) + 1) >>> 0, flags: TcpFlag.RST | TcpFlag.ACK, ttl: 63, ...fields });
    const ip = decodeIPv4(packet);
    if (!ip.ok) throw new Error(ip.reason);
    return template.matchReply(ip.value.header, ip.value.payload, sentTags);
  };
  t.same(reply({}), { status: 'match', subject: 22, tag: 3, kind: 'rst' }, 'names the tag it answers');
  t.same(reply({ source: '198.18.9.9' }), { status: 'unrelated' }, 'another host');
  t.same(reply({ destinationPort: 40001 }), { status: 'unrelated' }, 'another source port');
  t.match(reply({ sourcePort: 25 }), { status: 'invalid', reason: 'port 25 was not probed' });
  t.match(reply({ acknowledgment: 5 }), { status: 'invalid', reason: /acknowledgment/ });
});

t.test('matchQuote: the cookie in the quoted sequence number', async (t) => {
  const template = tcpSyn.prepare(flow, key);
  const sentTags = (port: number): readonly number[] | null => (port === 22 ? [0, 7] : null);
  const quoteOf = (syn: Buffer) => {
    const error = icmpErrorPacket({ from: '198.18.2.2', to: '198.18.1.1', ttl: 63, type: 11, code: 0, quoted: syn });
    const quoted = decodeIPv4(error.subarray(28), { allowTruncated: true });
    if (!quoted.ok) throw new Error(quoted.reason);
    return template.matchQuote(quoted.value.header, quoted.value.payload, sentTags);
  };
  t.same(quoteOf(template.build(22, 2, 0x0102, 7)), { status: 'match', subject: 22, tag: 7, kind: 'icmp-unreachable' });
  t.match(quoteOf(template.build(22, 2, 0x0102, 8)), { status: 'invalid', reason: 'quoted sequence is not our cookie' }, 'a tag never sent');
  t.match(quoteOf(template.build(80, 2, 0x0102, 0)), { status: 'invalid', reason: 'quoted port 80 was not probed' });
  const other = tcpSyn.prepare({ ...flow, destination: requireAddress('198.18.4.3') }, key);
  t.same(quoteOf(other.build(22, 2, 1, 0)), { status: 'unrelated' }, 'a probe of another flow');
});

t.test('forTrace: a Linux client SYN in Linux layout, same flow and cookies, made once', async (t) => {
  const plain = tcpSyn.prepare(flow, key);
  const trace = plain.forTrace();
  t.equal(plain.forTrace(), trace, 'one variant per flow');
  t.equal(trace.forTrace(), trace);
  const packet = trace.build(443, 3, 0x0103, 3);
  t.equal(packet.length, FULL_SYN_PACKET_BYTES);
  t.equal(packet.readUInt16BE(2), 60, 'IP total length');
  t.equal(finishChecksum(onesComplementSum(packet, 0, 20)), 0, 'IP header checksum');
  t.ok(tcpChecksumHolds(packet), 'TCP checksum');
  t.equal(packet[20 + 12], 0xa0, 'data offset 10 words');
  t.equal(packet[20 + 13], TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR, 'an ECN-setup SYN');
  const ts = fullSynOptions(key).timestamp!.value;
  const tsHex = ts.toString(16).padStart(8, '0');
  t.equal(packet.subarray(40).toString('hex'), `020405b4` + `0402080a${tsHex}00000000` + `01030307`, 'MSS, SACK_PERM, TS, NOP, WS 7 as Linux lays them out');
  const tcp = decodeTcp(packet.subarray(20));
  if (!tcp.ok) throw new Error(tcp.reason);
  t.equal(tcp.value.sequence, synSequence(key, flow, 443, 3), 'the same cookie as the plain probe');
  t.equal(tcp.value.window, 64240);
  t.not(fullSynOptions([1, 2]).timestamp!.value, ts, 'the timestamp value comes from the key');
});

t.test('compareQuote of the trace template: Linux full quote vs what was sent', async (t) => {
  const trace = tcpSyn.prepare(flow, key).forTrace();
  const sent = trace.build(443, 3, 0x0103, 3);
  const quoteOf = (bytes: Buffer) => {
    const ip = decodeIPv4(bytes, { allowTruncated: true });
    if (!ip.ok) throw new Error(ip.reason);
    return { header: ip.value.header, transport: ip.value.payload };
  };
  const asArrived = Buffer.from(sent);
  asArrived[8] = 1;
  const clean = trace.compareQuote(sent, quoteOf(asArrived), 1);
  t.same(clean.differences, [], 'a packet quoted as it arrived (TTL 1) shows no change');
  t.equal(clean.quotedBytes, 40);
  t.same(clean.unseen, []);
  const clamped = Buffer.from(asArrived);
  clamped.writeUInt16BE(1200, 42);
  t.same(trace.compareQuote(sent, quoteOf(clamped), 1).differences, [{ field: 'tcp.mss', sent: 1460, seen: 1200 }]);
});
