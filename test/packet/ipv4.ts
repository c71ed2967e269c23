import t from 'tap';
import { internetChecksum } from '../../src/packet/checksum.js';
import {
  decodeIPv4,
  IpProtocol,
  writeIPv4Header,
  type IPv4Header,
  type IPv4HeaderFields,
} from '../../src/packet/ipv4.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

interface Vector {
  name: string;
  bytes: string;
  header: IPv4Header;
  payloadLength: number;
}

const VECTORS: Vector[] = [
  {
    name: 'Linux SYN-ACK with MSS/SACK/TS/WS',
    bytes:
      '4500003c0000400038064b2f5db8d822c0a8010a' +
      '01bbd4316f1d3a2b5eed0001a012fe88b4be0000020405b40402080a9a3c4e210012d68701030307',
    header: {
      version: 4,
      headerLength: 20,
      tos: 0,
      totalLength: 60,
      id: 0,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 56,
      protocol: IpProtocol.TCP,
      checksum: 0x4b2f,
      source: '93.184.216.34',
      destination: '192.168.1.10',
    },
    payloadLength: 40,
  },
  {
    name: 'RST,ACK from a closed port',
    bytes: '450000280000400040066f190a000005c0a8010a' + '00169c40000000005eed000150140000e8d40000',
    header: {
      version: 4,
      headerLength: 20,
      tos: 0,
      totalLength: 40,
      id: 0,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: IpProtocol.TCP,
      checksum: 0x6f19,
      source: '10.0.0.5',
      destination: '192.168.1.10',
    },
    payloadLength: 20,
  },
  {
    name: 'ICMP echo reply',
    bytes: '450000283c2a0000750137e908080808c0a8010a' + '0000c74b1234000774746c2d70726f6265000102',
    header: {
      version: 4,
      headerLength: 20,
      tos: 0,
      totalLength: 40,
      id: 0x3c2a,
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 117,
      protocol: IpProtocol.ICMP,
      checksum: 0x37e9,
      source: '8.8.8.8',
      destination: '192.168.1.10',
    },
    payloadLength: 20,
  },
  {
    name: 'ICMP 3/13 from a router',
    bytes:
      '45c0003801010000fe01ef500a000001c0a8010a' +
      '030dc818000000004500003cbeef40000106c33fc0a8010a5db8d822d43101bb5eed0000',
    header: {
      version: 4,
      headerLength: 20,
      tos: 0xc0,
      totalLength: 56,
      id: 0x0101,
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 254,
      protocol: IpProtocol.ICMP,
      checksum: 0xef50,
      source: '10.0.0.1',
      destination: '192.168.1.10',
    },
    payloadLength: 36,
  },
  {
    // Hand-built: IHL 6 with a 4-byte option (NOP NOP NOP EOL), a middle fragment with MF.
    name: 'header with options, fragment',
    bytes: '46000020abcd2005401100000102030405060708' + '01010100' + 'deadbeefcafef00d',
    header: {
      version: 4,
      headerLength: 24,
      tos: 0,
      totalLength: 32,
      id: 0xabcd,
      dontFragment: false,
      moreFragments: true,
      fragmentOffset: 40,
      ttl: 64,
      protocol: IpProtocol.UDP,
      checksum: 0,
      source: '1.2.3.4',
      destination: '5.6.7.8',
    },
    payloadLength: 8,
  },
];

t.test('decodes vectors', async (t) => {
  for (const v of VECTORS) {
    const buf = hex(v.bytes);
    const r = decodeIPv4(buf);
    if (!r.ok) {
      t.fail(`${v.name}: ${r.reason}`);
      continue;
    }
    t.same(r.value.header, v.header, `${v.name}: header`);
    t.equal(r.value.truncated, false, `${v.name}: not truncated`);
    t.equal(r.value.payload.length, v.payloadLength, `${v.name}: payload length`);
    t.same(r.value.payload, buf.subarray(v.header.headerLength), `${v.name}: payload bytes`);
    t.equal(r.value.payload.buffer, buf.buffer, `${v.name}: payload is a view, not a copy`);
  }
});

t.test('real header checksums verify', async (t) => {
  for (const v of VECTORS.slice(0, 4)) {
    t.equal(internetChecksum(hex(v.bytes), 0, 20), 0, v.name);
  }
});

