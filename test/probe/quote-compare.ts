// compareTcpQuote / compareIpQuote over hex quotes: what each kind of middlebox leaves in a time-exceeded (IPv4 and IPv6).
import t from 'tap';
import { requireAddress } from '../../src/packet/address.js';
import { decodeIPv4 } from '../../src/packet/ipv4.js';
import { decodeIPv6 } from '../../src/packet/ipv6.js';
import { compareIpQuote, compareTcpQuote } from '../../src/probe/quote-compare.js';
import { tcpSyn } from '../../src/probe/tcp-syn.js';

// The SYN we sent: TTL 3, ID 0x0103, DF, 198.18.1.1:40000 -> 198.18.4.2:443, seq 0x11223344,
// ECN-setup flags (SYN ECE CWR), window 64240, Linux options (MSS 1460, SACK_PERM, TS 1/0, NOP, WS 7).
const IP = (fields: { tos?: string; id?: string; ttl?: string; source?: string } = {}) =>
  `45${fields.tos ?? '00'}003c${fields.id ?? '0103'}4000${fields.ttl ?? '03'}060000${fields.source ?? 'c6120101'}c6120402`;
const TCP = (fields: { port?: string; seq?: string; flags?: string; window?: string; options?: string } = {}) =>
  `${fields.port ?? '9c40'}01bb${fields.seq ?? '11223344'}00000000a0${fields.flags ?? 'c2'}${fields.window ?? 'faf0'}00000000` +
  (fields.options ?? '020405b40402080a0000000100000000' + '01030307');
const SENT = Buffer.from(IP() + TCP(), 'hex');

function quote(hex: string) {
  const ip = decodeIPv4(Buffer.from(hex, 'hex'), { allowTruncated: true });
  if (!ip.ok) throw new Error(ip.reason);
  return { header: ip.value.header, transport: ip.value.payload };
}

