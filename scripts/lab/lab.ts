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
 * The parts: chain.ts (what a chain is made of, as data, and the addressing
 * contract), run.ts (commands), listeners.ts, teardown.ts (the registry of
 * live labs and the exit/signal handlers); buildChain below runs them in order.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  addresses6AndRoutes,
  hostsFile,
  sysctls6Of,
  addressesAndRoutes,
  chainNodes,
  choosePrefix,
  firewallArgs,
  linkCommands,
  namespaceNames,
  needsIptables,
  sysctlsOf,
  validateSpec,
  type ChainSpec,
  type NodeSpec,
} from './chain.js';
import { startListener } from './listeners.js';
import { helperEnv, IP, IPTABLES, run, runOk, WITHOUT_NODE_OPTIONS, type ExecOptions, type ExecResult } from './run.js';
import { register, teardownEntry, unregister, type LiveEntry } from './teardown.js';
import { installHint } from './tools.js';

export { LAB_SUPERNET, LAB_SUPERNET6, MAX_ROUTERS, type ChainSpec, type NodeSpec } from './chain.js';
export type { ExecOptions, ExecResult } from './run.js';

export interface LabNode {
  name: string;
  ns: string;
  hop: number;
  address: string;
  /** Dual-stack labs: its client-facing IPv6 address 2001:2:0:hop::2. */
  address6?: string;
}

export interface Lab {
  prefix: string;
  clientNs: string;
  /** 198.18.1.1 */
  clientAddress: string;
  /** Dual-stack labs: 2001:2:0:1::1 */
  clientAddress6?: string;
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
  return choosePrefix(process.pid, () => counter++, () => randomBytes(2).readUInt16BE(0), existingNamespaces());
}

async function createNamespaces(names: readonly string[]): Promise<void> {
  await runOk(IP, ['-batch', '-'], { input: names.map((ns) => `netns add ${ns}\n`).join('') });
}

async function linkNodes(names: readonly string[]): Promise<void> {
  await Promise.all(linkCommands(names).map((args) => runOk(IP, args)));
}

async function setAddressesAndRoutes(ns: string, k: number, n: number, ipv6: boolean): Promise<void> {
  const lines = [...addressesAndRoutes(k, n), ...(ipv6 ? addresses6AndRoutes(k, n) : [])];
  await runOk(IP, ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
}

async function setSysctls(ns: string, sysctls: readonly string[]): Promise<void> {
  if (sysctls.length > 0) await runOk(IP, ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...sysctls]);
}

/** In the spec's order: a rule may depend on the one before (a chain, -I positions). */
async function addFirewallRules(ns: string, rules: readonly string[]): Promise<void> {
  for (const rule of rules) await runOk(IP, ['netns', 'exec', ns, IPTABLES, ...firewallArgs(rule)]);
}

/** Node k, in its namespace: addresses and routes, sysctls, firewall rules, then its listeners. */
async function configureNode(ns: string, k: number, n: number, node: NodeSpec, children: Set<ChildProcess>, ipv6: boolean): Promise<void> {
  // Before any IPv6 address: DAD off, or addresses stay tentative and the first probes vanish.
  if (ipv6) await setSysctls(ns, sysctls6Of(k, n, node));
  await setAddressesAndRoutes(ns, k, n, ipv6);
  await setSysctls(ns, sysctlsOf(k, n, node));
  await addFirewallRules(ns, node.iptables ?? []);
  for (const rule of node.ip6tables ?? []) await runOk(IP, ['netns', 'exec', ns, 'ip6tables', ...firewallArgs(rule)]);
  if (node.listen && node.listen.length > 0) await startListener(ns, node.listen, children);
}

/** The client reaches one of the server's listeners (none: nothing to check). */
async function verifyReachable(lab: Lab, ports: readonly number[]): Promise<void> {
  if (ports.length === 0) return;
  const outcomes: string[] = [];
  for (const port of ports) {
    const outcome = await tcpConnect(lab, lab.server.address, port, { timeoutMs: 3000 });
    outcomes.push(`${port}: ${outcome}`);
    if (outcome === 'CONNECTED') return;
  }
  throw new Error(`lab ${lab.prefix}: the client cannot reach the server ${lab.server.address} (${outcomes.join(', ')})`);
}

/** The handle of a registered lab: commands confined to its namespaces, and an idempotent down(). */
function labHandle(prefix: string, names: readonly string[], entry: LiveEntry, ipv6: boolean): Lab {
  const n = names.length - 2;
  const children = entry.children;
  let downPromise: Promise<void> | undefined;
  const down = (): Promise<void> => {
    downPromise ??= (async () => {
      await teardownEntry(entry);
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

  const clientNs = names[0]!;
  return {
    prefix,
    clientNs,
    clientAddress: '198.18.1.1',
    ...(ipv6 ? { clientAddress6: '2001:2:0:1::1' } : {}),
    routers: names.slice(1, -1).map((ns, i) => ({ name: `r${i + 1}`, ns, hop: i + 1, address: `198.18.${i + 1}.2`, ...(ipv6 ? { address6: `2001:2:0:${i + 1}::2` } : {}) })),
    server: { name: 'server', ns: names[n + 1]!, hop: n + 1, address: `198.18.${n + 1}.2`, ...(ipv6 ? { address6: `2001:2:0:${n + 1}::2` } : {}) },
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
}

export async function buildChain(spec: ChainSpec): Promise<Lab> {
  const reason = requireRoot();
  if (reason) throw new Error(`lab: ${reason}`);
  validateSpec(spec);

  const n = spec.routers.length;
  const nodes = chainNodes(spec);
  if (needsIptables(spec) && !hasCommand(IPTABLES, ['--version'])) {
    throw new Error(`lab: this topology needs iptables, which is not installed (${installHint(['iptables'])}; \`sudo npm run demo\` and \`sudo npm test\` install it themselves)`);
  }

  const prefix = makePrefix();
  const names = namespaceNames(prefix, n);
  const entry: LiveEntry = { namespaces: names, children: new Set() };
  register(prefix, entry);
  const ipv6 = spec.ipv6 === true;
  const lab = labHandle(prefix, names, entry, ipv6);
  try {
    await createNamespaces(names);
    await linkNodes(names);
    await Promise.all(nodes.map((node, k) => configureNode(names[k]!, k, n, node, entry.children, ipv6)));
    const hosts = hostsFile(spec);
    if (hosts !== null) {
      mkdirSync(`/etc/netns/${names[0]!}`, { recursive: true });
      writeFileSync(`/etc/netns/${names[0]!}/hosts`, hosts);
    }
    await verifyReachable(lab, spec.server.listen ?? []);
  } catch (err) {
    await lab.down();
    throw err;
  }
  return lab;
}
