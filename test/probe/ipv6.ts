// The probe modules over IPv6: what they send (hex), and what the classifier makes of real reply shapes.
import t from 'tap';
import { requireAddress } from '../../src/packet/address.js';
import { finishChecksum, onesComplementSum } from '../../src/packet/checksum.js';
import { decodeIPv6, writeIPv6Header } from '../../src/packet/ipv6.js';
import { decodeNetwork, pseudoHeaderSum, type NetworkPacket } from '../../src/packet/network.js';
import { TcpFlag, writeTcpSegment } from '../../src/packet/tcp.js';
import { classifyReply, type ProbedTarget } from '../../src/probe/classify-reply.js';
import { flowLabelOf } from '../../src/probe/flow-label.js';
import { icmpEcho } from '../../src/probe/icmp-echo.js';
import { synSequence, tcpSyn } from '../../src/probe/tcp-syn.js';

const key = [0x01234567, 0x89abcdef] as const;
const CLIENT = '2001:2:0:1::1';
const SERVER = '2001:2:0:4::2';
const FIREWALL = '2001:2:0:2::2';
const flow = { source: requireAddress(CLIENT), destination: requireAddress(SERVER), flowId: 40000 };
const syn = tcpSyn.prepare(flow, key);
const echo = icmpEcho.prepare(flow, key);
const hex = (buffer: Buffer): string => buffer.toString('hex');

/** The upper layer's checksum over the IPv6 pseudo-header folds to 0 when right. */
function upperChecksumHolds(packet: Buffer): boolean {
  const ip = decodeIPv6(packet);
  if (!ip.ok) return false;
  const pseudo = pseudoHeaderSum(requireAddress(ip.value.header.source), requireAddress(ip.value.header.destination), ip.value.header.nextHeader, ip.value.payload.length);
  return finishChecksum(onesComplementSum(ip.value.payload, 0, ip.value.payload.length, pseudo)) === 0;
}

t.test('an IPv6 SYN: the same segment, our header, hop limit per probe, one flow label per target', async (t) => {
  const label = flowLabelOf(key, flow);
  t.ok(label > 0 && label <= 0xfffff, 'a 20-bit label, never 0');
  const packet = syn.build(22, 64, 0x1234, 0);
  const sequence = synSequence(key, flow, 22);
  t.equal(packet.length, 64);
  t.equal(
    hex(packet),
    (((6 << 28) | label) >>> 0).toString(16).padStart(8, '0') +
      '00180640' + // payload 24, next header TCP, hop limit 64
      '20010002000000010000000000000001' + '20010002000000040000000000000002' +
      '9c400016' + sequence.toString(16).padStart(8, '0') + '00000000' + '6002faf0' + hex(packet.subarray(56, 58)) + '0000' + '020405b4',
    'header, SYN with window 64240 and MSS 1460',
  );
  t.ok(upperChecksumHolds(packet), 'TCP checksum over the IPv6 pseudo-header');
  const limited = syn.build(22, 3, 0x0303, 0x0303);
  t.equal(limited[7], 3, 'the hop limit is the probe\'s TTL');
  t.ok(upperChecksumHolds(limited), 'still right with another tag');
  t.equal(limited.readUInt32BE(0) & 0xfffff, label, 'the same label at every TTL (Paris traceroute)');
  t.equal(syn.build(443, 64, 0, 0).readUInt32BE(0) & 0xfffff, label, 'and on every port');
  const other = tcpSyn.prepare({ ...flow, destination: requireAddress('2001:2:0:4::3') }, key).build(22, 64, 0, 0);
  t.not(other.readUInt32BE(0) & 0xfffff, label, 'another target, another label (by the key)');
});

