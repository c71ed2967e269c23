import t from 'tap';
import { buildSegment, canaryFields, checkFields, probeTagOf, readIdleEvent, segmentMeaning, sequenceAfter, type ConnectionTuple } from '../../src/idle/segments.js';
import { decodeNetwork } from '../../src/packet/network.js';
import { decodeIPv4 } from '../../src/packet/ipv4.js';
import { decodeTcp, TcpFlag } from '../../src/packet/tcp.js';
import { ipv4PseudoHeaderSum } from '../../src/packet/ipv4.js';
import { verifyTcpChecksum, internetChecksum } from '../../src/packet/checksum.js';

const tuple: ConnectionTuple = { localAddress: '198.18.1.1', localPort: 40000, remoteAddress: '198.18.4.2', remotePort: 443 };

t.test('the check: a zero-length ACK with seq = SND.NXT - 1 and ack = RCV.NXT, checksums right', async (t) => {
  const packet = buildSegment(tuple, checkFields(1000, 5000, 64, 7));
  const ip = decodeIPv4(packet);
  t.ok(ip.ok);
  if (!ip.ok) return;
  t.equal(ip.value.header.ttl, 64);
  t.equal(ip.value.header.id, 7);
  t.equal(ip.value.header.dontFragment, true);
  t.equal(internetChecksum(packet, 0, 20), 0, 'IPv4 header checksum');
  const tcp = decodeTcp(ip.value.payload);
  t.ok(tcp.ok);
  if (!tcp.ok) return;
  t.same([tcp.value.sourcePort, tcp.value.destinationPort, tcp.value.sequence, tcp.value.acknowledgment, tcp.value.flags, tcp.value.payloadLength], [40000, 443, 999, 5000, TcpFlag.ACK, 0]);
  t.ok(verifyTcpChecksum(ip.value.payload, ipv4PseudoHeaderSum(ip.value.header, 6, ip.value.payload.length)), 'TCP checksum');
});

t.test('sequence numbers wrap', async (t) => {
  t.equal(checkFields(0, 0, 64, 0).sequence, 0xffffffff);
  t.ok(sequenceAfter(1, 0xffffffff));
  t.notOk(sequenceAfter(0xffffffff, 1));
});

t.test('the canary: a SYN on the same tuple, far from the check sequence', async (t) => {
  const fields = canaryFields(1000, 3, 0x103);
  t.equal(fields.flags, TcpFlag.SYN);
  t.not(fields.sequence, checkFields(1000, 5000, 3, 0).sequence);
});

/** An IPv4 packet from the peer carrying one TCP segment (checksums are not checked on receive). */
function fromPeer(flags: number, sequence: number, acknowledgment: number, ttl = 61, payload = 0, source = '198.18.4.2'): Buffer {
  const segment = buildSegment({ localAddress: source, localPort: 443, remoteAddress: '198.18.1.1', remotePort: 40000 }, { sequence, acknowledgment, flags, ttl, ipId: 1 });
  if (payload === 0) return segment;
  const withData = Buffer.concat([segment, Buffer.alloc(payload, 0x41)]);
  withData.writeUInt16BE(withData.length, 2);
  return withData;
}

t.test('received segments are read from our side of the tuple', async (t) => {
  const event = readIdleEvent(fromPeer(TcpFlag.RST, 5000, 0, 63));
  t.same(event, { type: 'tcp', tuple, flags: TcpFlag.RST, sequence: 5000, acknowledgment: 0, payloadLength: 0, ttl: 63 });
  t.equal(readIdleEvent(Buffer.from([0x45, 0])), null, 'garbage is nothing');
  t.equal(readIdleEvent(Buffer.alloc(0)), null);
});

