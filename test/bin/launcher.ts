// The launcher (bin/ttl-probe.js) on a copy of the package: the code cache of each V8 version, and a
// raw-socket addon built for another Node.js. Only --version runs, in a loopback-only namespace.
import t from 'tap';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBareNamespace } from '../helpers/bare-namespace.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ns = createBareNamespace();
t.teardown(() => ns.remove());

/** bin/, dist/ttl-probe.cjs (no cache) and package.json in a fresh folder; node_modules linked, raw-socket copied. */
function packageCopy(): string {
  const folder = mkdtempSync(join(tmpdir(), 'ttl-probe-launcher-'));
  chmodSync(folder, 0o755); // readable by the unprivileged user of the read-only case
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  cpSync(join(root, 'bin'), join(folder, 'bin'), { recursive: true });
  mkdirSync(join(folder, 'dist'));
  cpSync(join(root, 'dist', 'ttl-probe.cjs'), join(folder, 'dist', 'ttl-probe.cjs'));
  cpSync(join(root, 'package.json'), join(folder, 'package.json'));
  mkdirSync(join(folder, 'node_modules'));
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name !== 'raw-socket') symlinkSync(join(root, 'node_modules', name), join(folder, 'node_modules', name));
  }
  cpSync(join(root, 'node_modules', 'raw-socket'), join(folder, 'node_modules', 'raw-socket'), { recursive: true });
  return folder;
}

const cacheFile = (folder: string): string => join(folder, 'dist', `ttl-probe-v8-${process.versions.v8}.cache`);

t.test('a V8 without a cache of its own records one at its first run', async (t) => {
  const folder = packageCopy();
  t.notOk(existsSync(cacheFile(folder)), 'no cache to begin with');
  const first = await ns.run(process.execPath, [join(folder, 'bin', 'ttl-probe.js'), '--version']);
  t.equal(first.code, 0, first.stderr);
  t.ok(existsSync(cacheFile(folder)), 'the cache of this V8 is written');
  const second = await ns.run(process.execPath, [join(folder, 'bin', 'ttl-probe.js'), '--version']);
  t.equal(second.code, 0, second.stderr);
  t.equal(second.stdout, first.stdout, 'the run with the cache answers the same');
});

t.test('a package only root may write (a global install) gets its cache from a run under sudo, before the privilege drop', async (t) => {
  const folder = packageCopy();
  // dist/ is root's, mode 0755: after the drop to nobody the run could no longer write there.
  t.notOk(existsSync(cacheFile(folder)), 'no cache to begin with');
  const run = await ns.run(process.execPath, [join(folder, 'bin', 'ttl-probe.js'), '127.0.0.1', '-p', '1', '--json'], { env: { ...process.env, NODE_OPTIONS: '', SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' } });
  t.equal(run.code, 0, run.stderr);
  t.equal(JSON.parse(run.stdout).targets[0].ports[0].state, 'closed', 'the run itself probed (loopback only)');
  t.ok(existsSync(cacheFile(folder)), 'the cache of this V8 is written');
  const again = await ns.run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(folder, 'bin', 'ttl-probe.js'), '--version']);
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stderr, '', 'the recorded cache loads cleanly for the unprivileged user');
});

t.test('a read-only package runs without writing a cache', async (t) => {
  const folder = packageCopy();
  chmodSync(join(folder, 'dist'), 0o555);
  t.teardown(() => chmodSync(join(folder, 'dist'), 0o755));
  const run = await ns.run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(folder, 'bin', 'ttl-probe.js'), '--version']);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stderr, '');
  t.notOk(existsSync(cacheFile(folder)));
});

t.test('a raw-socket addon built for another Node.js: one line and exit 3, no stack trace', async (t) => {
  const folder = packageCopy();
  writeFileSync(join(folder, 'node_modules', 'raw-socket', 'build', 'Release', 'raw.node'), 'not an ELF file');
  const run = await ns.run(process.execPath, [join(folder, 'bin', 'ttl-probe.js'), '--version']);
  t.equal(run.code, 3);
  t.equal(run.stdout, '');
  t.match(run.stderr, /^ttl-probe: the raw-socket addon cannot be loaded by Node\.js v\d+\.\d+\.\d+ \(.+\); rebuild it for this Node\.js: npm rebuild raw-socket/);
  t.equal(run.stderr.trimEnd().split('\n').length, 1, 'one line');
  t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');
});
