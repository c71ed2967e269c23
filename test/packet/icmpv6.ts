import t from 'tap';
import { decodeIcmpv6, icmpv6Description, Icmpv6Type } from '../../src/packet/icmpv6.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// A quoted IPv6 header: TCP (6), payload 24, hop limit 62, 2001:2:0:1::2 -> 2001:2:0:4::2, then 8 bytes of TCP.
const QUOTED = '600000000018063e 20010002000000010000000000000002 20010002000000040000000000000002';
const QUOTED_TCP = 'a0000016 12345678';

t.test('ICMPv6 messages decode by type', async (t) => {
  const cases: Array<{ name: string; bytes: string; expect: object }> = [
    { name: 'echo reply', bytes: '8100abcd 9c400001 deadbeef', expect: { type: 129, code: 0, checksum: 0xabcd, echo: { identifier: 0x9c40, sequence: 1 }, quote: null } },
    { name: 'echo request', bytes: '80000000 00010002', expect: { type: 128, echo: { identifier: 1, sequence: 2 } } },
    {
      name: 'destination unreachable, administratively prohibited, quoting a SYN',
      bytes: `01010000 00000000 ${QUOTED} ${QUOTED_TCP}`,
      expect: { type: 1, code: 1, echo: null, quote: { header: { nextHeader: 6, hopLimit: 62, source: '2001:2:0:1::2', destination: '2001:2:0:4::2', payloadLength: 24 } }, quoteError: null },
    },
    { name: 'time exceeded', bytes: `03000000 00000000 ${QUOTED} ${QUOTED_TCP}`, expect: { type: 3, code: 0, quote: { header: { hopLimit: 62 } } } },
    { name: 'packet too big (MTU in the second word)', bytes: `02000000 00000500 ${QUOTED} ${QUOTED_TCP}`, expect: { type: 2, quote: { header: { nextHeader: 6 } } } },
    { name: 'parameter problem', bytes: `04000000 00000006 ${QUOTED} ${QUOTED_TCP}`, expect: { type: 4, quote: { header: { nextHeader: 6 } } } },
    { name: 'neighbour solicitation: neither echo nor error', bytes: '87000000 00000000', expect: { type: 135, echo: null, quote: null, quoteError: null } },
  ];
  for (const { name, bytes, expect } of cases) {
    const decoded = decodeIcmpv6(hex(bytes));
    t.ok(decoded.ok, name);
    if (decoded.ok) t.match(decoded.value, expect, name);
  }
  const quoted = decodeIcmpv6(hex(`01040000 00000000 ${QUOTED} ${QUOTED_TCP}`));
  t.ok(quoted.ok && quoted.value.quote?.transport.equals(hex(QUOTED_TCP)), 'the quote ends where the message does (truncated quotes allowed)');
});

t.test('malformed ICMPv6 is a result, never a throw', async (t) => {
  t.same(decodeIcmpv6(hex('8100')), { ok: false, reason: 'truncated ICMPv6 header (2 < 8 bytes)' });
  t.same(decodeIcmpv6(Buffer.alloc(0)), { ok: false, reason: 'truncated ICMPv6 header (0 < 8 bytes)' });
  const short = decodeIcmpv6(hex('01000000 00000000 60000000 0018'));
  t.match(short, { ok: true, value: { quote: null, quoteError: 'truncated IPv6 header (6 < 40 bytes)' } }, 'a quote too short for its header');
  const v4 = decodeIcmpv6(hex(`01000000 00000000 4500002c000040004006000000000000 ${'00'.repeat(24)}`));
  t.match(v4, { ok: true, value: { quote: null, quoteError: 'invalid IP version (4 != 6)' } }, 'an IPv4 header quoted in ICMPv6');
});

t.test('every destination-unreachable code has its RFC 4443 name', async (t) => {
  const names = ['no route to destination', 'communication with destination administratively prohibited', 'beyond scope of source address', 'address unreachable', 'port unreachable', 'source address failed ingress/egress policy', 'reject route to destination'];
  names.forEach((name, code) => t.equal(icmpv6Description(Icmpv6Type.DEST_UNREACHABLE, code), name, `code ${code}`));
  t.equal(icmpv6Description(3, 0), 'hop limit exceeded in transit');
  t.equal(icmpv6Description(1, 7), 'ICMPv6 type 1 code 7');
});

t.test('RFC 4884/4950 over ICMPv6: the MPLS label stack after a quote whose length is given in 64-bit words', async (t) => {
  // Time exceeded, length 16 words (128 bytes of quote), then extension v2 and one MPLS object with two entries.
  const quote = Buffer.alloc(128);
  hex(QUOTED + QUOTED_TCP).copy(quote);
  const extension = hex('20000000 000c0101 0003e03f 00001101');
  const message = (header: string, tail: Buffer = extension) => Buffer.concat([hex(header), quote, tail]);
  const decoded = decodeIcmpv6(message('03000000 10000000'));
  t.match(decoded, { ok: true, value: { type: 3, quote: { header: { payloadLength: 24 } }, quoteError: null } });
  t.same(decoded.ok && decoded.value.mpls, [
    { label: 62, tc: 0, s: false, ttl: 0x3f },
    { label: 1, tc: 0, s: true, ttl: 1 },
  ]);
  t.same(decoded.ok && decoded.value.quote?.transport.length, 24, 'the quote stops at its own payload length (24), not at the extension');
  const mplsOf = (bytes: Buffer) => {
    const result = decodeIcmpv6(bytes);
    return result.ok ? result.value.mpls : null;
  };
  t.equal(mplsOf(message('01040000 10000000'))?.length, 2, 'destination unreachable too');
  t.same(mplsOf(message('03000000 00000000')), [], 'no length: not read');
  t.same(mplsOf(message('03000000 04000000')), [], 'a length that points inside the quote: no version-2 header there');
  t.same(mplsOf(message('02000000 10000000')), [], 'packet too big has no extension (its byte 4 is the MTU)');
  t.same(mplsOf(message('03000000 10000000', hex('20000000 ffff0101'))), [], 'an object longer than the message');
  t.same(mplsOf(message('03000000 ff000000')), [], 'a length past the end of the message');
  t.same(mplsOf(hex('81000000 00010002')), [], 'echo reply: none');
});
