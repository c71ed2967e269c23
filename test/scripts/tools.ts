// The lab's tools: which are missing, which packages provide them, which commands install them, and
// the install path itself run against a fake package manager on a made-up PATH (nothing is installed).
import t, { type Test } from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_TOOLS,
  detectPackageManager,
  ensureTools,
  findOnPath,
  installSteps,
  manualCommand,
  missingTools,
  NO_INSTALL_ENV,
  packagesFor,
  planInstall,
  TEST_TOOLS,
  TOOLS,
  type Tool,
} from '../../scripts/lab/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-tools-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function executable(file: string, body = '#!/bin/sh\nexit 0\n'): void {
  writeFileSync(file, body);
  chmodSync(file, 0o755);
}

t.test('findOnPath: executable files along PATH, in order; nothing else', async (t) => {
  const dir = tempDir(t);
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  mkdirSync(a);
  mkdirSync(b);
  executable(join(b, 'iptables'));
  executable(join(a, 'tcpdump'));
  executable(join(b, 'tcpdump'));
  writeFileSync(join(a, 'hping3'), '#!/bin/sh\n'); // not executable
  mkdirSync(join(a, 'xmllint')); // a directory
  const path = `${a}::${b}`;
  t.equal(findOnPath('iptables', path), join(b, 'iptables'));
  t.equal(findOnPath('tcpdump', path), join(a, 'tcpdump'), 'the first directory wins');
  t.equal(findOnPath('hping3', path), null, 'a file without the execute bit is not a command');
  t.equal(findOnPath('xmllint', path), null, 'a directory is not a command');
  t.equal(findOnPath('iptables', a), null, 'iptables looks absent once its directory is left off PATH');
  t.equal(findOnPath('iptables', ''), null, 'an empty PATH finds nothing (and never the working directory)');
  t.equal(findOnPath(join(b, 'iptables'), ''), join(b, 'iptables'), 'a path is checked as it is');
});

t.test('missingTools keeps the order given, each tool once', async (t) => {
  const present = new Set<Tool>(['ip', 'sysctl']);
  t.same(missingTools(['ip', 'iptables', 'sysctl', 'tcpdump', 'iptables'], (tool) => present.has(tool)), ['iptables', 'tcpdump']);
  t.same(missingTools(DEMO_TOOLS, () => true), []);
});

t.test('packagesFor: one package per name, shared packages once', async (t) => {
  t.same(packagesFor(['iptables', 'ip6tables'], 'apt'), ['iptables']);
  t.same(packagesFor(['editcap', 'mergecap', 'promtool', 'prometheus', 'xmllint'], 'apt'), ['wireshark-common', 'prometheus', 'libxml2-utils']);
  t.same(packagesFor(['editcap', 'tshark'], 'dnf'), ['wireshark-cli']);
  t.same(packagesFor(DEMO_TOOLS, 'apt'), ['iproute2', 'procps', 'iptables']);
  t.same(packagesFor([], 'apk'), []);
  for (const [tool, info] of Object.entries(TOOLS)) {
    for (const [manager, name] of Object.entries(info.packages)) t.match(name, /^[a-z0-9][a-z0-9+.-]*$/, `${tool} on ${manager}: a package name`);
  }
});

t.test('detectPackageManager prefers apt-get, then dnf, then apk', async (t) => {
  const having = (...commands: string[]) => (command: string) => commands.includes(command);
  t.equal(detectPackageManager(having('apt-get', 'dnf', 'apk')), 'apt');
  t.equal(detectPackageManager(having('dnf', 'apk')), 'dnf');
  t.equal(detectPackageManager(having('apk')), 'apk');
  t.equal(detectPackageManager(having('yum', 'pacman')), null);
});

