// The npm package as a user installs it: `npm pack`, then the README's global-install line into a
// temporary prefix (raw-socket built by node-gyp; the registry is reached for the dependencies), then
// the installed `ttl-probe` run: --version in a loopback-only namespace, a probe of the article's lab
// from its client namespace. Packs what `npm test` just built (--ignore-scripts: packing here must
// not rebuild dist/ under the tests running beside this one).
import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as topologies from '../../scripts/lab/topologies.js';
import { VERSION } from '../../src/version.js';
import type { Report } from '../../src/model/report.js';
import { createBareNamespace } from '../helpers/bare-namespace.js';
import { assertLabAvailable, assertVerdicts, withLab } from '../helpers/lab-probe.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The README's install line (npm 11's script policy: raw-socket's node-gyp build approved by name). */
const GLOBAL_INSTALL = ['install', '-g', '--allow-scripts=raw-socket'];

/** What the tarball may hold: the launcher, the bundle and its code cache, the JSON Schemas, the docs. */
const SHIPPED = [/^package\.json$/, /^README\.md$/, /^SECURITY\.md$/, /^LICENSE$/, /^bin\/(ttl-probe\.js|package\.json)$/, /^dist\/ttl-probe\.cjs$/, /^dist\/ttl-probe-v8-[^/]+\.cache$/, /^schema\/[a-z0-9-]+\.schema\.json$/];

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
    t.same(files.filter((file) => !SHIPPED.some((allowed) => allowed.test(file))), [], `only what a user needs (${files.join(', ')})`);
    // The code cache of the Node.js that built it (others record their own where they may write).
    for (const needed of ['bin/ttl-probe.js', 'bin/package.json', 'dist/ttl-probe.cjs', `dist/ttl-probe-v8-${process.versions.v8}.cache`]) t.ok(files.includes(needed), `ships ${needed}`);
    const tarball = join(directory, packed!.filename);

    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    t.same(['preinstall', 'install', 'postinstall'].filter((name) => name in manifest.scripts), [], 'no install-time script of its own (a user has no devDependencies)');
    t.same(Object.keys(manifest.dependencies).sort(), ['cli-progress', 'p-limit', 'raw-socket', 'yaml', 'yargs'], 'what the bundle loads at run time');

    const prefix = join(directory, 'prefix');
    // npm 11.19's strict mode wants the global folder to exist before it inspects it.
    mkdirSync(join(prefix, 'lib', 'node_modules'), { recursive: true });
    const install = await npm([...GLOBAL_INSTALL, '--prefix', prefix, tarball], directory);
    t.equal(install.code, 0, `${install.stdout}${install.stderr}`);
    t.notMatch(install.stderr, /raw-socket@[^\s]+ \(install:/, 'raw-socket is not listed as an unapproved install script');
    const installed = join(prefix, 'lib', 'node_modules', 'ttl-probe');
    t.ok(existsSync(join(installed, 'node_modules', 'raw-socket', 'build', 'Release', 'raw.node')), "raw-socket's addon was built");
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
