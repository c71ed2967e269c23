import t from 'tap';
import {
  classifyIPv4,
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
