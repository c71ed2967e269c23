/**
 * The programs the lab, the demo and the tests run, the packages that provide them, and installing
 * the missing ones: a fresh machine needs only `npm install`, then `sudo npm run demo` or
 * `sudo npm test`, which install what they lack with the system's package manager and say so on
 * stderr first (or stop at once with the exact command to run, when they cannot or may not).
 *
 * Decisions are pure (which tools are missing, which packages provide them, which commands install
 * those, what to do); ensureTools() is the thin part that looks at the machine and runs the commands.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The package managers whose names we know. Debian's names are the ones CI exercises; the Fedora (dnf)
 * and Alpine (apk) names are those distributions' usual packages, not checked by any test here.
 */
export type PackageManager = 'apt' | 'dnf' | 'apk';

export interface ToolInfo {
  /** why the project runs it (part of the announcement) */
  why: string;
  /** the package that installs it, per manager */
  packages: Record<PackageManager, string>;
}

/** Every program the lab, the demo, the tests or the benchmarks run besides node itself. */
export const TOOLS = {
  ip: { why: 'network namespaces and veth pairs', packages: { apt: 'iproute2', dnf: 'iproute', apk: 'iproute2' } },
  sysctl: { why: 'forwarding and TTLs per namespace', packages: { apt: 'procps', dnf: 'procps-ng', apk: 'procps' } },
  iptables: { why: "the lab's firewalls, which forge the RSTs", packages: { apt: 'iptables', dnf: 'iptables-nft', apk: 'iptables' } },
  ip6tables: { why: "the lab's IPv6 firewalls", packages: { apt: 'iptables', dnf: 'iptables-nft', apk: 'iptables' } },
  tcpdump: { why: 'captures for `analyze`', packages: { apt: 'tcpdump', dnf: 'tcpdump', apk: 'tcpdump' } },
  editcap: { why: 'capture format conversion', packages: { apt: 'wireshark-common', dnf: 'wireshark-cli', apk: 'wireshark-common' } },
  mergecap: { why: 'multi-interface captures', packages: { apt: 'wireshark-common', dnf: 'wireshark-cli', apk: 'wireshark-common' } },
  tshark: { why: "the analyze benchmark's reference", packages: { apt: 'tshark', dnf: 'wireshark-cli', apk: 'tshark' } },
  hping3: { why: 'an unrelated SYN flood beside the probes', packages: { apt: 'hping3', dnf: 'hping3', apk: 'hping3' } },
  promtool: { why: 'checks the Prometheus output', packages: { apt: 'prometheus', dnf: 'golang-github-prometheus', apk: 'prometheus' } },
  prometheus: { why: 'scrapes `ttl-probe serve`', packages: { apt: 'prometheus', dnf: 'golang-github-prometheus', apk: 'prometheus' } },
  xmllint: { why: 'checks the JUnit output', packages: { apt: 'libxml2-utils', dnf: 'libxml2', apk: 'libxml2-utils' } },
  setpriv: { why: 'runs the CLI as another user', packages: { apt: 'util-linux', dnf: 'util-linux', apk: 'setpriv' } },
  script: { why: 'a terminal for the progress bar', packages: { apt: 'bsdutils', dnf: 'util-linux', apk: 'util-linux-misc' } },
  python3: { why: 'node-gyp and a non-blocking pipe reader', packages: { apt: 'python3', dnf: 'python3', apk: 'python3' } },
  socat: { why: 'listeners in the lab', packages: { apt: 'socat', dnf: 'socat', apk: 'socat' } },
  nmap: { why: "the benchmark's reference, nmap -sS", packages: { apt: 'nmap', dnf: 'nmap', apk: 'nmap' } },
  groff: { why: 'renders the man page', packages: { apt: 'groff-base', dnf: 'groff-base', apk: 'groff' } },
} as const satisfies Record<string, ToolInfo>;

export type Tool = keyof typeof TOOLS;

/** What `npm run demo` runs: the lab (ip, sysctl) and the article's firewall (iptables). */
export const DEMO_TOOLS: readonly Tool[] = ['ip', 'sysctl', 'iptables'];

/**
 * What `npm test` runs (test/ and the lab code it uses; test/scripts/tools.ts checks this list
 * against the sources): the lab, its firewalls (IPv4 and IPv6), the capture recorder (tcpdump, editcap, mergecap),
 * the flood (hping3), the consumers of the output formats (promtool, prometheus, xmllint), the
 * privilege tests (setpriv), the terminal of the progress test (script), the pipe test (python3),
 * the man page's test (groff).
 */