t.test('installSteps and manualCommand: the exact commands', async (t) => {
  t.same(installSteps('apt', ['iptables', 'tcpdump']), [
    { argv: ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], refresh: true },
    { argv: ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', 'iptables', 'tcpdump'], env: { DEBIAN_FRONTEND: 'noninteractive' } },
  ]);
  t.same(installSteps('dnf', ['iptables-nft']), [{ argv: ['dnf', 'install', '-y', 'iptables-nft'] }]);
  t.same(installSteps('apk', ['iptables']), [{ argv: ['apk', 'add', '--no-cache', 'iptables'] }]);
  t.equal(manualCommand('apt', ['iptables'], false), 'sudo apt-get update && sudo apt-get install -y --no-install-recommends iptables');
  t.equal(manualCommand('apt', ['iptables', 'procps'], true), 'apt-get update && apt-get install -y --no-install-recommends iptables procps');
  t.equal(manualCommand('dnf', ['iptables-nft'], false), 'sudo dnf install -y iptables-nft');
  t.equal(manualCommand('apk', ['iptables'], true), 'apk add iptables');
});

t.test('planInstall: nothing, install (announced), or stop with the exact command', async (t) => {
  const base = { manager: 'apt' as const, root: true, allowInstall: true, purpose: 'the demo' };
  t.same(planInstall({ ...base, missing: [] }), { action: 'none' }, 'nothing missing: nothing to do, even without root');

  const install = planInstall({ ...base, missing: ['iptables'] });
  t.equal(install.action, 'install');
  if (install.action === 'install') {
    t.same(install.packages, ['iptables']);
    t.same(install.steps, installSteps('apt', ['iptables']));
    t.equal(
      install.announcement,
      "the demo needs iptables (the lab's firewalls, which forge the RSTs): installing apt package iptables (apt-get update && apt-get install -y --no-install-recommends iptables)",
    );
  }

  t.same(planInstall({ ...base, missing: ['iptables'], root: false }), {
    action: 'stop',
    message: "the demo needs iptables (the lab's firewalls, which forge the RSTs), which is not installed. Run it as root to have it installed, or install it first: sudo apt-get update && sudo apt-get install -y --no-install-recommends iptables",
  });
  t.same(planInstall({ ...base, missing: ['tcpdump', 'editcap', 'mergecap'], allowInstall: false, purpose: 'npm test' }), {
    action: 'stop',
    message: `npm test needs tcpdump (captures for \`analyze\`), editcap (capture format conversion) and mergecap (multi-interface captures), which are not installed (${NO_INSTALL_ENV}=1, so not installing them): apt-get update && apt-get install -y --no-install-recommends tcpdump wireshark-common`,
  });
  const dnf = planInstall({ ...base, manager: 'dnf', missing: ['iptables', 'hping3'] });
  t.equal(dnf.action === 'install' && dnf.announcement.endsWith('(dnf install -y iptables-nft hping3)'), true, 'dnf');
  const none = planInstall({ ...base, manager: null, missing: ['iptables'] });
  t.equal(none.action, 'stop');
  t.match(none.action === 'stop' ? none.message : '', /which is not installed, and no known package manager \(apt-get, dnf, apk\) is here: install iptables, then run it again \(on Debian: apt-get update && apt-get install -y --no-install-recommends iptables\)$/);
});

/**
 * A PATH holding a fake apt-get (it logs its arguments and "installs" a package by creating the
 * tools named after it) and the given tools; nothing from the real system.
 */
