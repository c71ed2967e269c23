/**
 * The idle command's listeners: real TCP servers inside a namespace that hold every connection
 * open (or close it after N s without data, as an application's own idle timeout does) and report
 * every byte a client sends, so a test can assert that the prober wrote nothing into the stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { helperEnv, IP } from './run.js';
import { buildChain, type Lab } from './lab.js';
import type { IdleTopology } from './topologies.js';

// `node -e` in the server namespace, on both families. Arguments: PORT:CLOSE_AFTER_S (0: never). Holds every
// connection open, prints "data PORT BYTES" for whatever a client sends, "ready" once listening.
const HOLD_JS = `
const net = require('node:net');
const specs = process.argv.slice(1).map((a) => a.split(':').map(Number));
let pending = specs.length;
for (const [port, closeAfter] of specs) {
  const srv = net.createServer((sock) => {
    sock.on('error', (e) => { if (e.code === 'ECONNRESET') process.stdout.write('reset ' + port + '\\n'); });
    process.stdout.write('conn ' + port + '\\n');
    sock.on('data', (d) => process.stdout.write('data ' + port + ' ' + d.length + '\\n'));
    if (closeAfter > 0) sock.setTimeout(closeAfter * 1000, () => sock.end());
  });
  srv.listen({ port, host: '::', ipv6Only: false }, () => { if (--pending === 0) process.stdout.write('ready\\n'); });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export interface HoldServer {
  /** Bytes received per port so far. */
  bytes(): Map<number, number>;
  /** Connections accepted so far, all ports together. */
  connections(): number;
  /** Connections that ended with a RST (ECONNRESET) on the server's side, all ports together. */
  resets(): number;
  stop(): void;
}

/** Starts the holding listeners in `ns`; resolves once they listen. */
export function startHoldServer(ns: string, ports: readonly (readonly [number, number])[]): Promise<HoldServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', HOLD_JS, ...ports.map(([p, c]) => `${p}:${c}`)], {
      env: helperEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const bytes = new Map<number, number>();
    let connections = 0;
    let resets = 0;
    let buffer = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('hold server: not listening within 10 s'));
    }, 10_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const data = /^data (\d+) (\d+)$/.exec(line);
        if (data) bytes.set(Number(data[1]), (bytes.get(Number(data[1])) ?? 0) + Number(data[2]));
        if (line.startsWith('conn ')) connections++;
        if (line.startsWith('reset ')) resets++;
        if (line === 'ready' && !ready) {
          ready = true;
          clearTimeout(timer);
          resolve({ bytes: () => new Map(bytes), connections: () => connections, resets: () => resets, stop: () => void child.kill('SIGKILL') });
        }
      }
    });
    child.on('exit', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`hold server exited early (${code})`));
      }
    });
  });
}

/** Builds the topology and sets its routers' sysctls. */
export async function buildIdleLab(topology: IdleTopology): Promise<Lab> {
  const lab = await buildChain(topology.spec);
  try {
    for (const [hop, settings] of Object.entries(topology.routerSysctls)) {
      const router = lab.routers[Number(hop) - 1]!;
      const result = await lab.exec(router.ns, 'sysctl', ['-w', ...settings]);
      if (result.code !== 0) throw new Error(`sysctl in ${router.ns}: ${result.stderr.trim()}`);
    }
  } catch (error) {
    await lab.down();
    throw error;
  }
  return lab;
}

/** The reset device (idle-reset-device.ts) running in a router namespace. */
export interface ResetDevice {
  /** RSTs it has forged so far (two per connection it reset). */
  forged(): number;
  stop(): void;
}

// The compiled device beside this module in dist/, or dist's copy when this runs from source (tests).
const RESET_DEVICE = fileURLToPath(
  new URL(import.meta.url.includes('/dist/scripts/') ? './idle-reset-device.js' : '../../dist/scripts/lab/idle-reset-device.js', import.meta.url),
);

/** Starts the device that resets connections idle `idleS` seconds in `ns`; resolves once it watches. */
export function startResetDevice(ns: string, idleS: number): Promise<ResetDevice> {
  return new Promise((resolve, reject) => {
    const child = spawn(IP, ['netns', 'exec', ns, process.execPath, RESET_DEVICE, '--idle', String(idleS)], { env: helperEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let forged = 0;
    let ready = false;
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('reset device: not watching within 10 s'));
    }, 10_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('reset ')) forged++;
      if (line === 'ready' && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve({ forged: () => forged, stop: () => void child.kill('SIGKILL') });
      }
    });
    child.on('exit', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`reset device exited early (${code}): ${stderr.trim()}`));
      }
    });
  });
}