t.test('an ICMPv6 echo request: type 128, the cookie, the checksum over the pseudo-header, the SYNs\' label', async (t) => {
  const packet = echo.build(1, 64, 0, 0);
  t.equal(packet[6], 58, 'next header ICMPv6');
  t.equal(packet[40], 128);
  t.equal(packet.readUInt16BE(44), 40000, 'identifier = flow id');
  t.equal(packet.readUInt16BE(46), 1, 'sequence = subject');
  t.ok(upperChecksumHolds(packet), 'ICMPv6 checksum');
  t.ok(upperChecksumHolds(echo.build(65535, 1, 0, 9)), 'for any sequence and tag');
  t.equal(packet.readUInt32BE(0) & 0xfffff, syn.build(22, 64, 0, 0).readUInt32BE(0) & 0xfffff, 'echoes and SYNs of a target share one label');
  t.equal(echo.protocol, 58);
  t.equal(syn.protocol, 6);
});

const sentTags = (tags: readonly number[]) => (subject: number): readonly number[] | null => (subject === 22 || subject === 443 || (subject >= 1 && subject <= 3) ? tags : null);
const probed: ProbedTarget = { address: SERVER, flows: [{ template: syn, sentTags: sentTags([0, 0x0102]) }, { template: echo, sentTags: sentTags([0]) }] };
const context = { targets: new Map([[SERVER, probed]]), sentTtl: 64 };

/** What the IPv6 transport hands over: header fields and payload, no header bytes. */
function received(source: string, hopLimit: number, nextHeader: number, payload: Buffer): NetworkPacket {
  return {
    header: { version: 6, trafficClass: 0, flowLabel: 0, payloadLength: payload.length, nextHeader, hopLimit, source, destination: CLIENT },
    payload,
    truncated: false,
  };
}

function tcpReply(fields: { sourcePort?: number; flags: number; ack: number }): Buffer {
  const segment = Buffer.alloc(20);
  writeTcpSegment(segment, 0, { sourcePort: fields.sourcePort ?? 22, destinationPort: 40000, sequence: 7, acknowledgment: fields.ack, flags: fields.flags, window: 0 }, () => 0);
  return segment;
}

/** An ICMPv6 error of `type`/`code` quoting `probe` (the whole of it: IPv6 errors quote up to 1280 bytes). */
function icmpv6Error(type: number, code: number, probe: Buffer): Buffer {
  const message = Buffer.alloc(8 + probe.length);
  message[0] = type;
  message[1] = code;
  probe.copy(message, 8);
  return message;
}

