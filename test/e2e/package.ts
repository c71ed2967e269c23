// The npm package as a user installs it: `npm pack`, then the README's global-install line into a
// temporary prefix (the bundled raw-socket built by ttl-probe's postinstall with node-gyp; the registry
// is reached for the other dependencies), then the installed `ttl-probe` run: --version in a
// loopback-only namespace, a probe of the article's lab from its client namespace. Packs what
// `npm test` just built (--ignore-scripts: packing here must not rebuild dist/ under the tests
// running beside this one).
import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as topologies from '../../scripts/lab/topologies.js';
import { VERSION } from '../../src/version.js';
import type { Report } from '../../src/model/report.js';
import { createBareNamespace } from '../helpers/bare-namespace.js';
import { assertLabAvailable, assertVerdicts, withLab } from '../helpers/lab-probe.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The README's install line, run in the tarball's folder: npm 11's script policy approves a tarball's
 * scripts (ttl-probe's postinstall, which builds the addon) by its absolute path, a registry package by name.
 */
const globalInstall = (directory: string, tarball: string): string[] => ['install', '-g', `--allow-scripts=${join(directory, tarball)}`, `./${tarball}`];

/**
 * What the tarball may hold: the launcher, the bundle and its code cache, the source of ttl-probe's own
 * addon (IPv6, built on install), the JSON Schemas, the docs, and the bundled raw-socket with the nan
 * that compiles on Node.js 24 (raw-socket 1.8.1 pins nan 2.19).
 */
const SHIPPED = [/^node_modules\/(raw-socket|nan)\//, /^binding\.gyp$/, /^native\/[a-z0-9_-]+\.cc$/, /^package\.json$/, /^README\.md$/, /^SECURITY\.md$/, /^LICENSE$/, /^bin\/(ttl-probe\.js|package\.json)$/, /^dist\/ttl-probe\.cjs$/, /^dist\/ttl-probe-v8-[^/]+\.cache$/, /^schema\/[a-z0-9-]+\.schema\.json$/, /^man\/ttl-probe\.1$/, /^prometheus\/ttl-probe-rules\.yml$/];

/** npm, without tap's loader hooks (NODE_OPTIONS), which would follow it into every process it starts. */
function npm(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = spawn('npm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

if (assertLabAvailable(t)) {
  t.test('npm pack, a global install with the README line, then the installed ttl-probe', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'ttl-probe-package-'));
    t.teardown(() => rmSync(directory, { recursive: true, force: true }));
    // As under /usr/local: readable by all, so the run still reads its files after dropping root to nobody.
    chmodSync(directory, 0o755);

    const pack = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', directory], root);
    t.equal(pack.code, 0, pack.stderr);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((file) => file.path).sort();
    t.same(files.filter((file) => !SHIPPED.some((allowed) => allowed.test(file))), [], `only what a user needs (${files.filter((file) => !file.startsWith('node_modules/')).join(', ')}, and the bundled raw-socket and nan)`);
    // The code cache of the Node.js that built it (others record their own where they may write).
    for (const needed of ['LICENSE', 'prometheus/ttl-probe-rules.yml', 'bin/ttl-probe.js', 'bin/package.json', 'dist/ttl-probe.cjs', `dist/ttl-probe-v8-${process.versions.v8}.cache`, 'binding.gyp', 'native/raw6.cc']) {
      t.ok(files.includes(needed), `ships ${needed}`);
    }
    for (const bundled of ['node_modules/raw-socket/binding.gyp', 'node_modules/raw-socket/src/raw.cc', 'node_modules/nan/nan.h']) t.ok(files.includes(bundled), `bundles ${bundled}`);
    const tarball = packed!.filename;

    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      bundleDependencies: string[];
    };
    t.same(
      ['preinstall', 'install', 'postinstall'].map((name) => manifest.scripts[name]),
      [undefined, undefined, 'node-gyp rebuild --directory node_modules/raw-socket'],
      'one install-time script of its own, building the bundled raw-socket (npm builds binding.gyp by itself; neither needs a devDependency)',
    );
    t.same(Object.keys(manifest.dependencies).sort(), ['cli-progress', 'nan', 'node-addon-api', 'p-limit', 'raw-socket', 'yaml', 'yargs'], 'what the bundle loads at run time, and what the two addons build against');
    t.same(manifest.bundleDependencies, ['raw-socket', 'nan']);

    const prefix = join(directory, 'prefix');
    // npm 11.19's strict mode wants the global folder to exist before it inspects it.
    mkdirSync(join(prefix, 'lib', 'node_modules'), { recursive: true });
    const installStarted = Date.now();
    const install = await npm([...globalInstall(directory, tarball), '--prefix', prefix], directory);
    t.equal(install.code, 0, `${install.stdout}${install.stderr}`);
    t.notMatch(install.stderr, /not yet covered by allowScripts/, 'every install script approved (no warning)');
    const installed = join(prefix, 'lib', 'node_modules', 'ttl-probe');
    const addon = join(installed, 'node_modules', 'raw-socket', 'build', 'Release', 'raw.node');
    // Built here and now for this Node.js (the tarball also carries the packer's build).
    t.ok((statSync(addon, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= installStarted - 1000, "raw-socket's addon was built at install");
    t.ok(statSync(join(installed, 'build', 'Release', 'ttl_probe_raw6.node'), { throwIfNoEntry: false })?.isFile(), "ttl-probe's own addon (IPv6) was built at install");
    const bin = join(prefix, 'bin', 'ttl-probe');

    const bare = createBareNamespace();
    t.teardown(() => bare.remove());
    const version = await bare.run(bin, ['--version'], { timeoutMs: 30_000 });
    t.same({ code: version.code, stdout: version.stdout, stderr: version.stderr }, { code: 0, stdout: `${VERSION}\n`, stderr: '' }, 'ttl-probe --version');

    await withLab(topologies.article(), async (lab) => {
      const run = await lab.execInClient(bin, ['198.18.4.2', '-p', '22,443', '--json'], { timeoutMs: 60_000 });
      t.equal(run.code, 0, run.stderr);
      let report: Report | null = null;
      try {
        report = JSON.parse(run.stdout) as Report;
      } catch {
        t.fail(`not a JSON report: ${run.stdout.slice(0, 300)}`);
      }
      assertVerdicts(t, report, { 22: ['closed', 'middlebox', 2], 443: ['open', 'host', 4] });
    });
  });
}
