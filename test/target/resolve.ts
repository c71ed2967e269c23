import t from 'tap';
import { resolveTarget, unprobeableReason } from '../../src/target/resolve.js';
import { UsageError } from '../../src/errors.js';

t.test('literal addresses', async (t) => {
  t.same(await resolveTarget('198.18.4.2'), { target: '198.18.4.2', address: '198.18.4.2' });
  t.equal(unprobeableReason('198.18.4.2'), null);
  t.equal(unprobeableReason('127.0.0.1'), null, 'loopback can be probed (it stays on the machine)');
  await t.rejects(resolveTarget('::1'), new UsageError('IPv6 target ::1: IPv6 is not supported yet'));
  await t.rejects(resolveTarget('10.0.0.300'), new UsageError('"10.0.0.300" is not an IPv4 address'));
  await t.rejects(resolveTarget('bad name!'), new UsageError('invalid target "bad name!": expected an IPv4 address or a host name'));
});

t.test('names go through the resolver; first IPv4 answer wins', async (t) => {
  const resolver = async () => [{ address: '2001:db8::1', family: 6 }, { address: '198.18.4.2', family: 4 }];
  t.same(await resolveTarget('db1.example', { resolver }), { target: 'db1.example', address: '198.18.4.2' });
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
