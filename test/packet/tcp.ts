import t from 'tap';
import { ipv4PseudoHeaderSum, IpProtocol } from '../../src/packet/ipv4.js';

/** The IPv4 pseudo-header sum of a TCP segment of `length` bytes. */
const tcpPseudo = (source: string, destination: string, length: number): number => ipv4PseudoHeaderSum({ source, destination }, IpProtocol.TCP, length);
/** The network layer's pseudo-header for writeTcpSegment. */
const pseudoFor = (source: string, destination: string) => (length: number): number => tcpPseudo(source, destination, length);
import { verifyTcpChecksum } from '../../src/packet/checksum.js';
import {
  decodeTcp,
  decodeTcpPrefix,
  encodeTcpOptions,
  flagNames,
  TcpFlag,
  writeTcpSegment,
  type TcpOptions,
  type TcpSegment,
  type TcpSegmentFields,
} from '../../src/packet/tcp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

interface Vector {
  name: string;
  source: string;
  destination: string;
  bytes: string;
  segment: TcpSegment;
}

const VECTORS: Vector[] = [
  {
    // 93.184.216.34:443 -> 192.168.1.10:54321, as Linux answers a SYN with
    // MSS 1460, SACK-permitted, timestamps and window scale 7.
    name: 'Linux SYN-ACK with MSS/SACK/TS/WS',
    source: '93.184.216.34',
    destination: '192.168.1.10',
    bytes:
      '01bb d431 6f1d3a2b 5eed0001 a0 12 fe88 b4be 0000' +
      '020405b4 0402 080a 9a3c4e21 0012d687 01 030307',
    segment: {
      sourcePort: 443,
      destinationPort: 54321,
      sequence: 0x6f1d3a2b,
      acknowledgment: 0x5eed0001,
      headerLength: 40,
      flags: TcpFlag.SYN | TcpFlag.ACK,
      window: 65160,
      checksum: 0xb4be,
      urgentPointer: 0,
      options: { mss: 1460, sackPermitted: true, timestamp: { value: 0x9a3c4e21, echo: 0x0012d687 }, windowScale: 7 },
      payloadLength: 0,
    },
  },
  {
    name: 'RST,ACK from a closed port',
    source: '10.0.0.5',
    destination: '192.168.1.10',
    bytes: '0016 9c40 00000000 5eed0001 50 14 0000 e8d4 0000',
    segment: {
      sourcePort: 22,
      destinationPort: 40000,
      sequence: 0,
      acknowledgment: 0x5eed0001,
      headerLength: 20,
      flags: TcpFlag.RST | TcpFlag.ACK,
      window: 0,
      checksum: 0xe8d4,
      urgentPointer: 0,
      options: {},
      payloadLength: 0,
    },
  },
  {
    // The SYN that ttl-probe sends (quoted whole in the time-exceeded test).
    name: 'SYN with options, high sequence number',
    source: '192.168.1.10',
    destination: '93.184.216.34',
    bytes:
      'd431 01bb 5eed0000 00000000 a0 02 faf0 4a0e 0000' + '020405b4 0402 080a 0012d687 00000000 01 030307',
    segment: {
      sourcePort: 54321,
      destinationPort: 443,
      sequence: 0x5eed0000,
      acknowledgment: 0,
      headerLength: 40,
      flags: TcpFlag.SYN,
      window: 64240,
      checksum: 0x4a0e,
      urgentPointer: 0,
      options: { mss: 1460, sackPermitted: true, timestamp: { value: 0x0012d687, echo: 0 }, windowScale: 7 },
      payloadLength: 0,
    },
  },
];

t.test('decodes vectors and their checksums verify', async (t) => {
  for (const v of VECTORS) {
    const buf = hex(v.bytes);
    t.ok(verifyTcpChecksum(buf, tcpPseudo(v.source, v.destination, buf.length)), `${v.name}: checksum`);
    t.same(decodeTcp(buf), { ok: true, value: v.segment }, v.name);
  }
});

