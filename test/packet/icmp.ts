import t from 'tap';
import { verifyIcmpChecksum } from '../../src/packet/checksum.js';
import {
  decodeIcmp,
  decodeMplsExtension,
  icmpDescription,
  IcmpType,
  writeIcmpEcho,
  type IcmpMessage,
} from '../../src/packet/icmp.js';
import { decodeIPv4, IpProtocol } from '../../src/packet/ipv4.js';
import { decodeTcp, decodeTcpPrefix, TcpFlag } from '../../src/packet/tcp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// The SYN ttl-probe sent: 192.168.1.10:54321 -> 93.184.216.34:443, TTL 1, 60 bytes.
const ORIGINAL_IP = '4500003cbeef40000106c33fc0a8010a5db8d822';
const ORIGINAL_TCP = 'd43101bb5eed000000000000a002faf04a0e0000020405b40402080a0012d6870000000001030307';

const ECHO_REPLY_IP = '450000283c2a0000750137e908080808c0a8010a';
const ECHO_REPLY = '0000 c74b 1234 0007 74746c2d70726f6265000102';
// 10.0.0.1 -> 192.168.1.10: 3/13 quoting the IP header and 8 bytes of TCP.
const UNREACH_13_IP = '45c0003801010000fe01ef500a000001c0a8010a';
const UNREACH_13 = '03 0d c818 00000000' + ORIGINAL_IP + ORIGINAL_TCP.slice(0, 16);
// 10.0.0.1 -> 192.168.1.10: 11/0 quoting the whole original datagram.
const TIME_EXCEEDED_IP = '45c0005802020000ff01ed2f0a000001c0a8010a';
const TIME_EXCEEDED = '0b 00 ecbb 00000000' + ORIGINAL_IP + ORIGINAL_TCP;

const QUOTED_HEADER = {
  version: 4 as const,
  headerLength: 20,
  tos: 0,
  totalLength: 60,
  id: 0xbeef,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 1,
  protocol: IpProtocol.TCP,
  checksum: 0xc33f,
  source: '192.168.1.10',
  destination: '93.184.216.34',
};

interface Vector {
  name: string;
  ip: string;
  bytes: string;
  message: IcmpMessage;
  description: string;
}

const VECTORS: Vector[] = [
  {
    name: 'echo reply',
    ip: ECHO_REPLY_IP,
    bytes: ECHO_REPLY,
    message: {
      type: IcmpType.ECHO_REPLY,
      code: 0,
      checksum: 0xc74b,
      echo: { identifier: 0x1234, sequence: 7, data: hex('74746c2d70726f6265000102') },
      quote: null,
      quoteError: null,
      mpls: [],
    },
    description: 'echo reply',
  },
  {
    name: '3/13 quoting IPv4 + 8 bytes of TCP',
    ip: UNREACH_13_IP,
    bytes: UNREACH_13,
    message: {
      type: IcmpType.DEST_UNREACHABLE,
      code: 13,
      checksum: 0xc818,
      echo: null,
      quote: { header: QUOTED_HEADER, transport: hex(ORIGINAL_TCP.slice(0, 16)) },
      quoteError: null,
      mpls: [],
    },
    description: 'communication administratively prohibited',
  },
  {
    name: '11/0 quoting the whole datagram',
    ip: TIME_EXCEEDED_IP,
    bytes: TIME_EXCEEDED,
    message: {
      type: IcmpType.TIME_EXCEEDED,
      code: 0,
      checksum: 0xecbb,
      echo: null,
      quote: { header: QUOTED_HEADER, transport: hex(ORIGINAL_TCP) },
      quoteError: null,
      mpls: [],
    },
    description: 'time exceeded in transit',
  },
];

