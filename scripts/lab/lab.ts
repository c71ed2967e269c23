/**
 * Network lab: builds chains of Linux network namespaces joined by veth pairs
 * so ttl-probe can be exercised against real kernels, real routers and real
 * firewalls.
 *
 * Safety rules enforced here:
 *  - only addresses from 198.18.0.0/15 are ever configured;
 *  - every interface, address and route is created inside a lab namespace
 *    (`ip -n NS ...`), never in the root namespace;
 *  - commands are only ever executed inside this lab's namespaces;
 *  - every lab is registered and torn down on down(), on process exit and on
 *    SIGINT/SIGTERM/SIGHUP, synchronously when the process is going away.
 *
 * Addressing contract: node 0 is the client, nodes 1..n the routers, node n+1
 * the server. Link k (1..n+1) joins node k-1 (198.18.k.1, its eth1) and node k
 * (198.18.k.2, its eth0).
 */
import {
  execFileSync,
  spawn,
  type ChildProcess,
  type SpawnOptions,
} from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { installHint } from './tools.js';

export interface NodeSpec {
  /** sysctl net.ipv4.ip_default_ttl in that namespace (e.g. 128 Windows-like, 255 network gear) */
  defaultTtl?: number;
  /** each an iptables argument string run in that namespace; split on whitespace */
  iptables?: string[];
  /** TCP ports a real listener (accepts and closes) serves inside the namespace */
  listen?: number[];
}

export interface ChainSpec {
  routers: NodeSpec[];
  server: NodeSpec;
  client?: NodeSpec;
}

export interface LabNode {
  name: string;
  ns: string;
  hop: number;
  address: string;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** kill the command (SIGKILL) after this many milliseconds; no limit when omitted */
  timeoutMs?: number;
  /** written to the command's stdin, which is then closed */
  input?: string;
  /** environment of the command; process.env less NODE_OPTIONS (a test runner's loader hooks) when omitted */
  env?: NodeJS.ProcessEnv;
}

export interface Lab {
  prefix: string;
  clientNs: string;
  /** 198.18.1.1 */
  clientAddress: string;
  /** routers[i].hop = i+1, address = its client-facing address 198.18.(i+1).2 */
  routers: LabNode[];
  /** hop = routers.length+1, address 198.18.(n+1).2 */
  server: LabNode;
  /** `ip netns exec ns command args...`; ns must be one of this lab's namespaces */
  exec(ns: string, command: string, args: string[], options?: ExecOptions): Promise<ExecResult>;
  execInClient(command: string, args: string[], options?: ExecOptions): Promise<ExecResult>;
  /** spawn a command in the client namespace (for tests that need to signal it) */
  spawnInClient(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** idempotent teardown */
  down(): Promise<void>;
}

/** The only address block the lab ever uses. */
export const LAB_SUPERNET = '198.18.0.0/15';
/** Highest router count the addressing scheme (198.18.k.0/24, k <= 255) allows. */
export const MAX_ROUTERS = 254;

const IP = 'ip';
const IPTABLES = 'iptables';

// ---------------------------------------------------------------------------
// Registry of live labs and synchronous teardown on process exit / signals.
// ---------------------------------------------------------------------------

interface LiveEntry {
  namespaces: string[];
  children: Set<ChildProcess>;
}

const live = new Map<string, LiveEntry>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let handlersInstalled = false;

function killChildrenSync(children: Iterable<ChildProcess>, signal: NodeJS.Signals): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, signal);
      } catch {
        /* already gone */
      }
    }
  }
}

/** pids of every process living in the given namespaces (one `ip -batch` call). */
function pidsInNamespacesSync(namespaces: string[]): number[] {
  if (namespaces.length === 0) return [];
  let out = '';
  try {
    out = execFileSync(IP, ['-force', '-batch', '-'], {
      input: namespaces.map((ns) => `netns pids ${ns}\n`).join(''),
      stdio: ['pipe', 'pipe', 'ignore'],
      encoding: 'utf8',
    });
  } catch (err) {
    const e = err as { stdout?: string };
    out = typeof e.stdout === 'string' ? e.stdout : '';
  }
  return out
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
    .filter((pid) => pid !== process.pid && pid > 1);
}

