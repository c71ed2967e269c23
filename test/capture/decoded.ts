import t from 'tap';
import { copyPacket, PacketDecoder } from '../../src/capture/decoded.js';
import { echoPacket, icmpErrorPacket, tcpPacket } from '../helpers/synthesize.js';
import { writeIPv4Header } from '../../src/packet/ipv4.js';

const syn = tcpPacket({ source: '198.18.1.1', destination: '198.18.4.2', ttl: 64, sourcePort: 40000, destinationPort: 22, sequence: 0xfffffffe, flags: 0x02, options: { mss: 1460 } });

t.test('TCP, with the addresses as numbers too', async (t) => {
  const decoder = new PacketDecoder();
  t.ok(decoder.decode(12.5, syn, false));
  t.same(copyPacket(decoder.packet), {
    timestampMs: 12.5,
    family: 4,
    source: '198.18.1.1',
    destination: '198.18.4.2',
    sourceValue: 0xc6120101,
    destinationValue: 0xc6120402,
    addressWords: null,
    ttl: 64,
    protocol: 6,
    laterFragment: false,
    tcp: { sourcePort: 40000, destinationPort: 22, sequence: 0xfffffffe, acknowledgment: 0, flags: 0x02 },
    icmp: null,
  });
});

t.test('the record is reused: copy what you keep', async (t) => {
  const decoder = new PacketDecoder();
  decoder.decode(1, syn, false);
  const first = decoder.packet;
  const kept = copyPacket(first);
  decoder.decode(2, echoPacket({ source: '198.18.4.2', destination: '198.18.1.1', ttl: 61, kind: 'reply', identifier: 9, sequence: 3 }), false);
  t.equal(decoder.packet, first, 'the same object');
  t.same(decoder.packet.icmp, { type: 0, code: 0, identifier: 9, sequence: 3, quote: null });
  t.equal(decoder.packet.tcp, null);
  t.equal(kept.tcp?.destinationPort, 22, 'the copy is unchanged');
});

t.test('an ICMP error quoting a SYN', async (t) => {
  const decoder = new PacketDecoder();
  const error = icmpErrorPacket({ source: '198.18.2.2', destination: '198.18.1.1', ttl: 63, code: 13, quoting: syn, quotedTtl: 62 });
  t.ok(decoder.decode(0, error, false));
  t.same(decoder.packet.icmp, {
    type: 3,
    code: 13,
    identifier: null,
    sequence: null,
    quote: {
      source: '198.18.1.1',
      destination: '198.18.4.2',
      sourceValue: 0xc6120101,
      destinationValue: 0xc6120402,
      addressWords: null,
      partial: false,
      ttl: 62,
      protocol: 6,
      sourcePort: 40000,
      destinationPort: 22,
      sequence: 0xfffffffe,
    },
  });
});

t.test('snapped, fragmented and undecodable packets', async (t) => {
  const decoder = new PacketDecoder();
  const big = tcpPacket({ source: '10.0.0.1', destination: '10.0.0.2', ttl: 50, sourcePort: 1, destinationPort: 2, flags: 0x10, payloadLength: 500 });
  t.notOk(decoder.decode(0, big.subarray(0, 60), false), 'cut short without a snapshot length: undecodable');
  t.match(decoder.lastError, /truncated IPv4 packet/);
  t.ok(decoder.decode(0, big.subarray(0, 60), true), 'cut by the snapshot length: the headers still decode');
  t.equal(decoder.packet.tcp?.flags, 0x10);
  t.notOk(decoder.decode(0, big.subarray(0, 30), true), 'not even the TCP header');
  t.match(decoder.lastError, /truncated TCP header/);
  const fragment = Buffer.alloc(60);
  writeIPv4Header(fragment, 0, { id: 1, ttl: 30, protocol: 6, source: '10.0.0.1', destination: '10.0.0.2', totalLength: 60 });
  fragment.writeUInt16BE(185, 6); // offset 1480
  t.ok(decoder.decode(0, fragment, false));
  t.match(decoder.packet, { laterFragment: true, tcp: null, ttl: 30 });
  t.notOk(decoder.decode(0, Buffer.from('6000000000000000', 'hex'), false));
  t.match(decoder.lastError, /truncated IPv6 header/);
  t.notOk(decoder.decode(0, Buffer.from('5000000000000000', 'hex'), false));
  t.match(decoder.lastError, /truncated IPv4 header|invalid IP version/);
});