t.test('decodes vectors inside their IPv4 packets', async (t) => {
  for (const v of VECTORS) {
    const packet = hex(v.ip + v.bytes);
    const ip = decodeIPv4(packet);
    if (!ip.ok) {
      t.fail(`${v.name}: ${ip.reason}`);
      continue;
    }
    t.equal(ip.value.header.protocol, IpProtocol.ICMP, `${v.name}: protocol`);
    t.ok(verifyIcmpChecksum(ip.value.payload), `${v.name}: checksum`);
    t.same(decodeIcmp(ip.value.payload), { ok: true, value: v.message }, v.name);
    t.equal(icmpDescription(v.message.type, v.message.code), v.description, `${v.name}: description`);
  }
});

t.test('quotes lead back to the probe', async (t) => {
  const unreach = decodeIcmp(hex(UNREACH_13));
  t.ok(unreach.ok && unreach.value.quote !== null);
  if (unreach.ok && unreach.value.quote !== null) {
    t.same(decodeTcpPrefix(unreach.value.quote.transport), {
      ok: true,
      value: { sourcePort: 54321, destinationPort: 443, sequence: 0x5eed0000 },
    });
    t.equal(decodeTcp(unreach.value.quote.transport).ok, false, 'an 8-byte quote is no full TCP header');
  }
  const exceeded = decodeIcmp(hex(TIME_EXCEEDED));
  t.ok(exceeded.ok && exceeded.value.quote !== null);
  if (exceeded.ok && exceeded.value.quote !== null) {
    const tcp = decodeTcp(exceeded.value.quote.transport);
    t.ok(tcp.ok && tcp.value.flags === TcpFlag.SYN && tcp.value.options.mss === 1460, 'whole quoted SYN decodes');
  }
});

t.test('quote with RFC 4884 style padding stops at the quoted totalLength', async (t) => {
  const padded = Buffer.concat([hex(TIME_EXCEEDED), Buffer.alloc(40)]);
  const r = decodeIcmp(padded);
  t.ok(r.ok && r.value.quote !== null && r.value.quote.transport.length === 40);
});

t.test('other error types decode their quotes', async (t) => {
  const quote = ORIGINAL_IP + ORIGINAL_TCP.slice(0, 16);
  for (const type of [IcmpType.SOURCE_QUENCH, IcmpType.REDIRECT, IcmpType.PARAMETER_PROBLEM]) {
    const r = decodeIcmp(hex(`${type.toString(16).padStart(2, '0')} 00 0000 0a000001` + quote));
    t.ok(r.ok && r.value.quote !== null && r.value.quote.header.id === 0xbeef && r.value.echo === null, `type ${type}`);
  }
});

t.test('non-echo, non-error types carry neither echo nor quote', async (t) => {
  for (const type of [13, 14, 9, 10, 255]) {
    const r = decodeIcmp(hex(`${type.toString(16).padStart(2, '0')} 00 0000 00000000` + ORIGINAL_IP));
    t.same(
      r,
      { ok: true, value: { type, code: 0, checksum: 0, echo: null, quote: null, quoteError: null, mpls: [] } },
      `type ${type}`,
    );
  }
});

