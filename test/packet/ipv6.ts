import t from 'tap';
import { verifyTcpChecksum, internetChecksum } from '../../src/packet/checksum.js';
import { decodeIPv6, ipv6PseudoHeaderSum, writeIPv6Header, type IPv6Header } from '../../src/packet/ipv6.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

interface Vector {
  name: string;
  bytes: string;
  header: IPv6Header;
  payloadLength: number;
}

// Checksums computed independently (Python, RFC 8200 section 8.1 pseudo-header).
const SYN = '6001234500140640' + '20010002000000000000000000000001' + '20010002000000040000000000000002' + '9c4001bb01020304000000005002faf0d2e30000';
const ECHO_REPLY = '6b80000000113a3d' + '20010002000000040000000000000002' + '20010002000000000000000000000001' + '81007ce89c40000774746c2d70726f6265';

const VECTORS: Vector[] = [
  {
    name: 'TCP SYN with a flow label',
    bytes: SYN,
    header: { version: 6, trafficClass: 0, flowLabel: 0x12345, payloadLength: 20, nextHeader: 6, hopLimit: 64, source: '2001:2::1', destination: '2001:2:0:4::2' },
    payloadLength: 20,
  },
  {
    name: 'ICMPv6 echo reply with traffic class 0xb8 (DSCP 46)',
    bytes: ECHO_REPLY,
    header: { version: 6, trafficClass: 0xb8, flowLabel: 0, payloadLength: 17, nextHeader: 58, hopLimit: 61, source: '2001:2:0:4::2', destination: '2001:2::1' },
    payloadLength: 17,
  },
];

t.test('decodes the vectors', async (t) => {
  for (const v of VECTORS) {
    const result = decodeIPv6(hex(v.bytes));
    if (!result.ok) throw new Error(`${v.name}: ${result.reason}`);
    t.same(result.value.header, v.header, v.name);
    t.equal(result.value.payload.length, v.payloadLength, `${v.name}: payload`);
    t.equal(result.value.truncated, false);
  }
});

t.test('the pseudo-header sum makes the upper-layer checksums verify', async (t) => {
  const syn = decodeIPv6(hex(SYN));
  if (!syn.ok) throw new Error(syn.reason);
  t.ok(verifyTcpChecksum(syn.value.payload, ipv6PseudoHeaderSum(syn.value.header, 6, syn.value.payload.length)), 'TCP over IPv6');
  t.notOk(verifyTcpChecksum(syn.value.payload, ipv6PseudoHeaderSum({ ...syn.value.header, destination: '2001:2:0:4::3' }, 6, 20)), 'another destination');
  const echo = decodeIPv6(hex(ECHO_REPLY));
  if (!echo.ok) throw new Error(echo.reason);
  const icmp = echo.value.payload;
  const sum = ipv6PseudoHeaderSum(echo.value.header, 58, icmp.length);
  const folded = internetChecksum(Buffer.concat([Buffer.from([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff]), icmp, Buffer.alloc(icmp.length % 2)]));
  t.equal(folded, 0, 'ICMPv6 covers the pseudo-header too');
  t.equal(ipv6PseudoHeaderSum({ source: '::', destination: '::' }, 6, 0x10014), 1 + 0x14 + 6, 'the length is 32 bits wide');
  t.throws(() => ipv6PseudoHeaderSum({ source: '198.18.1.1', destination: '::' }, 6, 20), new TypeError('invalid IPv6 address: "198.18.1.1"'));
});

t.test('malformed input is a result with the numbers, never a throw', async (t) => {
  const syn = hex(SYN);
  const cases: Array<[string, Buffer, string]> = [
    ['empty', Buffer.alloc(0), 'truncated IPv6 header (0 < 40 bytes)'],
    ['39 bytes', syn.subarray(0, 39), 'truncated IPv6 header (39 < 40 bytes)'],
    ['version 4', Buffer.from([0x45, ...syn.subarray(1)]), 'invalid IP version (4 != 6)'],
    ['version 0', Buffer.from([0x00, ...syn.subarray(1)]), 'invalid IP version (0 != 6)'],
    ['payload cut short', syn.subarray(0, 50), 'truncated IPv6 packet (50 < 60 bytes)'],
  ];
  for (const [name, bytes, reason] of cases) t.same(decodeIPv6(bytes), { ok: false, reason }, name);
});

t.test('a quoted packet may be truncated; link-layer padding is not payload', async (t) => {
  const cut = decodeIPv6(hex(SYN).subarray(0, 48), { allowTruncated: true });
  t.match(cut, { ok: true, value: { truncated: true, header: { payloadLength: 20 } } });
  if (cut.ok) t.equal(cut.value.payload.length, 8);
  const padded = decodeIPv6(Buffer.concat([hex(SYN), Buffer.alloc(6, 0xee)]));
  if (!padded.ok) throw new Error(padded.reason);
  t.equal(padded.value.payload.length, 20);
  t.notOk(padded.value.payload.includes(0xee), 'padding excluded');
});

t.test('decoding neither copies nor writes', async (t) => {
  const bytes = hex(SYN);
  const before = Buffer.from(bytes);
  const result = decodeIPv6(bytes);
  t.ok(bytes.equals(before));
  if (result.ok) t.equal(result.value.payload.buffer, bytes.buffer, 'payload is a view');
});

t.test('writeIPv6Header reproduces the vectors and checks its fields', async (t) => {
  for (const v of VECTORS) {
    const out = Buffer.alloc(44, 0xee);
    writeIPv6Header(out, 2, v.header);
    t.equal(out.subarray(2, 42).toString('hex'), v.bytes.slice(0, 80), v.name);
    t.equal(out.readUInt16BE(0), 0xeeee, 'nothing before the offset');
    t.equal(out.readUInt16BE(42), 0xeeee, 'nothing after the header');
  }
  const fields = { payloadLength: 0, nextHeader: 59, hopLimit: 1, source: '::1', destination: '2001:2::2' };
  t.throws(() => writeIPv6Header(Buffer.alloc(39), 0, fields), RangeError);
  t.throws(() => writeIPv6Header(Buffer.alloc(40), 1, fields), RangeError);
  t.throws(() => writeIPv6Header(Buffer.alloc(40), 0, { ...fields, flowLabel: 0x100000 }), new RangeError('flow label out of range (1048576)'));
  t.throws(() => writeIPv6Header(Buffer.alloc(40), 0, { ...fields, trafficClass: 256 }), new RangeError('traffic class out of range (256)'));
  t.throws(() => writeIPv6Header(Buffer.alloc(40), 0, { ...fields, source: '2001:2::g' }), new TypeError('invalid IPv6 address: "2001:2::g"'));
});