t.test('decodes payload length, urgent pointer and 32-bit fields', async (t) => {
  const buf = hex('ffff0001 fffffffe 80000000 50 ff 1234 0000 abcd' + '68656c6c6f');
  const r = decodeTcp(buf);
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.sequence, 0xfffffffe, 'sequence unsigned');
    t.equal(r.value.acknowledgment, 0x80000000, 'ack unsigned');
    t.equal(r.value.flags, 0xff);
    t.equal(flagNames(r.value.flags), 'FIN,SYN,RST,PSH,ACK,URG,ECE,CWR');
    t.equal(r.value.urgentPointer, 0xabcd);
    t.equal(r.value.payloadLength, 5);
    t.equal(r.value.sourcePort, 65535);
    t.equal(r.value.destinationPort, 1);
  }
});

t.test('option parsing', async (t) => {
  const base = (opts: string, dataOffset?: number): Buffer => {
    const o = hex(opts);
    const off = dataOffset ?? 5 + o.length / 4;
    return Buffer.concat([hex(`0050 1f90 00000001 00000000 ${(off << 4).toString(16).padStart(2, '0')} 02 ffff 0000 0000`), o]);
  };
  const good: Array<{ name: string; opts: string; options: TcpOptions }> = [
    { name: 'no options', opts: '', options: {} },
    { name: 'EOL stops parsing', opts: '00 020405b4 000000', options: {} },
    { name: 'MSS then EOL', opts: '020405b4 00 ffffff', options: { mss: 1460 } },
    { name: 'NOP padding', opts: '01010101 01030300', options: { windowScale: 0 } },
    { name: 'unknown option skipped', opts: '1e06aabbccdd 020405dc 0101', options: { mss: 1500 } },
    { name: 'SACK blocks (kind 5) skipped', opts: '0101050a0000000100000002', options: {} },
    { name: 'known option with wrong length ignored', opts: '020305 0302 040300 08040000', options: {} },
    { name: 'MSS length 6 ignored', opts: '0206000005b4 0402', options: { sackPermitted: true } },
    { name: 'last duplicate wins', opts: '02040218 020405b4', options: { mss: 1460 } },
    { name: 'window scale above 14 reported raw', opts: '0103030f', options: { windowScale: 15 } },
    { name: 'option ending exactly at header end', opts: '0101080affffffff00000001', options: { timestamp: { value: 0xffffffff, echo: 1 } } },
  ];
  for (const c of good) {
    const r = decodeTcp(base(c.opts));
    t.same(r.ok ? r.value.options : r.reason, c.options, c.name);
  }
  const bad: Array<{ name: string; buf: Buffer; reason: string }> = [
    { name: 'option length 0', buf: base('02000000'), reason: 'invalid TCP option 2 length (0 < 2)' },
    { name: 'option length 1', buf: base('01 1e01 00'), reason: 'invalid TCP option 30 length (1 < 2)' },
    { name: 'option runs past header', buf: base('0101080a00000000'), reason: 'TCP option 8 runs past header (32 > 28 bytes)' },
    { name: 'MSS runs past header', buf: base('0101020405b4', 6), reason: 'TCP option 2 runs past header (26 > 24 bytes)' },
    { name: 'no room for length byte', buf: base('01010102'), reason: 'truncated TCP option 2 at offset 23 (no length byte)' },
    {
      name: 'option length runs past header into payload',
      buf: base('0101 0208 00000000', 6),
      reason: 'TCP option 2 runs past header (30 > 24 bytes)',
    },
  ];
  for (const c of bad) {
    t.same(decodeTcp(c.buf), { ok: false, reason: c.reason }, c.name);
  }
});

t.test('malformed headers', async (t) => {
  const valid = hex(VECTORS[0]!.bytes);
  const withOffset = (nibble: number): Buffer => {
    const b = Buffer.from(valid);
    b.writeUInt8((nibble << 4) | (b.readUInt8(12) & 0x0f), 12);
    return b;
  };
  const cases: Array<{ name: string; buf: Buffer; reason: string }> = [
    { name: 'empty', buf: Buffer.alloc(0), reason: 'truncated TCP header (0 < 20 bytes)' },
    { name: '12 bytes', buf: valid.subarray(0, 12), reason: 'truncated TCP header (12 < 20 bytes)' },
    { name: 'data offset 4', buf: withOffset(4), reason: 'TCP data offset too small (4 < 5)' },
    { name: 'data offset 0', buf: withOffset(0), reason: 'TCP data offset too small (0 < 5)' },
    { name: 'data offset 15 beyond buffer', buf: withOffset(15), reason: 'truncated TCP header with options (40 < 60 bytes)' },
    { name: 'options cut off', buf: valid.subarray(0, 39), reason: 'truncated TCP header with options (39 < 40 bytes)' },
  ];
  for (const c of cases) {
    const before = Buffer.from(c.buf);
    t.same(decodeTcp(c.buf), { ok: false, reason: c.reason }, c.name);
    t.same(c.buf, before, `${c.name}: input untouched`);
  }
});