t.test('error types with garbage quotes', async (t) => {
  const cases: Array<{ name: string; bytes: string; quoteError: string }> = [
    { name: 'no quote at all', bytes: '0b000000 00000000', quoteError: 'truncated IPv4 header (0 < 20 bytes)' },
    { name: 'short quote', bytes: '0300000000000000 4500003c', quoteError: 'truncated IPv4 header (4 < 20 bytes)' },
    { name: 'random bytes', bytes: '0301000000000000' + 'deadbeef'.repeat(7), quoteError: 'invalid IP version (13 != 4)' },
    { name: 'IPv6 quoted', bytes: '0300000000000000' + '6'.padEnd(56, '0'), quoteError: 'invalid IP version (6 != 4)' },
    {
      name: 'IHL 4 in quote',
      bytes: '0b000000000000004400003cbeef40000106c33fc0a8010a5db8d822d43101bb5eed0000',
      quoteError: 'IHL too small (4 < 5)',
    },
    {
      name: 'quoted totalLength below header',
      bytes: '0b00000000000000450000100000000001060000c0a8010a5db8d822',
      quoteError: 'IPv4 total length smaller than header (16 < 20)',
    },
    {
      name: 'quoted IHL beyond quote',
      bytes: '0c00000000000000' + ORIGINAL_IP.replace(/^45/, '4f') + 'd43101bb5eed0000',
      quoteError: 'truncated IPv4 header with options (28 < 60 bytes)',
    },
  ];
  for (const c of cases) {
    const buf = hex(c.bytes);
    const r = decodeIcmp(buf);
    t.ok(r.ok, `${c.name}: message still decodes`);
    if (r.ok) {
      t.equal(r.value.quote, null, `${c.name}: no quote`);
      t.equal(r.value.quoteError, c.quoteError, `${c.name}: quoteError`);
    }
  }
});

t.test('malformed messages', async (t) => {
  t.same(decodeIcmp(Buffer.alloc(0)), { ok: false, reason: 'truncated ICMP header (0 < 8 bytes)' });
  t.same(decodeIcmp(hex('0000c74b123400')), { ok: false, reason: 'truncated ICMP header (7 < 8 bytes)' });
  const r = decodeIcmp(hex('0800f7ff00000000'));
  t.ok(r.ok && r.value.echo !== null && r.value.echo.data.length === 0, 'echo with no data');
});

t.test('every truncation of every vector', async (t) => {
  for (const v of VECTORS) {
    const buf = hex(v.bytes);
    const before = Buffer.from(buf);
    let ok = 0;
    for (let len = 0; len <= buf.length; len++) {
      const r = decodeIcmp(buf.subarray(0, len));
      if (r.ok !== len >= 8) t.fail(`${v.name} len ${len}: ok=${r.ok}`);
      if (r.ok) {
        ok++;
        const m = r.value;
        if (m.quote !== null && m.quote.transport.length > len - 28) t.fail(`${v.name} len ${len}: transport too long`);
        if (v.message.quote !== null && (m.quote === null) === (m.quoteError === null)) {
          t.fail(`${v.name} len ${len}: exactly one of quote and quoteError expected`);
        }
      }
    }
    t.equal(ok, buf.length - 7, `${v.name}: decodes from 8 bytes on`);
    t.same(buf, before, `${v.name}: input untouched`);
  }
});

t.test('writeIcmpEcho', async (t) => {
  const out = Buffer.alloc(24, 0xee);
  const n = writeIcmpEcho(out, 2, { type: IcmpType.ECHO_REPLY, identifier: 0x1234, sequence: 7, data: hex('74746c2d70726f6265000102') });
  t.equal(n, 20);
  t.equal(out.subarray(2, 22).toString('hex'), hex(ECHO_REPLY).toString('hex'), 'reproduces the echo reply vector');
  t.equal(out.readUInt16BE(0), 0xeeee, 'nothing before offset');
  t.equal(out.readUInt16BE(22), 0xeeee, 'nothing after message');

  const cases = [
    { name: 'default type, no data', identifier: 0, sequence: 0, data: new Uint8Array(0) },
    { name: 'odd data length', identifier: 0xffff, sequence: 0xffff, data: new Uint8Array([1, 2, 3]) },
    { name: '56 bytes like ping', identifier: 4242, sequence: 1, data: new Uint8Array(56).map((_, i) => i) },
  ];
  for (const c of cases) {
    const buf = Buffer.alloc(8 + c.data.length);
    const len = writeIcmpEcho(buf, 0, c);
    t.equal(len, buf.length, `${c.name}: length`);
    t.ok(verifyIcmpChecksum(buf), `${c.name}: checksum`);
    const r = decodeIcmp(buf);
    t.ok(r.ok, `${c.name}: decodes`);
    if (r.ok) {
      t.equal(r.value.type, IcmpType.ECHO_REQUEST, `${c.name}: type defaults to echo request`);
      t.equal(r.value.code, 0);
      t.same(r.value.echo, { identifier: c.identifier, sequence: c.sequence, data: Buffer.from(c.data) }, `${c.name}: echo`);
    }
  }

  const fields = { identifier: 1, sequence: 1, data: new Uint8Array(4) };
  t.throws(() => writeIcmpEcho(Buffer.alloc(11), 0, fields), RangeError);
  t.throws(() => writeIcmpEcho(Buffer.alloc(12), 1, fields), RangeError);
  t.throws(() => writeIcmpEcho(Buffer.alloc(12), -1, fields), RangeError);
  t.throws(() => writeIcmpEcho(Buffer.alloc(20), 0.5, fields), RangeError);
  t.throws(() => writeIcmpEcho(Buffer.alloc(12), 0, { ...fields, identifier: 0x10000 }), RangeError);
});

