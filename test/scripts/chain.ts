// The lab's chain as data (no root needed): names, links, addressing, sysctls, firewall arguments, spec checks.
import t from 'tap';
import {
  addressesAndRoutes,
  choosePrefix,
  firewallArgs,
  LAB_SUPERNET,
  linkCommands,
  MAX_ROUTERS,
  namespaceNames,
  needsIptables,
  sysctlsOf,
  validateSpec,
} from '../../scripts/lab/chain.js';

t.test('names and links: client, routers, server joined in order', async (t) => {
  const names = namespaceNames('tpx', 2);
  t.same(names, ['tpxc', 'tpxr1', 'tpxr2', 'tpxs']);
  t.same(linkCommands(names), [
    ['-n', 'tpxc', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'tpxr1'],
    ['-n', 'tpxr1', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'tpxr2'],
    ['-n', 'tpxr2', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'tpxs'],
  ]);
  t.same(namespaceNames('tpy', 0), ['tpyc', 'tpys'], 'no router: client and server on one link');
});

t.test('addresses and routes of each node (two routers)', async (t) => {
  t.same(addressesAndRoutes(0, 2), ['link set lo up', 'addr add 198.18.1.1/24 dev eth1', 'link set eth1 up', `route add ${LAB_SUPERNET} via 198.18.1.2 dev eth1`]);
  t.same(addressesAndRoutes(1, 2), [
    'link set lo up',
    'addr add 198.18.1.2/24 dev eth0',
    'link set eth0 up',
    'addr add 198.18.2.1/24 dev eth1',
    'link set eth1 up',
    `route add ${LAB_SUPERNET} via 198.18.1.1 dev eth0`,
    'route add 198.18.3.0/24 via 198.18.2.2 dev eth1',
  ]);
  t.same(addressesAndRoutes(2, 2).slice(-1), [`route add ${LAB_SUPERNET} via 198.18.2.1 dev eth0`], 'the last router needs no route beyond its own link');
  t.same(addressesAndRoutes(3, 2), ['link set lo up', 'addr add 198.18.3.2/24 dev eth0', 'link set eth0 up', `route add ${LAB_SUPERNET} via 198.18.3.1 dev eth0`]);
  const every = Array.from({ length: 12 }, (_, k) => addressesAndRoutes(k, 10)).flat();
  const addresses = every.flatMap((line) => [...line.matchAll(/\b(\d+)\.(\d+)\.\d+\.\d+/g)].map((m) => `${m[1]}.${m[2]}`));
  t.ok(addresses.length > 0 && addresses.every((net) => net === '198.18'), 'only 198.18.0.0/15 is ever configured');
  t.notOk(every.some((line) => /default/.test(line)), 'no default route anywhere');
});

t.test('sysctls: routers forward, a default TTL where the spec sets one', async (t) => {
  t.same(sysctlsOf(0, 2, {}), []);
  t.same(sysctlsOf(1, 2, {}), ['net.ipv4.ip_forward=1']);
  t.same(sysctlsOf(3, 2, { defaultTtl: 128 }), ['net.ipv4.ip_default_ttl=128'], 'the server does not forward');
  t.same(sysctlsOf(2, 2, { defaultTtl: 255 }), ['net.ipv4.ip_forward=1', 'net.ipv4.ip_default_ttl=255']);
});

t.test('firewall rules wait for the xtables lock unless they already say so', async (t) => {
  t.same(firewallArgs(' -A FORWARD  -p tcp --dport 22 -j REJECT --reject-with tcp-reset '), ['-w', '-A', 'FORWARD', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
  t.same(firewallArgs('-w 5 -A INPUT -j DROP'), ['-w', '5', '-A', 'INPUT', '-j', 'DROP']);
  t.same(firewallArgs('--wait -A INPUT -j DROP'), ['--wait', '-A', 'INPUT', '-j', 'DROP']);
  t.equal(needsIptables({ routers: [{}, { iptables: ['-A FORWARD -j DROP'] }], server: {} }), true);
  t.equal(needsIptables({ routers: [{}], server: { listen: [22] } }), false);
});

t.test('a prefix no existing namespace starts with', async (t) => {
  let count = 0;
  const randoms = [35, 36 * 36 + 1];
  // "tp", pid 36 = "10", the count, the random value's last two base-36 digits.
  const prefix = choosePrefix(36, () => count++, () => randoms.shift()!, ['tp1000zc', 'tp1000zr1']);
  t.equal(prefix, 'tp10101', 'the first candidate (tp1000z) was taken: the next one');
  t.equal(count, 2);
});

t.test('spec checks', async (t) => {
  t.doesNotThrow(() => validateSpec({ routers: [{ defaultTtl: 255 }], server: { listen: [22, 443], defaultTtl: 128 } }));
  t.throws(() => validateSpec({ routers: Array.from({ length: MAX_ROUTERS + 1 }, () => ({})), server: {} }), { message: `lab: between 0 and ${MAX_ROUTERS} routers are supported (got ${MAX_ROUTERS + 1})` });
  t.throws(() => validateSpec({ routers: [{ defaultTtl: 0 }], server: {} }), { message: 'lab: node 1: defaultTtl must be an integer 1..255 (got 0)' });
  t.throws(() => validateSpec({ routers: [], server: { listen: [65536] } }), { message: 'lab: node 1: invalid listen port 65536' });
  t.throws(() => validateSpec({ routers: [], server: {}, client: { iptables: ['  '] } }), { message: 'lab: node 0: empty iptables rule' });
});