t.test('link padding after totalLength is excluded', async (t) => {
  const rst = hex(VECTORS[1]!.bytes);
  const padded = Buffer.concat([rst, Buffer.alloc(6)]);
  const r = decodeIPv4(padded);
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.payload.length, 20);
    t.equal(r.value.truncated, false);
  }
});

t.test('truncated packets', async (t) => {
  const synAck = hex(VECTORS[0]!.bytes);
  const short = synAck.subarray(0, 28);
  t.same(decodeIPv4(short), { ok: false, reason: 'truncated IPv4 packet (28 < 60 bytes)' });
  t.same(decodeIPv4(short, {}), { ok: false, reason: 'truncated IPv4 packet (28 < 60 bytes)' });
  t.same(decodeIPv4(short, { allowTruncated: false }), { ok: false, reason: 'truncated IPv4 packet (28 < 60 bytes)' });
  const r = decodeIPv4(short, { allowTruncated: true });
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.truncated, true);
    t.equal(r.value.header.totalLength, 60);
    t.same(r.value.payload, synAck.subarray(20, 28));
  }
  const headerOnly = decodeIPv4(synAck.subarray(0, 20), { allowTruncated: true });
  t.ok(headerOnly.ok && headerOnly.value.payload.length === 0 && headerOnly.value.truncated);
  const exact = decodeIPv4(synAck, { allowTruncated: true });
  t.ok(exact.ok && !exact.value.truncated, 'allowTruncated on a complete packet');
});

t.test('malformed input', async (t) => {
  const valid = hex(VECTORS[1]!.bytes);
  const mutate = (f: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(valid);
    f(b);
    return b;
  };
  const cases: Array<{ name: string; buf: Buffer; reason: string; allowTruncated?: boolean }> = [
    { name: 'empty', buf: Buffer.alloc(0), reason: 'truncated IPv4 header (0 < 20 bytes)' },
    { name: '19 bytes', buf: valid.subarray(0, 19), reason: 'truncated IPv4 header (19 < 20 bytes)' },
    { name: 'version 6', buf: mutate((b) => b.writeUInt8(0x65, 0)), reason: 'invalid IP version (6 != 4)' },
    { name: 'version 0', buf: mutate((b) => b.writeUInt8(0x05, 0)), reason: 'invalid IP version (0 != 4)' },
    { name: 'IHL 4', buf: mutate((b) => b.writeUInt8(0x44, 0)), reason: 'IHL too small (4 < 5)' },
    { name: 'IHL 0', buf: mutate((b) => b.writeUInt8(0x40, 0)), reason: 'IHL too small (0 < 5)' },
    {
      name: 'IHL beyond buffer',
      buf: mutate((b) => b.writeUInt8(0x4f, 0)),
      reason: 'truncated IPv4 header with options (40 < 60 bytes)',
      allowTruncated: true,
    },
    {
      name: 'totalLength < IHL*4',
      buf: mutate((b) => b.writeUInt16BE(19, 2)),
      reason: 'IPv4 total length smaller than header (19 < 20)',
      allowTruncated: true,
    },
    {
      name: 'totalLength < IHL*4 with options',
      buf: mutate((b) => {
        b.writeUInt8(0x46, 0);
        b.writeUInt16BE(20, 2);
      }),
      reason: 'IPv4 total length smaller than header (20 < 24)',
    },
    { name: 'totalLength 0', buf: mutate((b) => b.writeUInt16BE(0, 2)), reason: 'IPv4 total length smaller than header (0 < 20)' },
    { name: 'totalLength beyond buffer', buf: mutate((b) => b.writeUInt16BE(41, 2)), reason: 'truncated IPv4 packet (40 < 41 bytes)' },
  ];
  for (const c of cases) {
    const before = Buffer.from(c.buf);
    t.same(decodeIPv4(c.buf, { allowTruncated: c.allowTruncated ?? false }), { ok: false, reason: c.reason }, c.name);
    t.same(c.buf, before, `${c.name}: input untouched`);
  }
});

