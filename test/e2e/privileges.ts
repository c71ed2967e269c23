// Least privilege, observed from outside: the uid of the running prober, and probing with only CAP_NET_RAW.
import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, CLI, serverSawSegments, serverTcpSegments, withLab } from '../helpers/lab-probe.js';
import type { Lab } from '../../scripts/lab/lab.js';

/** Uid and gid lines of a running process, sampled while it probes. */
async function identityWhileRunning(lab: Lab, args: string[], env: NodeJS.ProcessEnv): Promise<{ uid: string; gid: string; code: number | null; stdout: string }> {
  const before = await serverTcpSegments(lab);
  const child = lab.spawnInClient('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  // Sampled once the server sees the run's SYNs (the sockets are open and the privileges dropped by
  // then), however long start-up takes here; the run then has seconds of sending left.
  if (!(await serverSawSegments(lab, before, 100))) throw new Error('the prober never started sending');
  // ip netns exec and env both exec: the pid is the prober's.
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { uid: /^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '', gid: /^Gid:\s+(.*)$/m.exec(status)?.[1] ?? '', code, stdout };
}

if (assertLabAvailable(t)) {
  const slow = ['198.18.4.2', '-p', '1-3000', '--rate', '1000', '--json'];

  t.test('under sudo the prober runs as the invoking user once the sockets are open', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const seen = await identityWhileRunning(lab, slow, { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' });
      t.equal(seen.uid, '65534\t65534\t65534\t65534', 'real, effective, saved and fs uid are all 65534');
      t.equal(seen.gid, '65534\t65534\t65534\t65534');
      t.equal(seen.code, 0);
      t.equal(JSON.parse(seen.stdout).targets[0].ports.find((p: { port: number }) => p.port === 22).answeredBy, 'middlebox', 'and it still probes right');
    });
  });

  t.test('as root without sudo it becomes nobody; --user root keeps root', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const dropped = await identityWhileRunning(lab, slow, {});
      t.match(dropped.uid, /^65534\t65534\t65534\t65534$/);
      const kept = await identityWhileRunning(lab, [...slow, '--user', 'root'], {});
      t.match(kept.uid, /^0\t0\t0\t0$/);
    });
  });

  t.test('with only CAP_NET_RAW (no root at all) it probes', async (t) => {
    // A copy readable by an unprivileged user (the checkout may sit in a private directory).
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const copy = mkdtempSync(join(tmpdir(), 'ttl-probe-cap-'));
    t.teardown(() => rmSync(copy, { recursive: true, force: true }));
    chmodSync(copy, 0o755);
    for (const part of ['bin', 'dist/ttl-probe.cjs', `dist/ttl-probe-v8-${process.versions.v8}.cache`, 'node_modules/raw-socket', 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
    await withLab(topologies.article(), async (lab) => {
      const run = await lab.execInClient('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+net_raw', '--ambient-caps=+net_raw', '--', process.execPath, join(copy, 'bin/ttl-probe.js'), '198.18.4.2', '-p', '22,443', '--json'], { timeoutMs: 60_000 });
      t.equal(run.code, 0, run.stderr);
      t.match(JSON.parse(run.stdout).targets[0].ports, [{ port: 22, answeredBy: 'middlebox', hop: 2 }, { port: 443, state: 'open', answeredBy: 'host' }]);
    });
  });
}