function fakeSystem(t: Test, present: string[], aptExit = 0): { path: string; log: () => string[] } {
  const dir = tempDir(t);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of present) executable(join(bin, tool));
  const log = join(dir, 'apt.log');
  writeFileSync(log, '');
  // The fake's PATH is the made-up one: chmod by its full path.
  const chmod = findOnPath('chmod', process.env.PATH ?? '') ?? '/bin/chmod';
  executable(
    join(bin, 'apt-get'),
    `#!/bin/sh
echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> ${JSON.stringify(log)}
[ "$3" = install ] || exit 0
[ ${aptExit} = 0 ] || exit ${aptExit}
for arg in "$@"; do
  case "$arg" in
    iptables) for f in iptables ip6tables; do printf '#!/bin/sh\\n' > ${JSON.stringify(bin)}/$f; ${chmod} 755 ${JSON.stringify(bin)}/$f; done ;;
  esac
done
`,
  );
  return { path: bin, log: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

t.test('ensureTools: iptables absent from PATH is installed with apt-get, announced first', async (t) => {
  const system = fakeSystem(t, ['ip', 'sysctl']);
  const lines: string[] = [];
  const result = ensureTools(DEMO_TOOLS, { purpose: 'the demo', env: { PATH: system.path }, root: true, refreshFirst: true, log: (line) => lines.push(line) });
  t.same(result, { ok: true, installed: ['iptables'] });
  t.same(system.log(), [
    'DEBIAN_FRONTEND= -o DPkg::Lock::Timeout=600 update -qq',
    'DEBIAN_FRONTEND=noninteractive -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends iptables',
  ]);
  t.match(lines[0], /^the demo needs iptables .*: installing apt package iptables \(apt-get update && apt-get install -y --no-install-recommends iptables\)$/, 'announced before installing');
  t.equal(lines[1], 'the demo: installed iptables');
  t.equal(findOnPath('iptables', system.path), join(system.path, 'iptables'));
});

t.test('ensureTools: lists present, install first; update and retry only when it fails', async (t) => {
  const ok = fakeSystem(t, ['ip', 'sysctl']);
  t.same(ensureTools(['iptables'], { purpose: 'x', env: { PATH: ok.path }, root: true, refreshFirst: false, log: () => {} }), { ok: true, installed: ['iptables'] });
  t.same(ok.log().map((line) => line.split(' ')[3]), ['install'], 'no update when the install works');

  const failing = fakeSystem(t, [], 100);
  const result = ensureTools(['iptables'], { purpose: 'x', env: { PATH: failing.path }, root: true, refreshFirst: false, log: () => {} });
  t.same(failing.log().map((line) => line.split(' ')[3]), ['install', 'update', 'install'], 'update, then one more try');
  t.equal(result.ok, false);
  t.match(result.ok ? '' : result.message, /^installing iptables failed: `apt-get -o DPkg::Lock::Timeout=600 install .*` failed \(exit 100\); apt-get update && apt-get install -y --no-install-recommends iptables by hand/);
});

t.test('ensureTools: nothing is installed when nothing is missing, without root, or when forbidden', async (t) => {
  const all = fakeSystem(t, ['ip', 'sysctl', 'iptables']);
  t.same(ensureTools(DEMO_TOOLS, { purpose: 'the demo', env: { PATH: all.path }, root: false, log: () => t.fail('nothing to say') }), { ok: true, installed: [] });

  const lacking = fakeSystem(t, ['ip', 'sysctl']);
  const asUser = ensureTools(DEMO_TOOLS, { purpose: 'the demo', env: { PATH: lacking.path }, root: false, log: () => t.fail('no announcement') });
  t.match(asUser, { ok: false, message: /Run it as root .*: sudo apt-get update && sudo apt-get install -y --no-install-recommends iptables$/ });
  const forbidden = ensureTools(DEMO_TOOLS, { purpose: 'the demo', env: { PATH: lacking.path, [NO_INSTALL_ENV]: '1' }, root: true, log: () => t.fail('no announcement') });
  t.match(forbidden, { ok: false, message: /TTL_PROBE_NO_INSTALL=1, so not installing it\): apt-get update && apt-get install -y --no-install-recommends iptables$/ });
  t.same(lacking.log(), [], 'apt-get never ran');
});

/** Every .ts file under dir. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

t.test('TEST_TOOLS names every tool the tests (and the lab code they use) run', async (t) => {
  const files = [...sources(join(root, 'test')), ...sources(join(root, 'scripts/lab')), join(root, 'scripts/capture/recorder.ts')].filter(
    (file) => !file.endsWith('tools.ts'),
  );
  const used = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const tool of Object.keys(TOOLS)) {
      // A tool given as the command of a spawn/exec helper, or looked up with `command -v`.
      const call = new RegExp(`(?:spawn|spawnSync|execFile|execFileSync|execFileAsync|exec|execInClient|spawnInClient|runTool|start)\\((?:[^,()'"]*,\\s*)?['"]${tool}['"]|command -v ${tool}\\b`);
      if (call.test(text) && !used.has(tool)) used.set(tool, relative(root, file));
    }
  }
  t.ok(used.size >= 8, `the scan finds the tools (${[...used.keys()].join(', ')})`);
  for (const [tool, file] of used) t.ok(TEST_TOOLS.includes(tool as Tool), `${tool} (run by ${file}) is in TEST_TOOLS`);
});
