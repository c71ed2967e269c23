import type { Raw6Packet } from '../../src/transport/raw6.js';
/**
 * A three-namespace IPv6 lab for the transport tests: client - router - server, addresses from
 * 2001:2::/48 (RFC 5180) only, everything inside namespaces (nothing in the root namespace, no
 * default route: nothing can leave the machine). Hop limits per namespace imitate other stacks.
 *
 *   client 2001:2:0:1::2 --(link 1)-- 2001:2:0:1::1 router 2001:2:0:2::1 --(link 2)-- 2001:2:0:2::2 server
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { register, unregister } from '../../scripts/lab/teardown.js';
import { fileURLToPath } from 'node:url';

export const AGENT = fileURLToPath(new URL('../../dist/scripts/lab/raw6-agent.js', import.meta.url));

export const ADDRESS = {
  client: '2001:2:0:1::2',
  routerClientSide: '2001:2:0:1::1',
  routerServerSide: '2001:2:0:2::1',
  server: '2001:2:0:2::2',
} as const;

export interface Ipv6Lab {
  client: string;
  router: string;
  server: string;
  /** Runs a command in a namespace (synchronously), returns stdout. */
  exec(namespace: string, command: string, args: string[]): string;
  /** Starts a long-running command in a namespace; stopped by down() (by its pid) if still running. */
  start(namespace: string, command: string, args: string[]): ChildProcess;
  down(): void;
}

export interface Ipv6LabOptions {
  /** Hop limit of the router's own packets (ICMPv6 errors, forged RSTs). */
  routerHopLimit: number;
  /** Hop limit of the server's packets. */
  serverHopLimit: number;
}

function sysctls(namespace: string, settings: Record<string, string | number>): void {
  for (const [key, value] of Object.entries(settings)) execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', `${key}=${value}`]);
}

/** Builds the lab; on any failure removes what was built and rethrows. */
export function buildIpv6Lab(options: Ipv6LabOptions): Ipv6Lab {
  const prefix = `tp6${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const client = `${prefix}c`;
  const router = `${prefix}r`;
  const server = `${prefix}s`;
  const namespaces = [client, router, server];
  const children: ChildProcess[] = [];
  const created: string[] = [];
  // Registered with the labs' teardown, so a SIGTERM (tap's timeout) or SIGINT removes it as well.
  const entry = { namespaces: created, children: new Set<ChildProcess>() };
  register(prefix, entry);
  const down = (): void => {
    unregister(prefix);
    for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const namespace of created) {
      try {
        execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    created.length = 0;
  };
  process.once('exit', down);
  const ip = (...args: string[]): void => {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    for (const namespace of namespaces) {
      ip('netns', 'add', namespace);
      created.push(namespace);
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
      // Before the links exist, so they inherit: no DAD (addresses usable at once), no RAs.
      sysctls(namespace, {
        'net.ipv6.conf.all.accept_dad': 0,
        'net.ipv6.conf.default.accept_dad': 0,
        'net.ipv6.conf.all.accept_ra': 0,
        'net.ipv6.conf.default.accept_ra': 0,
      });
    }
    const hopLimit = (namespace: string, value: number): void =>
      sysctls(namespace, { 'net.ipv6.conf.all.hop_limit': value, 'net.ipv6.conf.default.hop_limit': value });
    hopLimit(router, options.routerHopLimit);
    hopLimit(server, options.serverHopLimit);
    sysctls(router, { 'net.ipv6.conf.all.forwarding': 1 });
    // veth pairs created inside the namespaces: no interface ever appears in the root namespace.
    ip('-n', client, 'link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'r0', 'netns', router);
    ip('-n', router, 'link', 'add', 'r1', 'type', 'veth', 'peer', 'name', 's0', 'netns', server);
    const address = (namespace: string, device: string, cidr: string): void => {
      ip('-n', namespace, '-6', 'addr', 'add', cidr, 'dev', device, 'nodad');
      ip('-n', namespace, 'link', 'set', device, 'up');
    };
    address(client, 'c0', `${ADDRESS.client}/64`);
    address(router, 'r0', `${ADDRESS.routerClientSide}/64`);
    address(router, 'r1', `${ADDRESS.routerServerSide}/64`);
    address(server, 's0', `${ADDRESS.server}/64`);
    ip('-n', client, '-6', 'route', 'add', '2001:2::/48', 'via', ADDRESS.routerClientSide);
    ip('-n', server, '-6', 'route', 'add', '2001:2::/48', 'via', ADDRESS.routerServerSide);
  } catch (error) {
    down();
    throw error;
  }
  return {
    client,
    router,
    server,
    exec(namespace, command, args) {
      return execFileSync('ip', ['netns', 'exec', namespace, command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    start(namespace, command, args) {
      const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      entry.children.add(child);
      return child;
    },
    down,
  };
}

/** The test's environment less NODE_OPTIONS (tap's loader hooks have no business in the agent). */
export function agentEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** A packet the agent received, as the transport hands it, with the send time of the probe it answers. */
export interface AgentPacket extends Raw6Packet {
  sentAt: number;
}

export interface AgentResult {
  code: number | null;
  stderr: string;
  receiveBufferBytes?: number;
  received: AgentPacket[];
  error?: { name: string; code?: string; message: string };
}

/** Runs the agent (scripts/lab/raw6-agent.ts) with `job` under `prefix` (e.g. ip netns exec NS). */
export function runAgent(prefix: string[], job: object, timeoutMs = 20_000): Promise<AgentResult> {
  return new Promise((resolve) => {
    const [command, ...args] = [...prefix, 'env', '-u', 'NODE_OPTIONS', process.execPath, AGENT, JSON.stringify(job)];
    const child = spawn(command!, args, { env: agentEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      let parsed: { receiveBufferBytes?: number; received?: (Omit<AgentPacket, 'payload'> & { payload: string })[]; error?: AgentResult['error'] } = {};
      try {
        parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
      } catch {
        parsed = {};
      }
      resolve({
        code,
        stderr: stderr + (parsed.received || parsed.error ? '' : `\nstdout: ${stdout}`),
        receiveBufferBytes: parsed.receiveBufferBytes,
        received: (parsed.received ?? []).map((packet) => ({ ...packet, payload: Buffer.from(packet.payload, 'hex') })),
        error: parsed.error,
      });
    });
  });
}