t.test('icmpDescription', async (t) => {
  const cases: Array<[number, number, string]> = [
    [0, 0, 'echo reply'],
    [3, 0, 'network unreachable'],
    [3, 1, 'host unreachable'],
    [3, 2, 'protocol unreachable'],
    [3, 3, 'port unreachable'],
    [3, 4, 'fragmentation needed and DF set'],
    [3, 9, 'communication with destination network administratively prohibited'],
    [3, 10, 'communication with destination host administratively prohibited'],
    [3, 13, 'communication administratively prohibited'],
    [3, 15, 'precedence cutoff in effect'],
    [3, 16, 'ICMP type 3 code 16'],
    [4, 0, 'source quench'],
    [5, 1, 'redirect for host'],
    [8, 0, 'echo request'],
    [8, 1, 'ICMP type 8 code 1'],
    [11, 0, 'time exceeded in transit'],
    [11, 1, 'fragment reassembly time exceeded'],
    [11, 2, 'ICMP type 11 code 2'],
    [12, 0, 'parameter problem: pointer indicates the error'],
    [12, 2, 'parameter problem: bad length'],
    [13, 0, 'ICMP type 13 code 0'],
    [255, 255, 'ICMP type 255 code 255'],
    [3, -1, 'ICMP type 3 code -1'],
  ];
  for (const [type, code, text] of cases) t.equal(icmpDescription(type, code), text, `${type}/${code}`);
});

t.test('RFC 4884/4950: the MPLS label stack of a time-exceeded with an extension', async (t) => {
  // Type 11, length 32 words (128 bytes of quote), then extension v2 and one MPLS object with two entries.
  const quote = Buffer.alloc(128);
  Buffer.from(ORIGINAL_IP, 'hex').copy(quote);
  const extension = Buffer.from('20000000' + '000c0101' + '0003e03f' + '00001101', 'hex');
  const message = Buffer.concat([Buffer.from('0b00000000200000', 'hex'), quote, extension]);
  t.same(decodeMplsExtension(message), [
    { label: 62, tc: 0, s: false, ttl: 0x3f },
    { label: 1, tc: 0, s: true, ttl: 1 },
  ]);
  const decodedMessage = decodeIcmp(message);
  t.ok(decodedMessage.ok && decodedMessage.value.mpls.length === 2, 'decodeIcmp carries them');
  t.same(decodeMplsExtension(Buffer.concat([Buffer.from('0b00000000000000', 'hex'), quote, extension])), [], 'no length field: not read');
  t.same(decodeMplsExtension(Buffer.concat([Buffer.from('0b00000000200000', 'hex'), quote, Buffer.from('10000000000c0101', 'hex')])), [], 'not version 2');
  t.same(decodeMplsExtension(Buffer.concat([Buffer.from('0b00000000200000', 'hex'), quote, Buffer.from('20000000ffff0101', 'hex')])), [], 'object longer than the message');
});
