/**
 * Listeners: real TCP servers (accept, then close) inside a namespace, started
 * with the node binary running the lab and ended with the lab.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { helperEnv, IP } from './run.js';

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
  srv.listen({ port, host: '::', ipv6Only: false, backlog: 511 }, () => { if (--pending === 0) process.stdout.write('ready\\n'); });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
`;

/** Starts a listener on `ports` in `ns`; resolves once every port listens. */
export function startListener(ns: string, ports: number[], track: Set<ChildProcess>): Promise<ChildProcess> {
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