// IPv6 packets recorded by tcpdump -i any in the dual-stack lab (article6: client 2001:2:0:1::1, firewall
// 2001:2:0:2::2 at hop 2 with ip6tables REJECT --reject-with icmp6-adm-prohibited for 8080 and tcp-reset for 22,
// server 2001:2:0:4::2 at hop 4), the link header removed.
const LAB6 = {
  syn8080:
    '600a6f3d002806402001000200000001000000000000000120010002000000040000000000000002e9e81f90980a381f00000000a002fd20403c0000020405a00402080a57b1fae8000000000103030a',
  prohibited:
    '600c443e00583a3f20010002000000020000000000000002200100020000000100000000000000010101874a00000000600a6f3d0028063e2001000200000001000000000000000120010002000000040000000000000002e9e81f90980a381f00000000a002fd20403c0000020405a00402080a57b1fae8000000000103030a',
  forgedRst22: '600000000014063f20010002000000040000000000000002200100020000000100000000000000010016e3a7000000005d382dc95014000001040000',
  echoReply: '6003328100183a3d2001000200000004000000000000000220010002000000010000000000000001810048 84e3a7000171ca5af07474 6c2d70726f6265202020'.replace(/ /g, ''),
} as const;

t.test('IPv6 from the lab: TCP, ICMPv6 echo and an unreachable quoting the SYN', async (t) => {
  const decoder = new PacketDecoder();
  t.ok(decoder.decode(1, Buffer.from(LAB6.forgedRst22, 'hex'), false), decoder.lastError);
  const rst = copyPacket(decoder.packet);
  t.match(rst, { family: 6, source: '2001:2:0:4::2', destination: '2001:2:0:1::1', ttl: 63, protocol: 6, tcp: { sourcePort: 22, destinationPort: 58279, acknowledgment: 1563962825, flags: 0x14 } });
  t.same([...rst.addressWords!], [0x20010002, 4, 0, 2, 0x20010002, 1, 0, 1], 'the 128-bit addresses as words');
  t.ok(decoder.decode(2, Buffer.from(LAB6.syn8080, 'hex'), false));
  const syn = copyPacket(decoder.packet);
  t.match(syn, { family: 6, source: '2001:2:0:1::1', destination: '2001:2:0:4::2', ttl: 64, tcp: { sourcePort: 59880, destinationPort: 8080, sequence: 2550806559, flags: 0x02 } });
  t.equal(syn.sourceValue, rst.destinationValue, 'one digest per address');
  t.not(syn.sourceValue, syn.destinationValue);
  t.ok(decoder.decode(3, Buffer.from(LAB6.prohibited, 'hex'), false));
  t.match(decoder.packet, {
    family: 6,
    source: '2001:2:0:2::2',
    ttl: 63,
    protocol: 58,
    icmp: {
      type: 1,
      code: 1,
      quote: { source: '2001:2:0:1::1', destination: '2001:2:0:4::2', sourceValue: syn.sourceValue, destinationValue: syn.destinationValue, ttl: 62, protocol: 6, sourcePort: 59880, destinationPort: 8080, sequence: 2550806559, partial: false },
    },
  });
  t.ok(decoder.decode(4, Buffer.from(LAB6.echoReply, 'hex'), false));
  t.match(decoder.packet, { family: 6, ttl: 61, icmp: { type: 129, identifier: 0xe3a7, sequence: 1, quote: null } });
});

t.test('IPv6 extension headers: walked to TCP; a later fragment has no transport header; a hostile length is undecodable', async (t) => {
  const rst = Buffer.from(LAB6.forgedRst22, 'hex');
  // Hop-by-hop (0) -> destination options (60) -> TCP (6), each 8 bytes.
  const hbh = Buffer.from('3c00010400000000', 'hex');
  const dest = Buffer.from('0600010400000000', 'hex');
  const chained = Buffer.concat([rst.subarray(0, 40), hbh, dest, rst.subarray(40)]);
  chained.writeUInt16BE(chained.length - 40, 4);
  chained[6] = 0;
  const decoder = new PacketDecoder();
  t.ok(decoder.decode(0, chained, false), decoder.lastError);
  t.match(decoder.packet, { family: 6, protocol: 6, laterFragment: false, tcp: { sourcePort: 22, flags: 0x14 } });
  const fragment = Buffer.concat([rst.subarray(0, 40), Buffer.from('0600053900000001', 'hex'), rst.subarray(40)]);
  fragment.writeUInt16BE(fragment.length - 40, 4);
  fragment[6] = 44;
  t.ok(decoder.decode(0, fragment, false));
  t.match(decoder.packet, { protocol: 6, laterFragment: true, tcp: null });
  const hostile = Buffer.concat([rst.subarray(0, 40), Buffer.from('06ff000000000000', 'hex')]);
  hostile.writeUInt16BE(8, 4);
  hostile[6] = 0;
  t.notOk(decoder.decode(0, hostile, false));
  t.match(decoder.lastError, /truncated IPv6 extension header 0/);
});