t.test('an ICMP error quoting our check names the tuple, the quoted sequence and IP ID', async (t) => {
  const check = buildSegment(tuple, checkFields(1000, 5000, 2, 0x0102));
  const icmp = Buffer.alloc(8 + 28);
  icmp[0] = 11; // time exceeded
  check.copy(icmp, 8, 0, 28);
  const header = buildSegment({ localAddress: '198.18.2.2', localPort: 0, remoteAddress: '198.18.1.1', remotePort: 0 }, { sequence: 0, acknowledgment: 0, flags: 0, ttl: 63, ipId: 0 }).subarray(0, 20);
  const packet = Buffer.concat([header, icmp]);
  packet[9] = 1;
  packet.writeUInt16BE(packet.length, 2);
  const event = readIdleEvent(packet);
  t.same(event, { type: 'icmp', error: 'time-exceeded', tuple, from: '198.18.2.2', ttl: 63, icmpType: 11, icmpCode: 0, quotedSequence: 999, quotedIpId: 0x0102 });
});

t.test('what a segment means: only exact sequence numbers count', async (t) => {
  const rcv = 5000;
  const snd = 1000;
  const cases: [string, number, number, number, number, string][] = [
    ['the peer acks our check', TcpFlag.ACK, rcv, snd, 0, 'alive'],
    ['an ACK of something else', TcpFlag.ACK, rcv, snd + 5, 0, 'unrelated'],
    ['an ACK with a wrong seq', TcpFlag.ACK, rcv + 1, snd, 0, 'unrelated'],
    ['a RST with seq = RCV.NXT (a firewall answering our check)', TcpFlag.RST, rcv, 0, 0, 'rst'],
    ['a RST+ACK with seq = RCV.NXT', TcpFlag.RST | TcpFlag.ACK, rcv, snd, 0, 'rst'],
    ['a blind RST one off', TcpFlag.RST, rcv + 1, 0, 0, 'unrelated'],
    ['a FIN', TcpFlag.FIN | TcpFlag.ACK, rcv, snd, 0, 'close'],
    ['a FIN out of sequence', TcpFlag.FIN | TcpFlag.ACK, rcv - 10, snd, 0, 'unrelated'],
    ['data', TcpFlag.ACK | TcpFlag.PSH, rcv, snd, 20, 'data'],
    ['the SYN-ACK', TcpFlag.SYN | TcpFlag.ACK, 4999, snd, 0, 'syn-ack'],
    ['SYN+RST', TcpFlag.SYN | TcpFlag.RST, 4999, snd, 0, 'unrelated'],
  ];
  for (const [name, flags, seq, ack, length, meaning] of cases) t.equal(segmentMeaning(flags, seq, ack, length, rcv, snd), meaning, name);
  t.equal(segmentMeaning(TcpFlag.RST, rcv, 0, 0, null, null), 'unrelated', 'nothing counts before the SYN-ACK is known');
  t.equal(readIdleEvent(fromPeer(TcpFlag.ACK, rcv, snd, 61, 20))?.type === 'tcp' && (readIdleEvent(fromPeer(TcpFlag.ACK, rcv, snd, 61, 20)) as { payloadLength: number }).payloadLength, 20, 'payload length read');
});

t.test('IPv6: the segment carries its tag in the flow label (no IP ID), its hop limit, and reads back', async (t) => {
  const six: ConnectionTuple = { localAddress: '2001:2:0:1::1', localPort: 40000, remoteAddress: '2001:2:0:4::2', remotePort: 443 };
  const packet = buildSegment(six, checkFields(1000, 5000, 3, (2 << 8) | 3));
  const decoded = decodeNetwork(packet);
  t.ok(decoded.ok);
  if (!decoded.ok || decoded.value.header.version !== 6) return;
  t.equal(decoded.value.header.hopLimit, 3);
  t.equal(decoded.value.header.flowLabel, (2 << 8) | 3, 'the tag: attempt << 8 | hop limit');
  t.equal(probeTagOf(decoded.value.header), (2 << 8) | 3);
  const event = readIdleEvent(packet);
  t.match(event, { type: 'tcp', flags: TcpFlag.ACK, sequence: 999, acknowledgment: 5000, payloadLength: 0, ttl: 3 });
});