function deleteNamespacesSync(namespaces: string[]): void {
  if (namespaces.length === 0) return;
  try {
    execFileSync(IP, ['-force', '-batch', '-'], {
      input: namespaces.map((ns) => `netns del ${ns}\n`).join(''),
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    /* some were already gone; -force deleted the rest */
  }
}

function teardownEntrySync(entry: LiveEntry): void {
  killChildrenSync(entry.children, 'SIGKILL');
  for (const pid of pidsInNamespacesSync(entry.namespaces)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  deleteNamespacesSync(entry.namespaces);
}

function teardownAllSync(): void {
  for (const [prefix, entry] of live) {
    live.delete(prefix);
    teardownEntrySync(entry);
  }
}

function onExit(): void {
  teardownAllSync();
}

function onSignal(signal: NodeJS.Signals): void {
  teardownAllSync();
  uninstallHandlers();
  // Deliver the signal again, now as if the lab had never installed a
  // handler: with no other listener the default action terminates the
  // process; other listeners get to decide again. This matters for libraries
  // such as signal-exit (loaded by tap and many CLIs), which only re-raise a
  // signal when they are its sole listeners and so did nothing the first time
  // because ours was there.
  process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.removeListener('exit', onExit);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

function register(prefix: string, entry: LiveEntry): void {
  live.set(prefix, entry);
  installHandlers();
}

function unregister(prefix: string): void {
  live.delete(prefix);
  if (live.size === 0) uninstallHandlers();
}

// ---------------------------------------------------------------------------
// Small process helpers.
// ---------------------------------------------------------------------------

interface RunOptions extends ExecOptions {
  track?: Set<ChildProcess>;
}

function run(command: string, args: string[], options: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        env: options.env ?? helperEnv(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(err);
      return;
    }
    options.track?.add(child);
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin?.on('error', () => {
      /* command did not read its input */
    });
    child.stdin?.end(options.input ?? '');
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    }
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      options.track?.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      options.track?.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function describe(command: string, args: string[]): string {
  return [command, ...args].join(' ');
}

async function runOk(command: string, args: string[], options: RunOptions = {}): Promise<ExecResult> {
  const r = await run(command, args, options);
  if (r.code !== 0) {
    const input = options.input ? `\n--- input ---\n${options.input}` : '';
    throw new Error(
      `lab: \`${describe(command, args)}\` failed (${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}${input}`,
    );
  }
  return r;
}

/**
 * Prefix of commands run in the lab: a test runner may inject NODE_OPTIONS into every process it
 * spawns (tap's processinfo hooks spawn itself), so it is removed at the last step, inside the
 * namespace. Its hooks would, e.g., try to write the runner's files after ttl-probe dropped root.
 */
const WITHOUT_NODE_OPTIONS = ['env', '-u', 'NODE_OPTIONS'];

/**
 * Environment for commands in the lab: no loaders or inspectors inherited from the parent (a test
 * runner's hooks would, e.g., try to write the runner's files after ttl-probe dropped root).
 */
function helperEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_INSPECT_RESUME_ON_START;
  return env;
}

// JS run with `node -e` inside a namespace. Listens on every port given on the
// command line, accepts and closes connections, prints "ready" once all
// sockets are listening, exits when its stdin closes (parent gone).
const LISTENER_JS = `
const net = require('node:net');
const ports = process.argv.slice(1).map(Number);
let pending = ports.length;
for (const port of ports) {
  const srv = net.createServer((sock) => { sock.on('error', () => {}); sock.end(); });
  srv.on('error', (e) => { process.stderr.write('listen ' + port + ': ' + e.message + '\\n'); process.exit(1); });
  srv.listen({ port, host: '0.0.0.0', backlog: 511 }, () => { if (--pending === 0) process.stdout.write('ready\\n'); });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
`;

// JS run with `node -e` inside a namespace: one TCP connect, prints the outcome.
const CONNECT_JS = `
const net = require('node:net');
const [host, port, timeout] = process.argv.slice(1);
const sock = net.connect({ host, port: Number(port) });
const timer = setTimeout(() => { process.stdout.write('TIMEOUT'); process.exit(0); }, Number(timeout));
sock.on('connect', () => { clearTimeout(timer); process.stdout.write('CONNECTED'); sock.destroy(); process.exit(0); });
sock.on('error', (e) => { clearTimeout(timer); process.stdout.write(e.code || e.message); process.exit(0); });
`;

export type ConnectOutcome = 'CONNECTED' | 'TIMEOUT' | string;

/**
 * One TCP connection attempt from `ns` (default: the client namespace) to
 * host:port. Resolves with 'CONNECTED', 'TIMEOUT' or the error code
 * (e.g. 'ECONNREFUSED', 'EHOSTUNREACH').
 */
export async function tcpConnect(
  lab: Lab,
  host: string,
  port: number,
  options: { ns?: string; timeoutMs?: number } = {},
): Promise<ConnectOutcome> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const r = await lab.exec(
    options.ns ?? lab.clientNs,
    process.execPath,
    ['-e', CONNECT_JS, host, String(port), String(timeoutMs)],
    { timeoutMs: timeoutMs + 10_000, env: helperEnv() },
  );
  if (r.code !== 0) throw new Error(`lab: connect helper failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function startListener(ns: string, ports: number[], track: Set<ChildProcess>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', LISTENER_JS, ...ports.map(String)], {
      env: helperEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    track.add(child);
    let stdout = '';
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => fail(new Error('timed out waiting for it to listen')), 10_000);
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`lab: listener on ${ns} ports ${ports.join(',')}: ${err.message} ${stderr.trim()}`));
    };
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      track.delete(child);
      fail(new Error(`exited early (${code ?? signal})`));
    });
    child.stdin?.on('error', () => {});
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!settled && stdout.includes('ready')) {
        settled = true;
        clearTimeout(timer);
        // Do not keep the parent alive for the listener: if the parent forgets
        // down(), its exit handler kills the listener and removes the lab.
        child.unref();
        for (const s of [child.stdin, child.stdout, child.stderr] as (Readable | Writable | null)[]) {
          (s as unknown as { unref?: () => void } | null)?.unref?.();
        }
        resolve(child);
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Environment checks.
// ---------------------------------------------------------------------------

function hasCommand(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Returns a one-line reason why the lab cannot run here, or null when it can. */
export function requireRoot(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  const uid = process.getuid?.();
  if (uid !== 0) return `not running as root (uid ${uid ?? 'unknown'})`;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
    if (m?.[1]) {
      const caps = BigInt(`0x${m[1]}`);
      const CAP_NET_ADMIN = 12n;
      const CAP_SYS_ADMIN = 21n;
      if (!((caps >> CAP_NET_ADMIN) & 1n)) return 'root but without CAP_NET_ADMIN';
      if (!((caps >> CAP_SYS_ADMIN) & 1n)) return 'root but without CAP_SYS_ADMIN (needed for network namespaces)';
    }
  } catch {
    /* no /proc status: check the rest */
  }
  if (!existsSync('/proc/self/ns/net')) return 'this kernel has no network namespace support (/proc/self/ns/net missing)';
  if (!hasCommand(IP, ['-V'])) return 'the `ip` command (iproute2) is not installed';
  return null;
}

// ---------------------------------------------------------------------------
// Building a chain.
// ---------------------------------------------------------------------------

let counter = 0;

function existingNamespaces(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

function makePrefix(): string {
  const existing = existingNamespaces();
  for (;;) {
    const rand = randomBytes(2).readUInt16BE(0).toString(36).padStart(2, '0').slice(-2);
    const prefix = `tp${process.pid.toString(36)}${(counter++).toString(36)}${rand}`;
    if (!existing.some((ns) => ns.startsWith(prefix))) return prefix;
  }
}

function validateSpec(spec: ChainSpec): void {
  const n = spec.routers.length;
  if (!Number.isInteger(n) || n > MAX_ROUTERS) {
    throw new Error(`lab: between 0 and ${MAX_ROUTERS} routers are supported (got ${n})`);
  }
  const nodes = [spec.client ?? {}, ...spec.routers, spec.server];
  nodes.forEach((node, k) => {
    if (node.defaultTtl !== undefined && !(Number.isInteger(node.defaultTtl) && node.defaultTtl >= 1 && node.defaultTtl <= 255)) {
      throw new Error(`lab: node ${k}: defaultTtl must be an integer 1..255 (got ${node.defaultTtl})`);
    }
    for (const port of node.listen ?? []) {
      if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) {
        throw new Error(`lab: node ${k}: invalid listen port ${port}`);
      }
    }
    for (const rule of node.iptables ?? []) {
      if (typeof rule !== 'string' || rule.trim() === '') throw new Error(`lab: node ${k}: empty iptables rule`);
    }
  });
}

/** `ip -batch` lines configuring node k of a chain with n routers. */
function nodeConfig(k: number, n: number): string[] {
  const lines = ['link set lo up'];
  if (k >= 1) lines.push(`addr add 198.18.${k}.2/24 dev eth0`, 'link set eth0 up');
  if (k <= n) lines.push(`addr add 198.18.${k + 1}.1/24 dev eth1`, 'link set eth1 up');
  if (k === 0) {
    lines.push(`route add ${LAB_SUPERNET} via 198.18.1.2 dev eth1`);
  } else if (k <= n) {
    lines.push(`route add ${LAB_SUPERNET} via 198.18.${k}.1 dev eth0`);
    for (let j = k + 2; j <= n + 1; j++) lines.push(`route add 198.18.${j}.0/24 via 198.18.${k + 1}.2 dev eth1`);
  } else {
    lines.push(`route add ${LAB_SUPERNET} via 198.18.${k}.1 dev eth0`);
  }
  return lines;
}

export async function buildChain(spec: ChainSpec): Promise<Lab> {
  const reason = requireRoot();
  if (reason) throw new Error(`lab: ${reason}`);
  validateSpec(spec);

  const n = spec.routers.length;
  const nodes: NodeSpec[] = [spec.client ?? {}, ...spec.routers, spec.server];
  if (nodes.some((node) => (node.iptables ?? []).length > 0) && !hasCommand(IPTABLES, ['--version'])) {
    throw new Error(`lab: this topology needs iptables, which is not installed (${installHint(['iptables'])}; \`sudo npm run demo\` and \`sudo npm test\` install it themselves)`);
  }

  const prefix = makePrefix();
  const names = nodes.map((_, k) => (k === 0 ? `${prefix}c` : k === n + 1 ? `${prefix}s` : `${prefix}r${k}`));
  const children = new Set<ChildProcess>();
  const entry: LiveEntry = { namespaces: names, children };
  register(prefix, entry);

  let downPromise: Promise<void> | undefined;
  const down = (): Promise<void> => {
    downPromise ??= (async () => {
      for (const child of children) child.kill('SIGTERM');
      const exited = [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(exited), new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
      if (timer) clearTimeout(timer);
      // Kill whatever is still running inside (children that ignored SIGTERM,
      // grandchildren of exec'd commands), then remove the namespaces.
      teardownEntrySync(entry);
      unregister(prefix);
    })();
    return downPromise;
  };

  const assertMine = (ns: string): void => {
    if (!names.includes(ns)) throw new Error(`lab ${prefix}: refusing to run in namespace "${ns}" (not part of this lab)`);
    if (downPromise) throw new Error(`lab ${prefix}: already torn down`);
  };

  const exec = async (ns: string, command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> => {
    assertMine(ns);
    return run(IP, ['netns', 'exec', ns, ...WITHOUT_NODE_OPTIONS, command, ...args], { ...options, track: children });
  };

  const clientNs = names[0] as string;
  const lab: Lab = {
    prefix,
    clientNs,
    clientAddress: '198.18.1.1',
    routers: spec.routers.map((_, i) => ({
      name: `r${i + 1}`,
      ns: names[i + 1] as string,
      hop: i + 1,
      address: `198.18.${i + 1}.2`,
    })),
    server: { name: 'server', ns: names[n + 1] as string, hop: n + 1, address: `198.18.${n + 1}.2` },
    exec,
    execInClient: (command, args, options) => exec(clientNs, command, args, options),
    spawnInClient: (command, args, options = {}) => {
      assertMine(clientNs);
      const child = spawn(IP, ['netns', 'exec', clientNs, ...WITHOUT_NODE_OPTIONS, command, ...args], { env: helperEnv(), ...options });
      children.add(child);
      child.once('exit', () => children.delete(child));
      child.once('error', () => children.delete(child));
      return child;
    },
    down,
  };

  try {
    // 1. namespaces
    await runOk(IP, ['-batch', '-'], { input: names.map((ns) => `netns add ${ns}\n`).join('') });

    // 2. veth pairs, created directly inside the namespaces: eth1 in node k-1, eth0 in node k
    await Promise.all(
      names.slice(0, -1).map((ns, k) =>
        runOk(IP, ['-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', names[k + 1] as string]),
      ),
    );

    // 3. per node: addresses + routes, sysctls, firewall rules, listeners
    await Promise.all(
      nodes.map(async (node, k) => {
        const ns = names[k] as string;
        await runOk(IP, ['-n', ns, '-batch', '-'], { input: nodeConfig(k, n).join('\n') + '\n' });
        const sysctls: string[] = [];
        if (k >= 1 && k <= n) sysctls.push('net.ipv4.ip_forward=1');
        if (node.defaultTtl !== undefined) sysctls.push(`net.ipv4.ip_default_ttl=${node.defaultTtl}`);
        if (sysctls.length > 0) await runOk(IP, ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...sysctls]);
        for (const rule of node.iptables ?? []) {
          const args = rule.trim().split(/\s+/);
          if (!args.includes('-w') && !args.includes('--wait')) args.unshift('-w');
          await runOk(IP, ['netns', 'exec', ns, IPTABLES, ...args]);
        }
        if (node.listen && node.listen.length > 0) await startListener(ns, node.listen, children);
      }),
    );

    // 4. verify: the client reaches one of the server's listeners
    const ports = spec.server.listen ?? [];
    if (ports.length > 0) {
      const outcomes: string[] = [];
      let ok = false;
      for (const port of ports) {
        const outcome = await tcpConnect(lab, lab.server.address, port, { timeoutMs: 3000 });
        outcomes.push(`${port}: ${outcome}`);
        if (outcome === 'CONNECTED') {
          ok = true;
          break;
        }
      }
      if (!ok) {
        throw new Error(`lab ${prefix}: the client cannot reach the server ${lab.server.address} (${outcomes.join(', ')})`);
      }
    }
  } catch (err) {
    await down();
    throw err;
  }
  return lab;
}
