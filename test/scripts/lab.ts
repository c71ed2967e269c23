// Network lab tests. They build real namespaces, so they need root: when not
// root they FAIL with the reason (they are never skipped).
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildChain, requireRoot, tcpConnect, type Lab } from '../../scripts/lab/lab.js';
import { article, nineRouters, topologies } from '../../scripts/lab/topologies.js';

const holdScript = fileURLToPath(new URL('../../scripts/lab/hold.ts', import.meta.url));
const seenPrefixes = new Set<string>();

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8' });
}

function netnsList(): string[] {
  return sh('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

function labNamespaces(lab: Lab): string[] {
  return [lab.clientNs, ...lab.routers.map((r) => r.ns), lab.server.ns];
}

function rootSnapshot(): { addr: string; route: string; links: string } {
  return {
    addr: sh('ip', ['-o', 'addr']),
    route: sh('ip', ['route']),
    links: sh('ip', ['-o', 'link'])
      .split('\n')
      .map((l) => l.split(':')[1]?.trim())
      .filter(Boolean)
      .sort()
      .join(','),
  };
}

async function ipv4Addrs(lab: Lab, ns: string): Promise<string> {
  const r = await lab.exec(ns, 'ip', ['-o', '-4', 'addr']);
  return r.stdout;
}

async function sysctl(lab: Lab, ns: string, key: string): Promise<string> {
  return (await lab.exec(ns, 'sysctl', ['-n', key])).stdout.trim();
}

const reason = requireRoot();
if (reason) {
  process.stderr.write(`test/scripts/lab.ts: the network lab needs root: ${reason}\n`);
  t.fail(`the network lab tests need root (run: sudo npx tap test/scripts/lab.ts): ${reason}`);
} else {
  t.test('article lab: build, addressing, firewall, root untouched, teardown', async (t) => {
    const before = rootSnapshot();
    const topo = article();
    const lab = await buildChain(topo.spec);
    seenPrefixes.add(lab.prefix);
    t.teardown(() => lab.down());

    const names = labNamespaces(lab);
    t.equal(names.length, 5, 'client, 3 routers, server');
    t.equal(new Set(names).size, names.length, 'namespace names are distinct');
    for (const ns of names) t.ok(ns.startsWith(lab.prefix), `${ns} carries the lab prefix`);
    const listed = netnsList();
    for (const ns of names) t.ok(listed.includes(ns), `namespace ${ns} exists`);

    t.equal(lab.clientAddress, '198.18.1.1');
    t.same(
      lab.routers.map((r) => [r.hop, r.address]),
      [
        [1, '198.18.1.2'],
        [2, '198.18.2.2'],
        [3, '198.18.3.2'],
      ],
    );
    t.same([lab.server.hop, lab.server.address], [4, '198.18.4.2']);
    t.equal(topo.target, lab.server.address);

    t.match(await ipv4Addrs(lab, lab.clientNs), /inet 198\.18\.1\.1\/24/, 'the client has 198.18.1.1');
    for (const r of lab.routers) {
      const addrs = await ipv4Addrs(lab, r.ns);
      t.match(addrs, new RegExp(`eth0\\s+inet ${r.address.replace(/\./g, '\\.')}/24`), `${r.name} eth0 ${r.address}`);
      t.match(addrs, new RegExp(`eth1\\s+inet 198\\.18\\.${r.hop + 1}\\.1/24`), `${r.name} eth1 198.18.${r.hop + 1}.1`);
      t.equal(await sysctl(lab, r.ns, 'net.ipv4.ip_forward'), '1', `${r.name} forwards`);
    }
    t.match(await ipv4Addrs(lab, lab.server.ns), /eth0\s+inet 198\.18\.4\.2\/24/, 'the server has 198.18.4.2');
    t.equal(await sysctl(lab, lab.clientNs, 'net.ipv4.ip_forward'), '0', 'the client does not forward');
    t.equal(await sysctl(lab, lab.server.ns, 'net.ipv4.ip_default_ttl'), '64', 'default TTL untouched');

    const clientRoutes = (await lab.execInClient('ip', ['route'])).stdout;
    t.match(clientRoutes, /198\.18\.0\.0\/15 via 198\.18\.1\.2/, 'the client routes the lab supernet via r1');
    t.notMatch(clientRoutes, /default/, 'no default route in the client');
    const r1Routes = (await lab.exec(lab.routers[0]!.ns, 'ip', ['route'])).stdout;
    t.match(r1Routes, /198\.18\.0\.0\/15 via 198\.18\.1\.1/, 'r1 sends the supernet back to the client');
    t.match(r1Routes, /198\.18\.3\.0\/24 via 198\.18\.2\.2/, 'r1 reaches link 3 via r2');
    t.match(r1Routes, /198\.18\.4\.0\/24 via 198\.18\.2\.2/, 'r1 reaches link 4 via r2');
    const fw = (await lab.exec(lab.routers[1]!.ns, 'iptables', ['-S', 'FORWARD'])).stdout;
    t.match(fw, /--dport 22 -j REJECT --reject-with tcp-reset/, 'the firewall rule is installed in r2');

    const after = rootSnapshot();
    t.equal(after.addr, before.addr, 'no address was added in the root namespace');
    t.equal(after.route, before.route, 'no route was added in the root namespace');
    t.equal(after.links, before.links, 'no interface was added in the root namespace');
    t.notMatch(after.addr + after.route, /198\.1[89]\./, 'the root namespace knows nothing of 198.18.0.0/15');

    t.equal(await tcpConnect(lab, '198.18.4.2', 443), 'CONNECTED', 'client -> server:443 connects');
    t.equal(await tcpConnect(lab, '198.18.4.2', 22), 'ECONNREFUSED', 'client -> :22 refused by the forged RST');
    t.equal(await tcpConnect(lab, '198.18.4.2', 80), 'ECONNREFUSED', 'client -> :80 refused by the server kernel');

    const echo = await lab.execInClient('sh', ['-c', 'cat; echo " $X"'], { input: 'hi', env: { ...process.env, X: 'x' } });
    t.same([echo.code, echo.stdout.trim()], [0, 'hi x'], 'exec passes input and env');
    const slow = await lab.execInClient('sleep', ['5'], { timeoutMs: 200 });
    t.equal(slow.signal, 'SIGKILL', 'exec honours timeoutMs');

    await t.rejects(lab.exec('notalabns', 'true', []), /not part of this lab/, 'exec refuses foreign namespaces');

    await lab.down();
    const left = netnsList().filter((ns) => ns.startsWith(lab.prefix));
    t.same(left, [], 'down() removed every namespace');
    await lab.down();
    t.pass('down() is idempotent');
    await t.rejects(lab.execInClient('true', []), /torn down/, 'exec after down() is refused');
  });

  t.test('nine-router chain builds and the client reaches 198.18.10.2', async (t) => {
    const topo = nineRouters();
    const started = performance.now();
    const lab = await buildChain(topo.spec);
    const ms = performance.now() - started;
    seenPrefixes.add(lab.prefix);
    t.teardown(() => lab.down());
    // A figure, not an assertion: how fast `ip` and the kernel go depends on the machine and its load.
    t.comment(`nine-router lab built in ${ms.toFixed(0)} ms`);

    t.equal(lab.routers.length, 9);
    t.same(
      lab.routers.map((r) => r.address),
      Array.from({ length: 9 }, (_, i) => `198.18.${i + 1}.2`),
    );
    t.same([lab.server.hop, lab.server.address], [10, '198.18.10.2']);
    t.equal(topo.target, '198.18.10.2');
    t.equal(await tcpConnect(lab, '198.18.10.2', 443), 'CONNECTED', '443 connects');
    t.equal(await tcpConnect(lab, '198.18.10.2', 8443), 'CONNECTED', '8443 connects');
    t.equal(await tcpConnect(lab, '198.18.10.2', 22), 'ECONNREFUSED', '22 gets the forged RST');
    t.equal(await tcpConnect(lab, '198.18.10.2', 3306, { timeoutMs: 700 }), 'TIMEOUT', '3306 is dropped');
    t.equal(await tcpConnect(lab, '198.18.10.2', 5432, { timeoutMs: 700 }), 'TIMEOUT', '5432 is dropped');
    t.equal(
      await tcpConnect(lab, '198.18.1.1', 9, { ns: lab.server.ns }),
      'ECONNREFUSED',
      'the server reaches the client back',
    );
    await lab.down();
    t.same(
      netnsList().filter((ns) => ns.startsWith(lab.prefix)),
      [],
      'all namespaces removed',
    );
  });

  t.test('two labs built concurrently do not collide', async (t) => {
    const [a, b] = await Promise.all([buildChain(article().spec), buildChain(article().spec)]);
    seenPrefixes.add(a.prefix).add(b.prefix);
    t.teardown(() => Promise.all([a.down(), b.down()]).then(() => {}));
    t.not(a.prefix, b.prefix, 'distinct prefixes');
    const na = labNamespaces(a);
    const nb = labNamespaces(b);
    t.same(
      na.filter((ns) => nb.includes(ns)),
      [],
      'no shared namespace',
    );
    t.ok(
      na.every((ns) => !ns.startsWith(b.prefix)) && nb.every((ns) => !ns.startsWith(a.prefix)),
      'neither prefix is a prefix of the other lab names',
    );
    const [ra, rb] = await Promise.all([tcpConnect(a, '198.18.4.2', 443), tcpConnect(b, '198.18.4.2', 443)]);
    t.same([ra, rb], ['CONNECTED', 'CONNECTED'], 'both clients reach their own server');
    await Promise.all([a.down(), b.down()]);
    t.same(
      netnsList().filter((ns) => ns.startsWith(a.prefix) || ns.startsWith(b.prefix)),
      [],
      'both labs removed',
    );
  });

  t.test('every named topology builds and behaves as described', async (t) => {
    for (const [name, make] of Object.entries(topologies)) {
      const topo = make();
      t.type(topo.description, 'string', `${name} has a description`);
      const lab = await buildChain(topo.spec);
      seenPrefixes.add(lab.prefix);
      try {
        const fw = lab.routers[1]!;
        switch (name) {
          case 'ttlMix':
            t.equal(await sysctl(lab, fw.ns, 'net.ipv4.ip_default_ttl'), '255', 'ttlMix: firewall TTL 255');
            t.equal(await sysctl(lab, lab.server.ns, 'net.ipv4.ip_default_ttl'), '128', 'ttlMix: server TTL 128');
            t.equal(await tcpConnect(lab, topo.target, 22), 'ECONNREFUSED', 'ttlMix: 22 forged RST');
            break;
          case 'pingDropped': {
            const r1 = (await lab.exec(lab.routers[0]!.ns, 'iptables', ['-S', 'FORWARD'])).stdout;
            t.match(r1, /-p icmp .*--icmp-type 8 -j DROP/, 'pingDropped: r1 drops echo requests');
            break;
          }
          case 'adminProhibited':
            t.equal(await tcpConnect(lab, topo.target, 22), 'EHOSTUNREACH', 'adminProhibited: 22 gets ICMP admin prohibited');
            t.equal(await tcpConnect(lab, topo.target, 8080, { timeoutMs: 700 }), 'TIMEOUT', 'adminProhibited: 8080 dropped');
            break;
          case 'dnatLoadBalancer':
            t.equal(topo.target, '198.18.2.2', 'dnatLoadBalancer: the target is the VIP');
            break;
          default:
            break;
        }
        t.equal(await tcpConnect(lab, topo.target, 443), 'CONNECTED', `${name}: ${topo.target}:443 connects`);
      } finally {
        await lab.down();
      }
      t.same(
        netnsList().filter((ns) => ns.startsWith(lab.prefix)),
        [],
        `${name}: removed`,
      );
    }
  });

  // A child process builds a lab and is then signalled / exits / crashes
  // without calling down(): the lab's own handlers must remove everything.
  for (const how of ['SIGTERM', 'SIGINT', 'exit', 'throw'] as const) {
    t.test(`a lab is torn down when its process ends (${how})`, async (t) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, holdScript, 'article', how === 'exit' || how === 'throw' ? `--then=${how}` : '--then=hold'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      t.teardown(() => {
        // Only when the test itself failed: never leave the child or its lab behind.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        for (const prefix of holdPrefix) {
          const stale = netnsList().filter((ns) => ns.startsWith(prefix));
          if (stale.length > 0) execFileSync('ip', ['-force', '-batch', '-'], { input: stale.map((ns) => `netns del ${ns}\n`).join('') });
        }
      });
      const holdPrefix: string[] = [];
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('exit', (code, signal) => resolve([code, signal])),
      );
      const info = await new Promise<{ prefix: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hold did not report: ${stderr}`)), 60_000);
        child.stdout.on('data', () => {
          const line = stdout.split('\n').find((l) => l.startsWith('{'));
          if (line && stdout.includes('\n')) {
            clearTimeout(timer);
            resolve(JSON.parse(line) as { prefix: string });
          }
        });
        void exited.then(() => {
          const line = stdout.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { prefix: string });
          else reject(new Error(`hold exited without reporting: ${stderr}`));
        });
      });
      seenPrefixes.add(info.prefix);
      holdPrefix.push(info.prefix);
      if (how === 'SIGTERM' || how === 'SIGINT') {
        t.ok(
          netnsList().some((ns) => ns.startsWith(info.prefix)),
          'the lab is up while its process runs',
        );
        child.kill(how);
      }
      const [code, signal] = await exited;
      if (how === 'SIGTERM' || how === 'SIGINT') t.equal(signal, how, `the process still dies of ${how}`);
      else if (how === 'exit') t.equal(code, 0, 'process.exit(0) keeps its code');
      else t.not(code, 0, 'the uncaught exception still fails the process');
      t.same(
        netnsList().filter((ns) => ns.startsWith(info.prefix)),
        [],
        'no namespace of that lab is left',
      );
    });
  }

  t.test('no namespace of these tests is left behind', async (t) => {
    const left = netnsList().filter((ns) => [...seenPrefixes].some((p) => ns.startsWith(p)));
    t.same(left, [], 'nothing left');
    t.ok(seenPrefixes.size >= 10, `checked ${seenPrefixes.size} labs`);
  });
}
