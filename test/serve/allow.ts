import t from 'tap';
import { UsageError } from '../../src/errors.js';
import { addressAllowed, describeAllowList, parseAllowEntry, parseAllowList, refusalReason } from '../../src/serve/allow.js';

t.test('entries', async (t) => {
  t.same(parseAllowEntry('198.18.0.0/15'), { network: { family: 4, base: 0xc6120000, bytes: null, prefix: 15, text: '198.18.0.0/15' } });
  t.same(parseAllowEntry(' 198.18.4.2 '), { network: { family: 4, base: 0xc6120402, bytes: null, prefix: 32, text: '198.18.4.2/32' } });
  t.same(parseAllowEntry('0.0.0.0/0'), { network: { family: 4, base: 0, bytes: null, prefix: 0, text: '0.0.0.0/0' } });
  t.match(parseAllowEntry('2001:2::/48'), { network: { family: 6, prefix: 48, text: '2001:2::/48' } });
  t.match(parseAllowEntry('[2001:2:0:4::2]'), { network: { family: 6, prefix: 128, text: '2001:2:0:4::2/128' } });
  t.match(parseAllowEntry('2001:0002:0000:0004::/64'), { network: { text: '2001:2:0:4::/64' } }, 'written back in RFC 5952 form');
  t.same(parseAllowEntry('DB1.Example.'), { name: 'db1.example' });
  t.same(parseAllowEntry('localhost'), { name: 'localhost' });
});

t.test('bad entries: UsageError (exit 2) naming the value', async (t) => {
  const cases: [string, string][] = [
    ['', '--allow needs a CIDR (e.g. 198.18.0.0/15), an address or a host name'],
    ['198.18.4.2/15', '--allow 198.18.4.2/15: host bits are set; did you mean 198.18.0.0/15?'],
    ['198.18.0.0/33', '--allow 198.18.0.0/33: the prefix length must be 0-32, got "33"'],
    ['198.18.0.0/', '--allow 198.18.0.0/: the prefix length must be 0-32, got ""'],
    ['198.18.0.0/x', '--allow 198.18.0.0/x: the prefix length must be 0-32, got "x"'],
    ['198.18.0/16', '--allow 198.18.0/16: "198.18.0" is not an IPv4 address'],
    ['198.18.0.256', '--allow 198.18.0.256: "198.18.0.256" is not an IPv4 address'],
    ['2001:2::1/48', '--allow 2001:2::1/48: host bits are set; did you mean 2001:2::/48?'],
    ['2001:2::/129', '--allow 2001:2::/129: the prefix length must be 0-128, got "129"'],
    ['2001:2:::/48', '--allow 2001:2:::/48: "2001:2:::" is not an IPv6 address'],
    ['fe80::1%eth0', '--allow fe80::1%eth0: "fe80::1%eth0" is not an IPv6 address'],
    ['*.example', '--allow *.example: expected a CIDR (e.g. 198.18.0.0/15, 2001:2::/48), an address or a host name'],
    ['db1 example', '--allow db1 example: expected a CIDR (e.g. 198.18.0.0/15, 2001:2::/48), an address or a host name'],
  ];
  for (const [value, message] of cases) t.throws(() => parseAllowEntry(value), new UsageError(message), JSON.stringify(value));
  t.throws(
    () => parseAllowList([]),
    new UsageError('serve needs at least one --allow CIDR|NAME: the targets it may probe (e.g. --allow 198.18.0.0/15)'),
  );
});

t.test('matching is by the resolved address, or by a listed name', async (t) => {
  const list = parseAllowList(['198.18.0.0/15', '10.1.2.3', 'Monitor.Example']);
  t.equal(describeAllowList(list), '198.18.0.0/15, 10.1.2.3/32, monitor.example');
  const cases: [string, string, boolean][] = [
    ['198.18.4.2', '198.18.4.2', true],
    ['198.18.0.0', '198.18.0.0', true],
    ['198.19.255.255', '198.19.255.255', true],
    ['198.20.0.0', '198.20.0.0', false],
    ['198.17.255.255', '198.17.255.255', false],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.4', '10.1.2.4', false],
    ['db1.example', '198.18.4.2', true],
    ['sneaky.example', '192.0.2.1', false],
    ['monitor.example', '192.0.2.7', true],
    ['MONITOR.example.', '192.0.2.7', true],
    ['other.monitor.example', '192.0.2.7', false],
  ];
  for (const [target, address, allowed] of cases) {
    t.equal(refusalReason(list, target, address) === null, allowed, `${target} -> ${address}: ${allowed ? 'allowed' : 'refused'}`);
  }
  t.equal(
    refusalReason(list, 'sneaky.example', '192.0.2.1'),
    'target sneaky.example (resolves to 192.0.2.1) is not in the allow-list (198.18.0.0/15, 10.1.2.3/32, monitor.example)',
  );
  t.equal(refusalReason(list, '192.0.2.1', '192.0.2.1'), 'target 192.0.2.1 is not in the allow-list (198.18.0.0/15, 10.1.2.3/32, monitor.example)');
  t.equal(addressAllowed(parseAllowList(['0.0.0.0/0']), '255.255.255.254'), true, '/0 allows everything');
  t.equal(addressAllowed(list, 'not an address'), false);
});

t.test('IPv6 networks: by prefix, never across families', async (t) => {
  const list = parseAllowList(['2001:2::/48', '2001:2:0:4::2', '198.18.0.0/15', '2001:2:0:8::/61']);
  const cases: [string, boolean][] = [
    ['2001:2:0:4::2', true],
    ['2001:2:0:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:2:1::1', false],
    ['2001:3::1', false],
    ['2001:1:ffff::1', false],
    ['::ffff:198.18.4.2', false],
    ['198.18.4.2', true],
  ];
  for (const [address, allowed] of cases) t.equal(addressAllowed(list, address), allowed, `${address}: ${allowed ? 'allowed' : 'refused'}`);
  const narrow = parseAllowList(['2001:2:0:8::/61']);
  t.equal(addressAllowed(narrow, '2001:2:0:f::1'), true, 'a prefix that ends inside a byte: the last in it');
  t.equal(addressAllowed(narrow, '2001:2:0:10::1'), false, 'the first after it');
  t.equal(addressAllowed(parseAllowList(['198.18.0.0/15']), '2001:2::1'), false, 'an IPv4 list allows no IPv6 address');
  t.equal(addressAllowed(parseAllowList(['::/0']), '2001:db8::1'), true, '::/0 allows every IPv6 address');
  t.equal(addressAllowed(parseAllowList(['::/0']), '198.18.4.2'), false, 'and no IPv4 one');
  t.equal(refusalReason(list, 'v6.example', '2001:3::1'), 'target v6.example (resolves to 2001:3::1) is not in the allow-list (2001:2::/48, 2001:2:0:4::2/128, 198.18.0.0/15, 2001:2:0:8::/61)');
});