t.test('every truncation of every vector', async (t) => {
  for (const v of VECTORS) {
    const buf = hex(v.bytes);
    let failures = 0;
    for (let len = 0; len <= buf.length; len++) {
      const r = decodeTcp(buf.subarray(0, len));
      if (r.ok) {
        if (len !== buf.length) t.fail(`${v.name} len ${len}: decoded a cut-off header`);
      } else {
        failures++;
      }
      const p = decodeTcpPrefix(buf.subarray(0, len));
      if (p.ok !== len >= 8) t.fail(`${v.name} len ${len}: prefix result`);
    }
    t.equal(failures, buf.length, `${v.name}: every proper prefix fails, the whole decodes`);
  }
});

t.test('decodeTcpPrefix', async (t) => {
  t.same(decodeTcpPrefix(hex('d43101bb5eed0000')), {
    ok: true,
    value: { sourcePort: 54321, destinationPort: 443, sequence: 0x5eed0000 },
  });
  t.same(decodeTcpPrefix(hex('ffffffff ffffffff 00')), {
    ok: true,
    value: { sourcePort: 65535, destinationPort: 65535, sequence: 0xffffffff },
  });
  t.same(decodeTcpPrefix(Buffer.alloc(0)), { ok: false, reason: 'truncated TCP prefix (0 < 8 bytes)' });
  t.same(decodeTcpPrefix(hex('d43101bb5eed00')), { ok: false, reason: 'truncated TCP prefix (7 < 8 bytes)' });
});

t.test('flagNames', async (t) => {
  const cases: Array<[number, string]> = [
    [0, ''],
    [TcpFlag.SYN, 'SYN'],
    [TcpFlag.SYN | TcpFlag.ACK, 'SYN,ACK'],
    [TcpFlag.RST | TcpFlag.ACK, 'RST,ACK'],
    [TcpFlag.RST, 'RST'],
    [TcpFlag.FIN | TcpFlag.PSH | TcpFlag.ACK, 'FIN,PSH,ACK'],
    [TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR, 'SYN,ECE,CWR'],
    [0x100 | TcpFlag.URG, 'URG'],
  ];
  for (const [flags, names] of cases) t.equal(flagNames(flags), names, `0x${flags.toString(16)}`);
});

t.test('encodeTcpOptions', async (t) => {
  const cases: Array<{ name: string; options: TcpOptions; hex: string }> = [
    { name: 'none', options: {}, hex: '' },
    { name: 'MSS only', options: { mss: 1460 }, hex: '020405b4' },
    { name: 'SACK only', options: { sackPermitted: true }, hex: '01010402' },
    { name: 'SACK false', options: { sackPermitted: false, mss: 536 }, hex: '02040218' },
    { name: 'timestamp only', options: { timestamp: { value: 1, echo: 2 } }, hex: '0101080a0000000100000002' },
    { name: 'window scale only', options: { windowScale: 7 }, hex: '01030307' },
    {
      name: 'Linux SYN-ACK set',
      options: { windowScale: 7, timestamp: { value: 0x9a3c4e21, echo: 0x0012d687 }, sackPermitted: true, mss: 1460 },
      hex: '020405b40402080a9a3c4e210012d68701030307',
    },
    { name: 'MSS and window scale', options: { mss: 1400, windowScale: 0 }, hex: '02040578 01030300' },
  ];
  for (const c of cases) {
    const out = encodeTcpOptions(c.options);
    t.equal(out.toString('hex'), c.hex.replace(/\s+/g, ''), c.name);
    t.equal(out.length % 4, 0, `${c.name}: multiple of 4`);
  }
  t.throws(() => encodeTcpOptions({ mss: 70000 }), RangeError);
  t.throws(() => encodeTcpOptions({ windowScale: 256 }), RangeError);
  t.throws(() => encodeTcpOptions({ timestamp: { value: -1, echo: 0 } }), RangeError);
});