const cases: { name: string; quoted: string; differences: unknown[]; unseen?: string[]; bytes?: number }[] = [
  { name: 'Linux quotes the packet as it arrived: TTL 1, nothing else changed', quoted: IP({ ttl: '01' }) + TCP(), differences: [] },
  { name: 'TCPMSS --set-mss 1200', quoted: IP({ ttl: '01' }) + TCP({ options: '020404b00402080a000000010000000001030307' }), differences: [{ field: 'tcp.mss', sent: 1460, seen: 1200 }] },
  {
    name: 'TCPOPTSTRIP sack-permitted,timestamp (replaced by NOPs)',
    quoted: IP({ ttl: '01' }) + TCP({ options: '020405b4' + '01'.repeat(12) + '01030307' }),
    differences: [{ field: 'tcp.options', sent: 'mss,sack-permitted,timestamp,window-scale=7', seen: 'mss,window-scale=7' }],
  },
  { name: 'DSCP --set-dscp 46 (EF)', quoted: IP({ ttl: '01', tos: 'b8' }) + TCP(), differences: [{ field: 'ip.dscp', sent: 0, seen: 46 }] },
  { name: 'ECT(0) set in the IP header', quoted: IP({ ttl: '01', tos: '02' }) + TCP(), differences: [{ field: 'ip.ecn', sent: 0, seen: 2 }] },
  { name: 'ECN --ecn-tcp-remove (ECE, CWR cleared)', quoted: IP({ ttl: '01' }) + TCP({ flags: '02' }), differences: [{ field: 'tcp.flags', sent: 0xc2, seen: 0x02 }] },
  { name: 'TTL --ttl-set 64 upstream: TTL 5 left where 1 was due', quoted: IP({ ttl: '05' }) + TCP(), differences: [{ field: 'ip.ttl', sent: 1, seen: 5 }] },
  {
    name: 'a NAT that does not translate the quote back',
    quoted: IP({ ttl: '01', source: 'c6120a01' }) + TCP({ port: '0400' }),
    differences: [{ field: 'ip.source', sent: '198.18.1.1', seen: '198.18.10.1' }, { field: 'tcp.sourcePort', sent: 40000, seen: 1024 }],
  },
  { name: 'IP ID rewritten, window changed, sequence randomised', quoted: IP({ ttl: '01', id: 'beef' }) + TCP({ seq: 'deadbeef', window: '1000' }), differences: [{ field: 'ip.id', sent: 0x0103, seen: 0xbeef }, { field: 'tcp.seq', sent: 0x11223344, seen: 0xdeadbeef }, { field: 'tcp.window', sent: 64240, seen: 4096 }] },
  {
    name: 'RFC 792 28 bytes: ports and sequence only, the rest too short to tell',
    quoted: IP({ ttl: '01' }) + TCP().slice(0, 16),
    differences: [],
    unseen: ['tcp.window', 'tcp.flags', 'tcp.mss', 'tcp.options'],
    bytes: 8,
  },
  { name: '28 bytes still show a rewritten sequence number', quoted: IP({ ttl: '01' }) + TCP({ seq: '00000001' }).slice(0, 16), differences: [{ field: 'tcp.seq', sent: 0x11223344, seen: 1 }], unseen: ['tcp.window', 'tcp.flags', 'tcp.mss', 'tcp.options'], bytes: 8 },
  { name: 'the 20-byte header without its options', quoted: IP({ ttl: '01' }) + TCP().slice(0, 40), differences: [], unseen: ['tcp.mss', 'tcp.options'], bytes: 20 },
  { name: 'MSS removed altogether', quoted: IP({ ttl: '01' }) + TCP({ options: '01010101' + '0402080a0000000100000000' + '01030307' }), differences: [{ field: 'tcp.mss', sent: 1460, seen: 'none' }, { field: 'tcp.options', sent: 'mss,sack-permitted,timestamp,window-scale=7', seen: 'sack-permitted,timestamp,window-scale=7' }] },
  { name: 'window scale rewritten', quoted: IP({ ttl: '01' }) + TCP({ options: '020405b40402080a000000010000000001030302' }), differences: [{ field: 'tcp.options', sent: 'mss,sack-permitted,timestamp,window-scale=7', seen: 'mss,sack-permitted,timestamp,window-scale=2' }] },
  { name: 'options reordered', quoted: IP({ ttl: '01' }) + TCP({ options: '0103030702040' + '5b40402080a0000000100000000' }), differences: [{ field: 'tcp.options', sent: 'mss,sack-permitted,timestamp,window-scale=7', seen: 'window-scale=7,mss,sack-permitted,timestamp' }] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = compareTcpQuote(SENT, quote(c.quoted), 1);
    t.same(result.differences, c.differences, 'differences');
    t.same(result.unseen, c.unseen ?? [], 'fields the quote cannot show');
    t.equal(result.quotedBytes, c.bytes ?? 40, 'quoted bytes');
    const all = [...result.differences.map((d) => d.field), ...result.unchanged, ...result.unseen].sort();
    t.same(all, ['ip.dscp', 'ip.ecn', 'ip.id', 'ip.source', 'ip.ttl', 'tcp.flags', 'tcp.mss', 'tcp.options', 'tcp.seq', 'tcp.sourcePort', 'tcp.window'], 'every field judged once');
  });
}

t.test('compareIpQuote judges the IP fields only', async (t) => {
  const result = compareIpQuote(SENT, quote(IP({ ttl: '01', tos: 'b8' }) + TCP()), 1);
  t.same(result.differences, [{ field: 'ip.dscp', sent: 0, seen: 46 }]);
  t.same([...result.unchanged].sort(), ['ip.ecn', 'ip.id', 'ip.source', 'ip.ttl']);
});

// IPv6: the same SYN (2001:2:0:1::1:40000 -> 2001:2:0:4::2:443), traffic class 0, flow label 0x5a5a5, hop limit 3.
// ICMPv6 quotes as much as fits in 1280 bytes: the whole SYN. No IP ID; the flow label is judged instead.
const IP6 = (fields: { tc?: string; label?: string; hopLimit?: string; source?: string } = {}) =>
  `6${fields.tc ?? '00'}${fields.label ?? '5a5a5'}002806${fields.hopLimit ?? '03'}` +
  `${fields.source ?? '20010002000000010000000000000001'}20010002000000040000000000000002`;
const SENT6 = Buffer.from(IP6() + TCP(), 'hex');
const V6_FIELDS = ['ip.dscp', 'ip.ecn', 'ip.flowLabel', 'ip.source', 'ip.ttl', 'tcp.flags', 'tcp.mss', 'tcp.options', 'tcp.seq', 'tcp.sourcePort', 'tcp.window'];

