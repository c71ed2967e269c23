import t from 'tap';
import {
  addressSum,
  addressWords,
  classifyIPv4,
  formatIPv6,
  ipv4Address,
  ipv6Address,
  isIPv6Literal,
  parseAddress,
  parseIPv6,
  requireAddress,
  formatIPv4,
  parseIPv4,
  readIPv4,
  writeIPv4,
  type AddressClass,
} from '../../src/packet/address.js';

t.test('parseIPv4 accepts strict dotted quads', async (t) => {
  const cases: Array<[string, number]> = [
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['192.168.1.10', 0xc0a8010a],
    ['93.184.216.34', 0x5db8d822],
    ['10.0.0.1', 0x0a000001],
    ['1.2.3.4', 0x01020304],
    ['200.100.0.9', 0xc8640009],
  ];
  for (const [text, value] of cases) t.equal(parseIPv4(text), value, text);
});

t.test('parseIPv4 rejects anything else', async (t) => {
  const cases = [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.999',
    '01.2.3.4',
    '1.2.3.00',
    '1.2.3.-1',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4\n',
    '1..3.4',
    '0x1.2.3.4',
    '1.2.3.4/24',
    'a.b.c.d',
    '1.2.3.1000',
    '１.2.3.4',
    '::1',
  ];
  for (const text of cases) t.equal(parseIPv4(text), null, JSON.stringify(text));
});

t.test('formatIPv4', async (t) => {
  t.equal(formatIPv4(0), '0.0.0.0');
  t.equal(formatIPv4(0xffffffff), '255.255.255.255');
  t.equal(formatIPv4(0xc0a8010a), '192.168.1.10');
  t.equal(formatIPv4(-1), '255.255.255.255', 'signed values wrap');
  t.equal(formatIPv4(0x7f000001 | 0), '127.0.0.1');
  for (const text of ['1.2.3.4', '93.184.216.34', '224.0.0.251']) {
    t.equal(formatIPv4(parseIPv4(text)!), text, `round trip ${text}`);
  }
});

t.test('readIPv4 and writeIPv4', async (t) => {
  const buf = Buffer.from('ffc0a8010aee', 'hex');
  t.equal(readIPv4(buf, 1), '192.168.1.10');
  t.equal(readIPv4(new Uint8Array([8, 8, 4, 4]), 0), '8.8.4.4');
  t.equal(readIPv4(buf, 4), '10.238.0.0', 'bytes past the end read as 0 without throwing');
  t.equal(readIPv4(buf, 6), '0.0.0.0', 'entirely past the end');
  t.equal(readIPv4(buf, -2), '0.0.255.192', 'negative offset');

  const out = Buffer.alloc(6, 0xaa);
  writeIPv4(out, 1, '93.184.216.34');
  t.equal(out.toString('hex'), 'aa5db8d822aa');
  t.throws(() => writeIPv4(out, 0, '1.2.3.256'), TypeError);
  t.throws(() => writeIPv4(out, 0, 'localhost'), TypeError);
  t.throws(() => writeIPv4(out, 3, '1.2.3.4'), RangeError);
  t.equal(out.toString('hex'), 'aa5db8d822aa', 'failed writes leave the buffer unchanged');
});

t.test('classifyIPv4', async (t) => {
  const cases: Array<[string, AddressClass]> = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['255.255.255.254', 'unicast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['223.255.255.255', 'unicast'],
    ['240.0.0.1', 'unicast'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.255', 'loopback'],
    ['128.0.0.1', 'unicast'],
    ['1.0.0.0', 'unicast'],
    ['192.168.1.10', 'unicast'],
    ['10.0.0.1', 'unicast'],
  ];
  for (const [text, cls] of cases) t.equal(classifyIPv4(parseIPv4(text)!), cls, text);
  t.equal(classifyIPv4(-1), 'broadcast', 'signed all-ones');
  t.equal(classifyIPv4(0xe0000001 | 0), 'multicast', 'signed multicast');
});

t.test('parseIPv6 and formatIPv6: RFC 4291 text in, RFC 5952 text out', async (t) => {
  const cases: Array<[string, string]> = [
    ['::', '::'],
    ['::1', '::1'],
    ['2001:2::1', '2001:2::1'],
    ['2001:0002:0000:0000:0000:0000:0000:0001', '2001:2::1'],
    ['2001:DB8::A', '2001:db8::a'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:2:0:4::2', '2001:2:0:4::2'],
    ['::ffff:198.18.1.1', '::ffff:198.18.1.1'],
    ['::ffff:c612:101', '::ffff:198.18.1.1'],
    ['64:ff9b::198.18.1.1', '64:ff9b::c612:101'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ];
  for (const [text, canonical] of cases) {
    const bytes = parseIPv6(text);
    if (bytes === null) throw new Error(`refused ${text}`);
    t.equal(formatIPv6(bytes), canonical, text);
    t.same(parseIPv6(canonical), bytes, `${canonical} round trips`);
  }
  t.same([...parseIPv6('2001:2::1:ff00')!], [0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0], 'bytes in network order');
  t.equal(formatIPv6(new Uint8Array([0x20, 0x01, 0, 2]), 0), '2001:2::', 'bytes past the end read as 0');
});

t.test('parseIPv6 refuses anything else', async (t) => {
  const cases = ['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::', ':1::', '1::2:', '1.2.3.4::', '::1.2.3', '::1.2.3.256', 'fe80::1%eth0', ' ::1', '[::1]', '1:2:3:4:5:6:7:8::'];
  for (const text of cases) t.equal(parseIPv6(text), null, JSON.stringify(text));
  t.ok(isIPv6Literal('fe80::1%eth0'), 'a zone is allowed when telling a target is IPv6');
  t.notOk(isIPv6Literal('example.com'));
  t.notOk(isIPv6Literal('198.18.1.1'));
});

t.test('one Address type for both families', async (t) => {
  t.same(parseAddress('198.18.1.1'), { family: 4, value: 0xc6120101, text: '198.18.1.1' });
  const v6 = parseAddress('2001:0002::0001');
  t.match(v6, { family: 6, text: '2001:2::1' });
  t.equal(parseAddress('01.2.3.4'), null);
  t.equal(parseAddress('host'), null);
  t.throws(() => requireAddress('host'), new TypeError('invalid IP address: "host"'));
  t.same(ipv4Address(-1), { family: 4, value: 0xffffffff, text: '255.255.255.255' });
  const bytes = Buffer.from('00002001000200000000000000000000000199', 'hex');
  const fromBuffer = ipv6Address(bytes, 2);
  t.equal(fromBuffer.text, '2001:2::1');
  bytes[3] = 0xff;
  t.equal(formatIPv6(fromBuffer.bytes), '2001:2::1', 'ipv6Address copies');
  t.throws(() => ipv6Address(new Uint8Array(15)), RangeError);
});

t.test('addressWords (cookie input) and addressSum (pseudo-header part)', async (t) => {
  t.same(addressWords(requireAddress('198.18.4.2')), [0xc6120402]);
  t.same(addressWords(requireAddress('2001:2:0:4::ffff:2')), [0x20010002, 0x00000004, 0x00000000, 0xffff0002]);
  t.equal(addressSum(requireAddress('198.18.4.2')), 0xc612 + 0x0402);
  t.equal(addressSum(requireAddress('2001:2:0:4::ffff:2')), 0x2001 + 2 + 4 + 0xffff + 2);
});
