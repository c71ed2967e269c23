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
    source: '198.18.1.1',
    destination: '198.18.4.2',
    sourceValue: 0xc6120101,
    destinationValue: 0xc6120402,
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
  t.match(decoder.lastError, /truncated IPv4 header|invalid IP version/);
});