function quote6(hex: string) {
  const ip = decodeIPv6(Buffer.from(hex, 'hex'), { allowTruncated: true });
  if (!ip.ok) throw new Error(ip.reason);
  return { header: ip.value.header, transport: ip.value.payload };
}

const cases6: { name: string; quoted: string; differences: unknown[] }[] = [
  { name: 'IPv6: quoted as it arrived, hop limit 1, nothing else changed', quoted: IP6({ hopLimit: '01' }) + TCP(), differences: [] },
  {
    name: 'IPv6: ip6tables TCPMSS --set-mss 1200',
    quoted: IP6({ hopLimit: '01' }) + TCP({ options: '020404b00402080a000000010000000001030307' }),
    differences: [{ field: 'tcp.mss', sent: 1460, seen: 1200 }],
  },
  { name: 'IPv6: DSCP 46 in the traffic class', quoted: IP6({ hopLimit: '01', tc: 'b8' }) + TCP(), differences: [{ field: 'ip.dscp', sent: 0, seen: 46 }] },
  { name: 'IPv6: ECT(1) in the traffic class', quoted: IP6({ hopLimit: '01', tc: '01' }) + TCP(), differences: [{ field: 'ip.ecn', sent: 0, seen: 1 }] },
  { name: 'IPv6: a device that sets its own flow label', quoted: IP6({ hopLimit: '01', label: '00001' }) + TCP(), differences: [{ field: 'ip.flowLabel', sent: 0x5a5a5, seen: 1 }] },
  { name: 'IPv6: HL --hl-set 64 upstream: 5 left where 1 was due', quoted: IP6({ hopLimit: '05' }) + TCP(), differences: [{ field: 'ip.ttl', sent: 1, seen: 5 }] },
  {
    name: 'IPv6: a NAT66 that does not translate the quote back',
    quoted: IP6({ hopLimit: '01', source: '20010002000000630000000000000001' }) + TCP({ port: '0400' }),
    differences: [{ field: 'ip.source', sent: '2001:2:0:1::1', seen: '2001:2:0:63::1' }, { field: 'tcp.sourcePort', sent: 40000, seen: 1024 }],
  },
];

for (const c of cases6) {
  t.test(c.name, async (t) => {
    const result = compareTcpQuote(SENT6, quote6(c.quoted), 1);
    t.same(result.differences, c.differences, 'differences');
    t.same(result.unseen, [], 'the whole SYN is quoted');
    t.equal(result.quotedBytes, 40);
    const all = [...result.differences.map((d) => d.field), ...result.unchanged, ...result.unseen].sort();
    t.same(all, V6_FIELDS, 'every IPv6 field judged once, ip.id not among them');
  });
}

t.test('IPv6: compareIpQuote judges traffic class, flow label, hop limit and source', async (t) => {
  const result = compareIpQuote(SENT6, quote6(IP6({ hopLimit: '01', label: 'fffff' }) + TCP()), 1);
  t.same(result.differences, [{ field: 'ip.flowLabel', sent: 0x5a5a5, seen: 0xfffff }]);
  t.same([...result.unchanged].sort(), ['ip.dscp', 'ip.ecn', 'ip.source', 'ip.ttl']);
});

t.test("IPv6: the trace SYN the module builds, quoted as a Linux router quotes it, compares clean; a clamp on it shows", async (t) => {
  const flow = { source: requireAddress('2001:2:0:1::1'), destination: requireAddress('2001:2:0:4::2'), flowId: 40000 };
  const template = tcpSyn.prepare(flow, [0x01234567, 0x89abcdef]).forTrace();
  const sent = template.build(443, 3, 0x0103, 0x0103);
  t.equal(sent.length, 80, 'IPv6 40 + TCP 20 + Linux options 20');
  const arrived = Buffer.from(sent);
  arrived[7] = 1; // hop limit left at the router where it expired
  const clean = template.compareQuote(sent, quote6(arrived.toString('hex')), 1);
  t.same(clean.differences, []);
  t.same([...clean.unchanged].sort(), V6_FIELDS);
  const clamped = Buffer.from(arrived);
  clamped.writeUInt16BE(1200, 40 + 22); // the MSS option's value (kind 2, length 4 at TCP offset 20)
  const seen = template.compareQuote(sent, quote6(clamped.toString('hex')), 1);
  t.same(seen.differences, [{ field: 'tcp.mss', sent: 1460, seen: 1200 }], 'the comparison reads options, not the checksum');
});
