import t from 'tap';
import { requireAddress } from '../../src/packet/address.js';
import { internetChecksum } from '../../src/packet/checksum.js';
import { decodeIcmp, IcmpType, writeIcmpEcho } from '../../src/packet/icmp.js';
import { decodeIPv4, IpProtocol, writeIPv4Header } from '../../src/packet/ipv4.js';
import { classifyReply, type ProbedTarget } from '../../src/probe/classify-reply.js';
import { ECHO_DATA_BYTES, echoCookie, icmpEcho } from '../../src/probe/icmp-echo.js';
import { icmpErrorPacket } from '../helpers/fake-network.js';

const key = [0x01234567, 0x89abcdef] as const;
const CLIENT = '198.18.1.1';
const SERVER = '198.18.4.2';
const flow = { source: requireAddress(CLIENT), destination: requireAddress(SERVER), flowId: 40000 };
const sentTags = (sequence: number): readonly number[] | null => (sequence >= 1 && sequence <= 3 ? [0] : null);

/** An echo reply as a host's stack makes it: the request's identifier, sequence and data sent back. */
function replyTo(request: Buffer, fields: { source?: string; ttl?: number; identifier?: number; data?: Buffer } = {}): Buffer {
  const ip = decodeIPv4(request);
  if (!ip.ok) throw new Error(ip.reason);
  const icmp = decodeIcmp(ip.value.payload);
  if (!icmp.ok || !icmp.value.echo) throw new Error('not an echo');
  const data = fields.data ?? icmp.value.echo.data;
  const packet = Buffer.alloc(28 + data.length);
  writeIPv4Header(packet, 0, { id: 9, ttl: fields.ttl ?? 61, protocol: IpProtocol.ICMP, source: fields.source ?? SERVER, destination: CLIENT, totalLength: packet.length });
  writeIcmpEcho(packet, 20, { type: IcmpType.ECHO_REPLY, identifier: fields.identifier ?? icmp.value.echo.identifier, sequence: icmp.value.echo.sequence, data });
  return packet;
}

function match(template: ReturnType<typeof icmpEcho.prepare>, packet: Buffer) {
  const ip = decodeIPv4(packet);
  if (!ip.ok) throw new Error(ip.reason);
  return template.matchReply(ip.value.header, ip.value.payload, sentTags);
}

t.test('build: an echo request with the flow identifier, the subject as sequence and the cookie first in its data', async (t) => {
  const template = icmpEcho.prepare(flow, key);
  const packet = template.build(2, 17, 0xbeef, 5);
  const ip = decodeIPv4(packet);
  if (!ip.ok) throw new Error(ip.reason);
  t.match(ip.value.header, { source: CLIENT, destination: SERVER, ttl: 17, id: 0xbeef, protocol: IpProtocol.ICMP });
  t.equal(internetChecksum(packet, 0, 20), 0, 'IP header checksum');
  t.equal(internetChecksum(ip.value.payload), 0, 'ICMP checksum');
  const icmp = decodeIcmp(ip.value.payload);
  if (!icmp.ok || !icmp.value.echo) throw new Error('not an echo');
  t.match(icmp.value, { type: IcmpType.ECHO_REQUEST, code: 0, echo: { identifier: 40000, sequence: 2 } });
  t.equal(icmp.value.echo.data.length, ECHO_DATA_BYTES);
  t.equal(icmp.value.echo.data.readUInt32BE(0), echoCookie(key, flow, 2, 5));
  t.equal(icmp.value.echo.data.subarray(4).toString('latin1'), 'ttl-probe   ', 'a marker a capture shows');
  t.not(template.build(1, 64, 1, 0), template.build(1, 64, 1, 0), 'a fresh buffer per probe');
});

t.test('matchReply: only the target, our identifier, a sent sequence and our cookie', async (t) => {
  const template = icmpEcho.prepare(flow, key);
  const request = template.build(2, 64, 1, 0);
  t.same(match(template, replyTo(request)), { status: 'match', subject: 2, tag: 0, kind: 'echo-reply' });
  t.same(match(template, replyTo(request, { source: '198.18.9.9' })), { status: 'unrelated' }, 'another host');
  t.same(match(template, replyTo(request, { identifier: 40001 })), { status: 'unrelated' }, "another run's identifier");
  t.match(match(template, replyTo(request, { data: Buffer.from('00000000', 'hex') })), { status: 'invalid', reason: 'echo reply without our cookie' });
  t.match(match(template, replyTo(request, { data: Buffer.alloc(2) })), { status: 'invalid', reason: 'echo reply without our cookie' }, 'data too short for a cookie');
  t.match(match(template, replyTo(template.build(9, 64, 1, 0))), { status: 'invalid', reason: 'echo sequence 9 was not sent' });
  const otherKey = icmpEcho.prepare(flow, [1, 2]);
  t.match(match(template, replyTo(otherKey.build(2, 64, 1, 0))), { status: 'invalid' }, "another run's key");
});

t.test('an ICMP error quoting our echo goes to the echo flow; a 28-byte quote proves nothing', async (t) => {
  const template = icmpEcho.prepare(flow, key);
  const target: ProbedTarget = { address: SERVER, flows: [{ template, sentTags }] };
  const context = { targets: new Map([[SERVER, target]]), sentTtl: 3 };
  const request = template.build(3, 3, 0x0203, 0);
  const whole = Buffer.alloc(28 + request.length);
  writeIPv4Header(whole, 0, { id: 1, ttl: 62, protocol: IpProtocol.ICMP, source: '198.18.2.2', destination: CLIENT, totalLength: whole.length });
  whole[20] = IcmpType.TIME_EXCEEDED;
  request.copy(whole, 28);
  whole.writeUInt16BE(internetChecksum(whole, 20), 22);
  t.match(classifyReply(whole, context), { type: 'time-exceeded', target, subject: 3, tag: 0, from: '198.18.2.2', ttl: 62, quotedIpId: 0x0203 });
  const short = icmpErrorPacket({ from: '198.18.2.2', to: CLIENT, ttl: 62, type: IcmpType.TIME_EXCEEDED, code: 0, quoted: request });
  t.match(classifyReply(short, context), { type: 'ignored', reason: 'quoted echo too short to hold our cookie' });
});