t.test('writeTcpSegment reproduces the vectors', async (t) => {
  for (const v of VECTORS) {
    const s = v.segment;
    const fields: TcpSegmentFields = {
      sourcePort: s.sourcePort,
      destinationPort: s.destinationPort,
      sequence: s.sequence,
      acknowledgment: s.acknowledgment,
      flags: s.flags,
      window: s.window,
      options: s.options,
    };
    const out = Buffer.alloc(s.headerLength + 4, 0xee);
    const n = writeTcpSegment(out, 2, fields, pseudoFor(v.source, v.destination));
    t.equal(n, s.headerLength, `${v.name}: length`);
    t.equal(out.subarray(2, 2 + n).toString('hex'), hex(v.bytes).toString('hex'), `${v.name}: bytes`);
    t.equal(out.readUInt16BE(0), 0xeeee, `${v.name}: nothing before offset`);
    t.equal(out.readUInt16BE(2 + n), 0xeeee, `${v.name}: nothing after header`);
  }
});

t.test('writeTcpSegment round trips', async (t) => {
  const cases: Array<{ name: string; fields: TcpSegmentFields }> = [
    { name: 'bare SYN, defaults', fields: { sourcePort: 40000, destinationPort: 80, sequence: 12345, flags: TcpFlag.SYN, window: 1024 } },
    {
      name: 'sequence and ack wrap modulo 2^32',
      fields: { sourcePort: 1, destinationPort: 2, sequence: 0xffffffff + 2, acknowledgment: -1, flags: TcpFlag.ACK, window: 0 },
    },
    {
      name: 'SYN with SACK and timestamp',
      fields: {
        sourcePort: 65535,
        destinationPort: 65535,
        sequence: 0x80000000,
        flags: TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR,
        window: 65535,
        options: { sackPermitted: true, timestamp: { value: 0xffffffff, echo: 0 } },
      },
    },
  ];
  for (const c of cases) {
    const out = Buffer.alloc(60);
    const n = writeTcpSegment(out, 0, c.fields, pseudoFor('192.168.1.10', '203.0.113.7'));
    const seg = out.subarray(0, n);
    t.ok(verifyTcpChecksum(seg, tcpPseudo('192.168.1.10', '203.0.113.7', seg.length)), `${c.name}: checksum`);
    const r = decodeTcp(seg);
    t.ok(r.ok, `${c.name}: decodes`);
    if (r.ok) {
      t.match(
        r.value,
        {
          sourcePort: c.fields.sourcePort,
          destinationPort: c.fields.destinationPort,
          sequence: c.fields.sequence >>> 0,
          acknowledgment: (c.fields.acknowledgment ?? 0) >>> 0,
          headerLength: n,
          flags: c.fields.flags,
          window: c.fields.window,
          urgentPointer: 0,
          payloadLength: 0,
        },
        `${c.name}: fields`,
      );
      t.same(r.value.options, c.fields.options ?? {}, `${c.name}: options`);
    }
  }
});

t.test('writeTcpSegment programmer errors', async (t) => {
  const fields: TcpSegmentFields = { sourcePort: 1, destinationPort: 2, sequence: 3, flags: TcpFlag.SYN, window: 4 };
  t.throws(() => writeTcpSegment(Buffer.alloc(19), 0, fields, pseudoFor('1.2.3.4', '5.6.7.8')), RangeError);
  t.throws(() => writeTcpSegment(Buffer.alloc(23), 0, { ...fields, options: { mss: 1 } }, pseudoFor('1.2.3.4', '5.6.7.8')), RangeError);
  t.throws(() => writeTcpSegment(Buffer.alloc(20), -1, fields, pseudoFor('1.2.3.4', '5.6.7.8')), RangeError);
  t.throws(() => writeTcpSegment(Buffer.alloc(30), 1.5, fields, pseudoFor('1.2.3.4', '5.6.7.8')), RangeError);
  t.throws(() => writeTcpSegment(Buffer.alloc(20), 0, { ...fields, sourcePort: 65536 }, pseudoFor('1.2.3.4', '5.6.7.8')), RangeError);
  const out = Buffer.alloc(20, 0xee);
  t.throws(() => writeTcpSegment(out, 0, fields, pseudoFor('1.2.3.4', 'example.com')), TypeError);
  t.equal(out.toString('hex'), 'ee'.repeat(20), 'a pseudo-header that throws (bad address) leaves the buffer untouched');
});