t.test('every truncation of every vector', async (t) => {
  let checked = 0;
  for (const v of VECTORS) {
    const buf = hex(v.bytes);
    for (let len = 0; len <= buf.length; len++) {
      const part = buf.subarray(0, len);
      for (const allowTruncated of [false, true]) {
        const r = decodeIPv4(part, { allowTruncated });
        if (r.ok) {
          const end = r.value.header.headerLength + r.value.payload.length;
          if (end > len || r.value.truncated !== len < buf.length || (!allowTruncated && len < buf.length)) {
            t.fail(`${v.name} len ${len}: inconsistent result`);
          }
        } else if (len === buf.length || (allowTruncated && len >= v.header.headerLength)) {
          t.fail(`${v.name} len ${len}: unexpected failure ${r.reason}`);
        }
        checked++;
      }
    }
  }
  t.ok(checked > 400, `${checked} truncations decoded without throwing`);
});

t.test('writeIPv4Header round trip', async (t) => {
  const cases: Array<{ name: string; fields: IPv4HeaderFields; expect: string }> = [
    {
      name: 'SYN probe with DF',
      fields: {
        id: 0,
        dontFragment: true,
        ttl: 56,
        protocol: IpProtocol.TCP,
        source: '93.184.216.34',
        destination: '192.168.1.10',
        totalLength: 60,
      },
      expect: '4500003c0000400038064b2f5db8d822c0a8010a',
    },
    {
      name: 'ICMP echo reply header, defaults',
      fields: {
        id: 0x3c2a,
        ttl: 117,
        protocol: IpProtocol.ICMP,
        source: '8.8.8.8',
        destination: '192.168.1.10',
        totalLength: 40,
      },
      expect: '450000283c2a0000750137e908080808c0a8010a',
    },
    {
      name: 'tos and explicit DF false',
      fields: {
        tos: 0xc0,
        id: 0x0101,
        dontFragment: false,
        ttl: 254,
        protocol: IpProtocol.ICMP,
        source: '10.0.0.1',
        destination: '192.168.1.10',
        totalLength: 56,
      },
      expect: '45c0003801010000fe01ef500a000001c0a8010a',
    },
  ];
  for (const c of cases) {
    const out = Buffer.alloc(24, 0xee);
    writeIPv4Header(out, 2, c.fields);
    t.equal(out.subarray(2, 22).toString('hex'), c.expect, `${c.name}: bytes`);
    t.equal(out.readUInt16BE(0), 0xeeee, `${c.name}: nothing written before offset`);
    t.equal(out.readUInt16BE(22), 0xeeee, `${c.name}: nothing written after header`);
    const r = decodeIPv4(out.subarray(2), { allowTruncated: true });
    t.ok(r.ok, `${c.name}: decodes`);
    if (r.ok) {
      const h = r.value.header;
      t.match(
        h,
        {
          tos: c.fields.tos ?? 0,
          id: c.fields.id,
          dontFragment: c.fields.dontFragment ?? false,
          ttl: c.fields.ttl,
          protocol: c.fields.protocol,
          source: c.fields.source,
          destination: c.fields.destination,
          totalLength: c.fields.totalLength,
        },
        `${c.name}: fields`,
      );
      t.equal(internetChecksum(out, 2, 22), 0, `${c.name}: checksum`);
    }
  }
});

t.test('writeIPv4Header programmer errors', async (t) => {
  const fields: IPv4HeaderFields = {
    id: 1,
    ttl: 64,
    protocol: 6,
    source: '1.2.3.4',
    destination: '5.6.7.8',
    totalLength: 40,
  };
  t.throws(() => writeIPv4Header(Buffer.alloc(19), 0, fields), RangeError);
  t.throws(() => writeIPv4Header(Buffer.alloc(20), 1, fields), RangeError);
  t.throws(() => writeIPv4Header(Buffer.alloc(20), -1, fields), RangeError);
  t.throws(() => writeIPv4Header(Buffer.alloc(21), 0.5, fields), RangeError);
  t.throws(() => writeIPv4Header(Buffer.alloc(20), 0, { ...fields, ttl: 256 }), RangeError);
  t.throws(() => writeIPv4Header(Buffer.alloc(20), 0, { ...fields, source: '1.2.3.04' }), TypeError);
  t.doesNotThrow(() => writeIPv4Header(Buffer.alloc(20), 0, fields));
});
