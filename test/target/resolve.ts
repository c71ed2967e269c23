import t from 'tap';
import { resolveTarget, unprobeableReason } from '../../src/target/resolve.js';
import { UsageError } from '../../src/errors.js';

t.test('the exporter resolveTarget: IPv4 literals', async (t) => {
  t.same(await resolveTarget('198.18.4.2'), { target: '198.18.4.2', address: '198.18.4.2', family: 4 });
  t.equal(unprobeableReason('198.18.4.2'), null);
  t.equal(unprobeableReason('127.0.0.1'), null, 'loopback can be probed (it stays on the machine)');
  await t.rejects(resolveTarget('::1'), new UsageError('IPv6 target ::1: IPv6 is not supported yet'));
  await t.rejects(resolveTarget('10.0.0.300'), new UsageError('"10.0.0.300" is not an IPv4 address'));
  await t.rejects(resolveTarget('bad name!'), new UsageError('invalid target "bad name!": expected an IPv4 address or a host name'));
});

t.test('the exporter resolveTarget: names give their first IPv4 answer', async (t) => {
  const resolver = async () => [{ address: '2001:db8::1', family: 6 }, { address: '198.18.4.2', family: 4 }];
  t.same(await resolveTarget('db1.example', { resolver }), { target: 'db1.example', address: '198.18.4.2', family: 4 });
  await t.rejects(resolveTarget('v6only.example', { resolver: async () => [{ address: '2001:db8::1', family: 6 }] }), new UsageError('host name "v6only.example" has only IPv6 addresses: IPv6 is not supported yet'));
  await t.rejects(resolveTarget('mcast.example', { resolver: async () => [{ address: '224.0.0.5', family: 4 }] }), new UsageError('host name "mcast.example" resolves to 224.0.0.5 is a multicast address (224.0.0.0/4) and cannot be probed'));
  const failing = async () => {
    throw Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  await t.rejects(resolveTarget('nowhere.example', { resolver: failing }), new UsageError('cannot resolve host name "nowhere.example" (ENOTFOUND)'));
});

t.test('a resolver that never answers cannot hang the run', async (t) => {
  const started = Date.now();
  await t.rejects(resolveTarget('slow.example', { resolver: () => new Promise(() => {}), timeoutMs: 200 }), new UsageError('resolving host name "slow.example" timed out'));
  t.ok(Date.now() - started < 10_000, `gave up after the 200 ms timeout (${Date.now() - started} ms)`);
});

import { pickAddresses, resolveTargetAddresses, unprobeableIPv6Reason } from '../../src/target/resolve.js';

const ANY = { family: null, all: false } as const;

t.test('IPv6 literals, bracketed or not, canonical in the report', async (t) => {
  t.same(await resolveTargetAddresses('2001:2:0:4::2', ANY), [{ target: '2001:2:0:4::2', address: '2001:2:0:4::2', family: 6 }]);
  t.same(await resolveTargetAddresses('[2001:0002:0000:0004:0000:0000:0000:0002]', ANY), [{ target: '[2001:0002:0000:0004:0000:0000:0000:0002]', address: '2001:2:0:4::2', family: 6 }]);
  t.same(await resolveTargetAddresses('198.18.4.2', ANY), [{ target: '198.18.4.2', address: '198.18.4.2', family: 4 }]);
  await t.rejects(resolveTargetAddresses('2001:2::1', { family: 4, all: false }), new UsageError('2001:2::1 is an IPv6 address, but -4 asks for IPv4'));
  await t.rejects(resolveTargetAddresses('198.18.4.2', { family: 6, all: false }), new UsageError('198.18.4.2 is an IPv4 address, but -6 asks for IPv6'));
  await t.rejects(resolveTargetAddresses('2001:2::1::2', ANY), new UsageError('invalid target "2001:2::1::2": not an IPv6 address'));
});

t.test('unprobeable IPv6 addresses get one line each', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['2001:2::1', null],
    ['::1', null],
    ['::', ':: is the unspecified address (::) and cannot be probed'],
    ['ff02::1', 'ff02::1 is a multicast address (ff00::/8) and cannot be probed'],
    ['ff0e::1:2', 'ff0e::1:2 is a multicast address (ff00::/8) and cannot be probed'],
    ['fe80::1', 'fe80::1 is a link-local address (fe80::/10) without a zone (fe80::1%eth0) and cannot be probed'],
    ['febf::1', 'febf::1 is a link-local address (fe80::/10) without a zone (fe80::1%eth0) and cannot be probed'],
    ['fec0::1', null],
    ['fe80::1%eth0', 'fe80::1%eth0 is a link-local address (fe80::/10): link-local targets are not supported yet'],
    ['2001:2::1%eth0', '2001:2::1%eth0: a zone (%...) is only meaningful for link-local addresses'],
    ['::ffff:198.18.4.2', '::ffff:198.18.4.2 is an IPv4-mapped address: probe the IPv4 address itself (-4)'],
  ];
  for (const [address, reason] of cases) t.equal(unprobeableIPv6Reason(address), reason, address);
});

t.test('a name: the first answer in the system order unless -4/-6; --all-addresses takes every one', async (t) => {
  const answers = [
    { address: '2001:2:0:4::2', family: 6 },
    { address: '198.18.4.2', family: 4 },
    { address: '2001:2:0:4:0::3', family: 6 },
    { address: '198.18.4.2', family: 4 },
  ];
  t.same(pickAddresses('db.lab', answers, ANY), [{ target: 'db.lab', address: '2001:2:0:4::2', family: 6 }], 'as ssh and curl: the first getaddrinfo answer');
  t.same(pickAddresses('db.lab', answers, { family: 4, all: false }), [{ target: 'db.lab', address: '198.18.4.2', family: 4 }]);
  t.same(pickAddresses('db.lab', answers, { family: 6, all: false }), [{ target: 'db.lab', address: '2001:2:0:4::2', family: 6 }]);
  t.same(
    pickAddresses('db.lab', answers, { family: null, all: true }).map((target) => target.address),
    ['2001:2:0:4::2', '198.18.4.2', '2001:2:0:4::3'],
    'every distinct address, in order, canonical',
  );
  t.same(pickAddresses('db.lab', answers, { family: 6, all: true }).map((target) => target.address), ['2001:2:0:4::2', '2001:2:0:4::3']);
  t.throws(() => pickAddresses('v4.lab', [{ address: '198.18.4.2', family: 4 }], { family: 6, all: false }), new UsageError('host name "v4.lab" has no IPv6 address (it has 198.18.4.2)'));
  t.throws(() => pickAddresses('mc.lab', [{ address: 'ff02::1', family: 6 }], ANY), new UsageError('host name "mc.lab" resolves to ff02::1 is a multicast address (ff00::/8) and cannot be probed'));
  t.same(pickAddresses('mixed.lab', [{ address: 'ff02::1', family: 6 }, { address: '198.18.4.2', family: 4 }], { family: null, all: true }).map((target) => target.address), ['198.18.4.2'], 'unprobeable answers are left out of --all-addresses');
  t.same(await resolveTargetAddresses('db.lab', { family: 4, all: false }, { resolver: async () => answers }), [{ target: 'db.lab', address: '198.18.4.2', family: 4 }]);
});