export const TEST_TOOLS: readonly Tool[] = [
  'ip',
  'sysctl',
  'iptables',
  'ip6tables',
  'tcpdump',
  'editcap',
  'mergecap',
  'hping3',
  'promtool',
  'prometheus',
  'xmllint',
  'setpriv',
  'script',
  'python3',
  'groff',
];

/** Environment variable that forbids installing: the scripts then stop with the command instead. */
export const NO_INSTALL_ENV = 'TTL_PROBE_NO_INSTALL';

// ---------------------------------------------------------------------------
// Pure decisions.
// ---------------------------------------------------------------------------

/**
 * The full path of `command` as a shell would find it along `path` (a PATH value), or null.
 * `isExecutable` decides per candidate file (the file system's answer by default).
 */
export function findOnPath(command: string, path: string, isExecutable: (file: string) => boolean = executableFile): string | null {
  if (command.includes('/')) return isExecutable(command) ? command : null;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue; // an empty entry means the working directory: never trusted here
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The tools, in the order given and each once, that `isPresent` says are absent. */
export function missingTools(tools: readonly Tool[], isPresent: (tool: Tool) => boolean): Tool[] {
  return [...new Set(tools)].filter((tool) => !isPresent(tool));
}

/** The packages providing `tools` with `manager`, each once, in the order of the tools. */
export function packagesFor(tools: readonly Tool[], manager: PackageManager): string[] {
  return [...new Set(tools.map((tool) => TOOLS[tool].packages[manager]))];
}

/** The package manager to use, from the commands present (Debian's first). */
export function detectPackageManager(hasCommand: (command: string) => boolean): PackageManager | null {
  if (hasCommand('apt-get')) return 'apt';
  if (hasCommand('dnf')) return 'dnf';
  if (hasCommand('apk')) return 'apk';
  return null;
}

export interface InstallStep {
  argv: string[];
  /** extra environment for this step */
  env?: Record<string, string>;
  /** run only when the package lists are empty (a fresh container) or the first install failed */
  refresh?: boolean;
}

/** The commands that install `packages` with `manager`, run as root, without questions. */
export function installSteps(manager: PackageManager, packages: readonly string[]): InstallStep[] {
  switch (manager) {
    case 'apt':
      // The lock timeout: another apt or dpkg (unattended upgrades, another job) waits instead of failing.
      return [
        { argv: ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], refresh: true },
        {
          argv: ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...packages],
          env: { DEBIAN_FRONTEND: 'noninteractive' },
        },
      ];
    case 'dnf':
      return [{ argv: ['dnf', 'install', '-y', ...packages] }];
    case 'apk':
      return [{ argv: ['apk', 'add', '--no-cache', ...packages] }];
  }
}

