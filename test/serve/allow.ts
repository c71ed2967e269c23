import t from 'tap';
import { UsageError } from '../../src/errors.js';
import { addressAllowed, describeAllowList, parseAllowEntry, parseAllowList, refusalReason } from '../../src/serve/allow.js';

t.test('entries', async (t) => {
  t.same(parseAllowEntry('198.18.0.0/15'), { network: { base: 0xc6120000, prefix: 15, text: '198.18.0.0/15' } });
  t.same(parseAllowEntry(' 198.18.4.2 '), { network: { base: 0xc6120402, prefix: 32, text: '198.18.4.2/32' } });
  t.same(parseAllowEntry('0.0.0.0/0'), { network: { base: 0, prefix: 0, text: '0.0.0.0/0' } });
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
    ['2001:db8::/32', '--allow 2001:db8::/32: "2001:db8::" is not an IPv4 address'],
    ['*.example', '--allow *.example: expected a CIDR (e.g. 198.18.0.0/15), an IPv4 address or a host name'],
    ['db1 example', '--allow db1 example: expected a CIDR (e.g. 198.18.0.0/15), an IPv4 address or a host name'],
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
