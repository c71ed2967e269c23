import t from 'tap';
import { requireAddress } from '../../src/packet/address.js';
import { ipv4PseudoHeaderSum } from '../../src/packet/ipv4.js';
import { ipv6PseudoHeaderSum } from '../../src/packet/ipv6.js';
import {
  arrivalTtl,
  controlError,
  controlProtocol,
  decodeControlMessage,
  decodeNetwork,
  identification,
  isFragment,
  pseudoHeaderSum,
  upperProtocol,
  ttlWords,
  unreachableType,
} from '../../src/packet/network.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
// RST,ACK from 10.0.0.5 (test/packet/ipv4.ts) and a TCP SYN over IPv6 (test/packet/ipv6.ts).
const V4 = hex('450000280000400040066f190a000005c0a8010a00169c40000000005eed000150140000e8d40000');
const V6 = hex('600123450014064020010002000000000000000000000001200100020000000400000000000000029c4001bb01020304000000005002faf0d2e30000');

t.test('decodeNetwork goes by the version nibble', async (t) => {
  const v4 = decodeNetwork(V4);
  const v6 = decodeNetwork(V6);
  if (!v4.ok || !v6.ok) throw new Error('vectors decode');
  t.equal(v4.value.header.version, 4);
  t.equal(v6.value.header.version, 6);
  t.same(
    [upperProtocol(v4.value.header), arrivalTtl(v4.value.header), identification(v4.value.header), isFragment(v4.value.header), controlProtocol(v4.value.header)],
    [6, 64, 0, false, 1],
  );
  t.same([upperProtocol(v6.value.header), arrivalTtl(v6.value.header), identification(v6.value.header), isFragment(v6.value.header), controlProtocol(v6.value.header)], [6, 64, 0, false, 58]);
  t.same(decodeNetwork(Buffer.alloc(0)), { ok: false, reason: 'empty packet' });
  t.same(decodeNetwork(hex('50')), { ok: false, reason: 'invalid IP version (5)' });
  t.same(decodeNetwork(V6.subarray(0, 30)), { ok: false, reason: 'truncated IPv6 header (30 < 40 bytes)' });
});

t.test('control messages and their errors per family', async (t) => {
  const v4 = decodeNetwork(V4);
  const v6 = decodeNetwork(V6);
  if (!v4.ok || !v6.ok) throw new Error('vectors decode');
  t.equal(controlError(v4.value.header, 3), 'unreachable');
  t.equal(controlError(v4.value.header, 11), 'time-exceeded');
  t.equal(controlError(v4.value.header, 0), null);
  t.equal(controlError(v6.value.header, 1), 'unreachable');
  t.equal(controlError(v6.value.header, 3), 'time-exceeded');
  t.equal(controlError(v6.value.header, 11), null, 'ICMPv4 numbers mean nothing in ICMPv6');
  t.equal(controlError(v6.value.header, 2), 'no-verdict', 'packet too big quotes a probe but says nothing of the port');
  t.equal(controlError(v6.value.header, 4), 'no-verdict', 'parameter problem too');
  t.equal(controlError(v4.value.header, 12), null, 'IPv4 parameter problem stays unread');
  t.match(decodeControlMessage(v6.value.header, hex('8100000012340001')), { ok: true, value: { type: 129, echo: { identifier: 0x1234, sequence: 1 } } });
  t.same(decodeControlMessage(v6.value.header, Buffer.alloc(7)), { ok: false, reason: 'truncated ICMPv6 header (7 < 8 bytes)' });
  t.match(decodeControlMessage(v4.value.header, hex('0000000012340001')), { ok: true, value: { type: 0, echo: { identifier: 0x1234, sequence: 1 } } });
});

t.test('pseudoHeaderSum agrees with each family codec', async (t) => {
  const pairs: Array<[string, string]> = [
    ['198.18.1.1', '198.18.4.2'],
    ['255.255.255.255', '0.0.0.0'],
    ['2001:2::1', '2001:2:0:4::2'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::'],
  ];
  for (const [source, destination] of pairs) {
    const codec = source.includes(':') ? ipv6PseudoHeaderSum : ipv4PseudoHeaderSum;
    for (const length of [0, 20, 65535]) {
      t.equal(pseudoHeaderSum(requireAddress(source), requireAddress(destination), 6, length), codec({ source, destination }, 6, length), `${source} -> ${destination}, ${length} bytes`);
    }
  }
  t.throws(() => pseudoHeaderSum(requireAddress('198.18.1.1'), requireAddress('2001:2::1'), 6, 20), new TypeError('addresses of two families (198.18.1.1, 2001:2::1)'));
});

t.test('unreachableType and ttlWords name each family', async (t) => {
  t.equal(unreachableType(4), 3, 'ICMP destination unreachable');
  t.equal(unreachableType(6), 1, 'ICMPv6 destination unreachable');
  t.same(ttlWords(4), { word: 'TTL', Word: 'TTL', plural: 'TTLs', limited: 'TTL-limited' });
  t.same(ttlWords(6), { word: 'hop limit', Word: 'Hop limit', plural: 'hop limits', limited: 'hop-limited' });
});