/** The command a person types to install `packages` (with sudo unless already root). */
export function manualCommand(manager: PackageManager, packages: readonly string[], root: boolean): string {
  const sudo = root ? '' : 'sudo ';
  const list = packages.join(' ');
  switch (manager) {
    case 'apt':
      return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${list}`;
    case 'dnf':
      return `${sudo}dnf install -y ${list}`;
    case 'apk':
      return `${sudo}apk add ${list}`;
  }
}

export type InstallPlan =
  | { action: 'none' }
  | { action: 'install'; manager: PackageManager; packages: string[]; steps: InstallStep[]; announcement: string }
  | { action: 'stop'; message: string };

export interface PlanInput {
  /** what is missing (missingTools) */
  missing: readonly Tool[];
  manager: PackageManager | null;
  root: boolean;
  /** false when the user forbade installing (TTL_PROBE_NO_INSTALL=1) */
  allowInstall: boolean;
  /** who needs them, e.g. "the demo" */
  purpose: string;
}

function toolList(tools: readonly Tool[]): string {
  const items = tools.map((tool) => `${tool} (${TOOLS[tool].why})`);
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');
}

/** What to do about missing tools: nothing, install them (and what to announce), or stop with the exact command. */
export function planInstall(input: PlanInput): InstallPlan {
  const { missing, manager, root, allowInstall, purpose } = input;
  if (missing.length === 0) return { action: 'none' };
  const one = missing.length === 1;
  const absent = `${purpose} needs ${toolList(missing)}, which ${one ? 'is' : 'are'} not installed`;
  const them = one ? 'it' : 'them';
  if (manager === null) {
    const debian = manualCommand('apt', packagesFor(missing, 'apt'), root);
    return { action: 'stop', message: `${absent}, and no known package manager (apt-get, dnf, apk) is here: install ${missing.join(', ')}, then run it again (on Debian: ${debian})` };
  }
  const packages = packagesFor(missing, manager);
  const command = manualCommand(manager, packages, root);
  if (!root) return { action: 'stop', message: `${absent}. Run it as root to have ${them} installed, or install ${them} first: ${command}` };
  if (!allowInstall) return { action: 'stop', message: `${absent} (${NO_INSTALL_ENV}=1, so not installing ${them}): ${command}` };
  return {
    action: 'install',
    manager,
    packages,
    steps: installSteps(manager, packages),
    announcement: `${purpose} needs ${toolList(missing)}: installing ${manager} package${packages.length === 1 ? '' : 's'} ${packages.join(' ')} (${command})`,
  };
}

// ---------------------------------------------------------------------------
// The machine.
// ---------------------------------------------------------------------------

function executableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when apt has no package lists yet (a fresh container): `apt-get update` must come first. */
function aptListsEmpty(): boolean {
  try {
    return !readdirSync('/var/lib/apt/lists').some((name) => name.endsWith('_Packages') || name.endsWith('_Packages.lz4'));
  } catch {
    return true;
  }
}

export interface EnsureOptions {
  /** who needs the tools, e.g. "the demo" (used in the messages) */
  purpose: string;
  /** where the messages go (stderr by default) */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** root, as far as installing is concerned (the effective uid by default) */
  root?: boolean;
  /** refresh the package lists before the first try (by default: when apt has none, as in a fresh container) */
  refreshFirst?: boolean;
}

export type EnsureResult = { ok: true; installed: string[] } | { ok: false; message: string };

/**
 * Makes sure `tools` are on PATH: installs the missing ones with the system's package manager
 * (announced through `log` first; the package manager's own output goes to stderr), or says
 * why not with the exact command to run. Synchronous: the scripts do nothing else meanwhile.
 */
export function ensureTools(tools: readonly Tool[], options: EnsureOptions): EnsureResult {
  const env = options.env ?? process.env;
  const path = env.PATH ?? '';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const present = (tool: string): boolean => findOnPath(tool, path) !== null;
  const missing = missingTools(tools, present);
  const plan = planInstall({
    missing,
    manager: detectPackageManager(present),
    root: options.root ?? process.getuid?.() === 0,
    allowInstall: env[NO_INSTALL_ENV] !== '1',
    purpose: options.purpose,
  });
  if (plan.action === 'none') return { ok: true, installed: [] };
  if (plan.action === 'stop') return { ok: false, message: plan.message };

  log(plan.announcement);
  const run = (step: InstallStep): { ok: boolean; detail: string } => {
    const result = spawnSync(step.argv[0] as string, step.argv.slice(1), { env: { ...env, ...step.env }, stdio: ['ignore', 2, 2] });
    if (result.error) return { ok: false, detail: result.error.message };
    return { ok: result.status === 0, detail: `exit ${result.status ?? result.signal}` };
  };
  const install = plan.steps.filter((step) => !step.refresh);
  const refresh = plan.steps.filter((step) => step.refresh);
  const runAll = (steps: InstallStep[]): string | null => {
    for (const step of steps) {
      const outcome = run(step);
      if (!outcome.ok) return `\`${step.argv.join(' ')}\` failed (${outcome.detail})`;
    }
    return null;
  };
  // Refresh the package lists only when there are none, or when installing from the present ones failed.
  const refreshFirst = options.refreshFirst ?? (plan.manager === 'apt' && aptListsEmpty());
  let failure = runAll(refreshFirst ? [...refresh, ...install] : install);
  if (failure && !refreshFirst && refresh.length > 0) failure = runAll([...refresh, ...install]);
  if (failure) return { ok: false, message: `installing ${plan.packages.join(' ')} failed: ${failure}; ${manualCommand(plan.manager, plan.packages, true)} by hand, then run it again` };
  const still = missingTools(tools, present);
  if (still.length > 0) return { ok: false, message: `installed ${plan.packages.join(' ')}, but ${still.join(', ')} still cannot be found on PATH (${path})` };
  log(`${options.purpose}: installed ${plan.packages.join(' ')}`);
  return { ok: true, installed: plan.packages };
}

/** The command that installs `tools` on this machine, for a message (Debian's when no manager is found). */
export function installHint(tools: readonly Tool[], env: NodeJS.ProcessEnv = process.env): string {
  const present = (command: string): boolean => findOnPath(command, env.PATH ?? '') !== null;
  const manager = detectPackageManager(present) ?? 'apt';
  return manualCommand(manager, packagesFor(tools, manager), process.getuid?.() === 0);
}
