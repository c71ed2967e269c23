import t from 'tap';
import { looksLikeAddressSet, MAX_IPV6_BLOCK_ADDRESSES, parseAddressSet } from '../../src/target/blocks.js';
import { parseAddress } from '../../src/packet/address.js';
import { UsageError } from '../../src/errors.js';

const all = (text: string): string[] => [...parseAddressSet(text).addresses()];

t.test('IPv4 blocks include the network and broadcast addresses, as nmap does; host bits are ignored', async (t) => {
  const block = parseAddressSet('198.18.4.0/30');
  t.equal(block.size, 4);
  t.same([...block.addresses()], ['198.18.4.0', '198.18.4.1', '198.18.4.2', '198.18.4.3']);
  t.same(all('198.18.4.7/30'), ['198.18.4.4', '198.18.4.5', '198.18.4.6', '198.18.4.7'], 'host bits cleared');
  t.same(all('198.18.4.9/32'), ['198.18.4.9']);
  t.same(all('198.18.4.8/31'), ['198.18.4.8', '198.18.4.9']);
  const slash16 = parseAddressSet('198.18.0.0/16');
  t.equal(slash16.size, 65536);
  t.equal(slash16.low, BigInt(0xc6120000));
  t.equal(slash16.high, BigInt(0xc612ffff));
  t.ok(slash16.has(parseAddress('198.18.200.9')!));
  t.notOk(slash16.has(parseAddress('198.19.0.0')!));
  t.notOk(slash16.has(parseAddress('2001:2::1')!), 'another family is never in a block');
  let count = 0;
  let last = '';
  for (const address of slash16.addresses()) {
    count++;
    last = address;
  }
  t.equal(count, 65536, 'yields every address of a /16');
  t.equal(last, '198.18.255.255');
});

t.test('octet ranges, as nmap writes them: N-M, -M, N-, *, comma lists; the last octet varies fastest', async (t) => {
  t.same(all('198.18.4.1-3'), ['198.18.4.1', '198.18.4.2', '198.18.4.3']);
  t.same(all('198.18.1-2.1-2'), ['198.18.1.1', '198.18.1.2', '198.18.2.1', '198.18.2.2']);
  t.same(all('198.18.4.1,3,7-8'), ['198.18.4.1', '198.18.4.3', '198.18.4.7', '198.18.4.8']);
  t.same(all('198.18.4.-2'), ['198.18.4.0', '198.18.4.1', '198.18.4.2']);
  t.equal(parseAddressSet('198.18.4.250-').size, 6);
  t.equal(parseAddressSet('198.18.4.*').size, 256);
  t.equal(parseAddressSet('198.18.1-2.1-254').size, 508);
  const range = parseAddressSet('198.18.1-2.10-20');
  t.ok(range.has(parseAddress('198.18.2.15')!));
  t.notOk(range.has(parseAddress('198.18.2.21')!));
  t.notOk(range.has(parseAddress('198.18.3.15')!));
});

t.test('IPv6 blocks up to a /112', async (t) => {
  t.same(all('2001:2:0:4::/126'), ['2001:2:0:4::', '2001:2:0:4::1', '2001:2:0:4::2', '2001:2:0:4::3']);
  t.same(all('[2001:2:0:4::5]/127'), ['2001:2:0:4::4', '2001:2:0:4::5'], 'bracketed, host bits cleared');
  const block = parseAddressSet('2001:2:0:4::/112');
  t.equal(block.size, MAX_IPV6_BLOCK_ADDRESSES);
  t.ok(block.has(parseAddress('2001:2:0:4::ffff')!));
  t.notOk(block.has(parseAddress('2001:2:0:4::1:0')!));
  t.notOk(block.has(parseAddress('198.18.4.1')!));
});

t.test('what is a set and what is a name or an address', async (t) => {
  for (const text of ['198.18.4.0/24', '198.18.4.1-20', '198.18.4.*', '198.18.4.1,2', '2001:2::/120']) t.ok(looksLikeAddressSet(text), text);
  for (const text of ['198.18.4.2', 'db1.example', 'my-host', '2001:2::1', '198.18.4.999']) t.notOk(looksLikeAddressSet(text), text);
});

t.test('bad sets are refused in one line', async (t) => {
  const cases: [string, string][] = [
    ['198.18.4.0/33', 'invalid block "198.18.4.0/33": an IPv4 prefix length is 0-32'],
    ['198.18.4.0/', 'invalid block "198.18.4.0/": the prefix length after / must be a number'],
    ['198.18.4.0/024', 'invalid block "198.18.4.0/024": the prefix length after / must be a number'],
    ['db1.example/24', 'invalid block "db1.example/24": db1.example is not an IPv4 or IPv6 address'],
    ['2001:2::/129', 'invalid block "2001:2::/129": an IPv6 prefix length is 0-128'],
    ['2001:2::/64', 'IPv6 block "2001:2::/64" holds 2^64 addresses, more than the limit of 65536 (/112): give a smaller block or a list'],
    ['0.0.0.0/0', 'block "0.0.0.0/0" holds 0.0.0.0/8 (unspecified), which cannot be probed'],
    ['224.0.0.0/24', 'block "224.0.0.0/24" holds multicast addresses (224.0.0.0/4), which cannot be probed'],
    ['192.0.0.0/2', 'block "192.0.0.0/2" holds multicast addresses (224.0.0.0/4), which cannot be probed'],
    ['255.255.255.0/24', 'block "255.255.255.0/24" holds the broadcast address 255.255.255.255, which cannot be probed'],
    ['ff02::/120', 'block "ff02::/120" cannot be probed: ff02:: is a multicast address (ff00::/8) and cannot be probed'],
    ['fe80::/120', 'block "fe80::/120" cannot be probed: fe80:: is a link-local address (fe80::/10) without a zone (fe80::1%eth0) and cannot be probed'],
    ['::/120', 'block "::/120" cannot be probed: :: is the unspecified address (::) and cannot be probed'],
    ['198.18.4.9-1', 'invalid range "198.18.4.9-1": octet 4 ("9-1"): 9-1 runs backwards'],
    ['198.18.4.1-300', 'invalid range "198.18.4.1-300": octet 4 ("1-300"): an octet is 0-255'],
    ['198.18.4.1--2', 'invalid range "198.18.4.1--2": octet 4 ("1--2"): expected N, N-M, * or a comma list of them'],
    ['198.18.4.1,', 'invalid range "198.18.4.1,": octet 4 ("1,"): expected N, N-M, * or a comma list of them'],
    ['225.1.1.1-2', 'range "225.1.1.1-2" holds multicast addresses (224.0.0.0/4), which cannot be probed'],
    ['255.255.255.1-255', 'range "255.255.255.1-255" holds the broadcast address 255.255.255.255, which cannot be probed'],
  ];
  for (const [text, message] of cases) t.throws(() => parseAddressSet(text), new UsageError(message), text);
});