t.test('replies over IPv6 through the classifier', async (t) => {
  const sequence = synSequence(key, flow, 22);
  t.match(classifyReply(received(SERVER, 61, 6, tcpReply({ flags: TcpFlag.SYN | TcpFlag.ACK, ack: sequence + 1 })), context), { type: 'answer', kind: 'syn-ack', subject: 22, from: SERVER, ttl: 61, icmp: null });
  t.match(classifyReply(received(SERVER, 63, 6, tcpReply({ flags: TcpFlag.RST | TcpFlag.ACK, ack: sequence + 1 })), context), { type: 'answer', kind: 'rst', subject: 22, ttl: 63 });
  t.match(classifyReply(received(SERVER, 63, 6, tcpReply({ flags: TcpFlag.RST | TcpFlag.ACK, ack: sequence })), context), { type: 'ignored', reason: 'the acknowledgment is not our SYN sequence + 1' });
  t.match(classifyReply(received(SERVER, 63, 6, tcpReply({ sourcePort: 80, flags: TcpFlag.RST | TcpFlag.ACK, ack: 1 })), context), { type: 'ignored', reason: 'port 80 was not probed' });
  t.same(classifyReply(received('2001:2:0:4::9', 61, 6, tcpReply({ flags: TcpFlag.SYN | TcpFlag.ACK, ack: sequence + 1 })), context), { type: 'unrelated' }, 'another host');

  const request = echo.build(2, 64, 0, 0);
  const reply = Buffer.from(request.subarray(40));
  reply[0] = 129;
  t.match(classifyReply(received(SERVER, 61, 58, reply), context), { type: 'answer', kind: 'echo-reply', subject: 2, ttl: 61 });
  const forged = Buffer.from(reply);
  forged.writeUInt32BE(0xdeadbeef, 8);
  t.match(classifyReply(received(SERVER, 61, 58, forged), context), { type: 'ignored', reason: 'echo reply without our cookie' });

  // Every destination-unreachable code (RFC 4443 3.1) quoting our SYN is the port's unreachable answer.
  const probe = syn.build(22, 64, 0, 0);
  for (let code = 0; code <= 6; code++) {
    t.match(
      classifyReply(received(FIREWALL, 63, 58, icmpv6Error(1, code, probe)), context),
      { type: 'answer', kind: 'icmp-unreachable', subject: 22, from: FIREWALL, ttl: 63, icmp: { icmpType: 1, icmpCode: code, quotedTtl: 64, sentTtl: 64 } },
      `destination unreachable code ${code}`,
    );
  }
  const limited = syn.build(22, 2, 0x0102, 0x0102);
  limited[7] = 1; // the router decremented it before giving up
  t.match(classifyReply(received(FIREWALL, 63, 58, icmpv6Error(3, 0, limited)), context), { type: 'time-exceeded', subject: 22, tag: 0x0102, from: FIREWALL, ttl: 63 });
  t.match(classifyReply(received(FIREWALL, 63, 58, icmpv6Error(2, 0, probe)), context), { type: 'ignored', reason: 'control message type 2 code 0 quoting our probe (no verdict)' }, 'packet too big');
  t.match(classifyReply(received(FIREWALL, 63, 58, icmpv6Error(4, 1, probe)), context), { type: 'ignored', reason: 'control message type 4 code 1 quoting our probe (no verdict)' }, 'parameter problem');
  const notOurs = Buffer.from(probe);
  notOurs.writeUInt32BE(0x11111111, 44);
  t.match(classifyReply(received(FIREWALL, 63, 58, icmpv6Error(1, 4, notOurs)), context), { type: 'ignored', reason: 'quoted sequence is not our cookie' });
  t.match(classifyReply(received(FIREWALL, 63, 58, icmpv6Error(1, 3, echo.build(1, 64, 0, 0))), context), { type: 'answer', kind: 'icmp-unreachable', subject: 1 }, 'a quoted echo request');
});

t.test('a whole IPv6 packet as bytes classifies as its split form does', async (t) => {
  const sequence = synSequence(key, flow, 443);
  const segment = tcpReply({ sourcePort: 443, flags: TcpFlag.SYN | TcpFlag.ACK, ack: sequence + 1 });
  const whole = Buffer.alloc(40 + segment.length);
  writeIPv6Header(whole, 0, { payloadLength: segment.length, nextHeader: 6, hopLimit: 61, source: SERVER, destination: CLIENT });
  segment.copy(whole, 40);
  const split = decodeNetwork(whole);
  if (!split.ok) throw new Error(split.reason);
  t.same(classifyReply(whole, context), classifyReply(split.value, context));
  t.match(classifyReply(whole, context), { type: 'answer', kind: 'syn-ack', subject: 443 });
});

t.test('an ICMPv6 time exceeded: the quote and any MPLS labels (RFC 4884 length in 64-bit words) reach the tracer', async (t) => {
  const limited = syn.build(443, 2, 0x0102, 0x0102);
  limited[7] = 1;
  const plain = classifyReply(received(FIREWALL, 63, 58, icmpv6Error(3, 0, limited)), context);
  t.match(plain, { type: 'time-exceeded', subject: 443, mpls: [] });
  t.same(plain.type === 'time-exceeded' && plain.quote.transport, limited.subarray(40), 'the whole quoted SYN');
  const padded = Buffer.alloc(128);
  limited.copy(padded);
  const withLabels = Buffer.concat([icmpv6Error(3, 0, padded), Buffer.from('20000000000801010003e13f', 'hex')]);
  withLabels[4] = 16;
  t.match(classifyReply(received(FIREWALL, 63, 58, withLabels), context), { type: 'time-exceeded', subject: 443, mpls: [{ label: 62, s: true, ttl: 0x3f }] });
});
