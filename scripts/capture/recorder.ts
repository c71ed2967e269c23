/**
 * Records the article's case in the lab, in every capture format `analyze`
 * reads, while ordinary clients and ttl-probe itself run:
 *
 *   client 198.18.1.1 - r1 - firewall r2 (forges RSTs for 22) - r3 - server 198.18.4.2
 *
 * Traffic, all from the client namespace: plain TCP connects to 22 (RST
 * forged by the firewall), 80 (RST from the server's kernel) and 443
 * (accepted); `ttl-probe 198.18.4.2 -p 22,80,443` (ICMP echoes and SYNs);
 * then a connection to 443 that stays established, exchanges data, and is
 * cut by a RST the firewall forges once it gets the rule
 * `REJECT --reject-with tcp-reset` for established 443 traffic.
 *
 * Captures, all taken in the client namespace at the same time:
 * tcpdump -i eth1 (pcap, Ethernet), tcpdump -i any -y LINUX_SLL2 and
 * -y LINUX_SLL (cooked v2 and v1), tcpdump -n -v (text); then
 * `editcap -F pcapng` of the Ethernet pcap and `mergecap -F pcapng` of the
 * Ethernet and cooked v2 captures (two interfaces, two link types).
 *
 * Needs root (the lab), tcpdump, editcap and mergecap (apt-get install
 * tshark), and a built ttl-probe (npm run build).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildChain, tcpConnect, type Lab } from '../lab/lab.js';
import { article, article6 } from '../lab/topologies.js';
import type { Report } from '../../src/model/report.js';

const execFileAsync = promisify(execFile);

/** The repository root: the nearest directory above this module with a package.json (works from scripts/ and dist/scripts/). */
export function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('recorder: no package.json above this script');
    directory = parent;
  }
  return directory;
}

/** The ttl-probe launcher (runs dist/, so build first). */
export const CLI = join(repositoryRoot(), 'bin', 'ttl-probe.js');

/** Rule added on the firewall mid-connection: it then forges a RST for the next packet of any established 443 connection. */
export const CUT_RULE = ['-w', '-I', 'FORWARD', '-p', 'tcp', '--dport', '443', '-m', 'conntrack', '--ctstate', 'ESTABLISHED', '-j', 'REJECT', '--reject-with', 'tcp-reset'];

/** The files a recording produces, by role. */
export const RECORDED_FILES = {
  ethernet: 'article-eth.pcap',
  cookedV2: 'article-any-sll2.pcap',
  cookedV1: 'article-any-sll.pcap',
  pcapng: 'article.pcapng',
  multiInterface: 'article-2if.pcapng',
  text: 'article-v.txt',
} as const;

export type RecordedRole = keyof typeof RECORDED_FILES;

// A server that keeps connections open and echoes what it gets (the lab's own listener closes at once).
const ECHO_SERVER_JS = `
const net = require('node:net');
net.createServer((s) => { s.on('error', () => {}); s.on('data', (d) => s.write(d)); })
  .listen({ port: Number(process.argv[1]), host: process.argv[2] || '0.0.0.0' });
process.on('SIGTERM', () => process.exit(0));
`;

// A client driven by its stdin: each line is sent; prints CONNECTED, ECHO <line>, and ERROR <code> or CLOSED.
const HOLD_CLIENT_JS = `
const net = require('node:net');
const sock = net.connect({ host: process.argv[1], port: Number(process.argv[2]) });
sock.setNoDelay(true);
sock.on('connect', () => process.stdout.write('CONNECTED\\n'));
let buffered = '';
sock.on('data', (d) => {
  buffered += d.toString();
  let i;
  while ((i = buffered.indexOf('\\n')) >= 0) { process.stdout.write('ECHO ' + buffered.slice(0, i) + '\\n'); buffered = buffered.slice(i + 1); }
});
sock.on('error', (e) => { process.stdout.write('ERROR ' + (e.code || e.message) + '\\n'); process.exit(0); });
sock.on('close', () => { process.stdout.write('CLOSED\\n'); process.exit(0); });
process.stdin.on('data', (d) => { for (const line of d.toString().split('\\n')) if (line) sock.write(line + '\\n'); });
process.stdin.on('end', () => sock.end());
`;

/** Environment for node helpers in the lab: nothing inherited from a test runner's loader. */
function helperEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** Resolves when `pattern` appears in the child's stream; rejects on exit or timeout. */
function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, what: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}; got: ${seen.trim().slice(-500)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) done(null, match[0]);
    };
    const onExit = (): void => done(new Error(`${what}: the process exited first; got: ${seen.trim().slice(-500)}`));
    const done = (error: Error | null, value = ''): void => {
      clearTimeout(timer);
      child[stream]?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    };
    child[stream]?.on('data', onData);
    child.once('exit', onExit);
  });
}

interface Tcpdump {
  child: ChildProcess;
  output: Buffer[];
}

async function startTcpdump(lab: Lab, args: string[]): Promise<Tcpdump> {
  const child = lab.spawnInClient('tcpdump', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  await waitFor(child, 'stderr', /listening on/, `tcpdump ${args.join(' ')}`);
  return { child, output };
}

async function stopTcpdump(capture: Tcpdump): Promise<Buffer> {
  const exited = new Promise<void>((resolve) => {
    if (capture.child.exitCode !== null || capture.child.signalCode !== null) resolve();
    else capture.child.once('close', () => resolve());
  });
  capture.child.kill('SIGINT');
  await exited;
  return Buffer.concat(capture.output);
}

function parseReport(text: string): Report | null {
  try {
    return JSON.parse(text) as Report;
  } catch {
    return null;
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the recording did, for the caller to check. */
export interface RecordingLog {
  connects: Record<number, string>;
  /** The live probe's run (--json) during the recording, and its report when it printed one. */
  probe: { code: number | null; stdout: string; stderr: string; report: Report | null };
  heldConnection: string[];
  files: Record<RecordedRole, string>;
}

/**
 * Builds the article lab, records the traffic described above into
 * `directory` (files named as in RECORDED_FILES) and tears the lab down,
 * also on failure. `ipv6`: the same over IPv6 in the dual-stack lab
 * (article6, the firewall's rules in ip6tables), plus a plain connect to
 * 8080, which the firewall answers with ICMPv6 administratively prohibited.
 */
export async function recordArticle(directory: string, options: { ipv6?: boolean } = {}): Promise<RecordingLog> {
  const ipv6 = options.ipv6 === true;
  const topology = ipv6 ? article6() : article();
  // The server runs an echo server on 443 instead of the lab's accept-and-close listener, so a connection can stay up.
  const lab = await buildChain({ ...topology.spec, server: { ...topology.spec.server, listen: [] } });
  try {
    const env = helperEnv();
    void lab.exec(lab.server.ns, process.execPath, ['-e', ECHO_SERVER_JS, '443', ipv6 ? '::' : '0.0.0.0'], { env }).catch(() => undefined);
    let ready = false;
    for (let attempt = 0; attempt < 50 && !ready; attempt++) {
      ready = (await tcpConnect(lab, topology.target, 443, { timeoutMs: 1000 })) === 'CONNECTED';
      if (!ready) await delay(100);
    }
    if (!ready) throw new Error('recorder: the echo server on 443 did not come up');

    const captures = await Promise.all([
      startTcpdump(lab, ['-i', 'eth1', '--immediate-mode', '-U', '-w', '-']),
      startTcpdump(lab, ['-i', 'any', '-y', 'LINUX_SLL2', '--immediate-mode', '-U', '-w', '-']),
      startTcpdump(lab, ['-i', 'any', '-y', 'LINUX_SLL', '--immediate-mode', '-U', '-w', '-']),
      startTcpdump(lab, ['-i', 'eth1', '--immediate-mode', '-n', '-v', '-l']),
    ]);

    const connects: Record<number, string> = {};
    for (const port of ipv6 ? [22, 80, 443, 8080] : [22, 80, 443]) connects[port] = await tcpConnect(lab, topology.target, port, { timeoutMs: 3000 });

    const probe = await lab.execInClient(process.execPath, [CLI, topology.target, '-p', '22,80,443', '--json'], { timeoutMs: 60_000, env });

    const held = lab.spawnInClient(process.execPath, ['-e', HOLD_CLIENT_JS, topology.target, '443'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    });
    const heldLog: string[] = [];
    held.stdout?.on('data', (chunk: Buffer) => heldLog.push(...chunk.toString().trim().split('\n')));
    await waitFor(held, 'stdout', /CONNECTED/, 'the held connection');
    for (const line of ['hello 1', 'hello 2']) {
      held.stdin?.write(`${line}\n`);
      await waitFor(held, 'stdout', new RegExp(`ECHO ${line}`), `the echo of "${line}"`);
    }
    const firewall = lab.routers[1]!;
    const rule = await lab.exec(firewall.ns, ipv6 ? 'ip6tables' : 'iptables', CUT_RULE);
    if (rule.code !== 0) throw new Error(`recorder: iptables on the firewall failed: ${rule.stderr.trim()}`);
    const cut = waitFor(held, 'stdout', /ERROR \S+|CLOSED/, 'the forged RST');
    held.stdin?.write('after the firewall rule\n');
    await cut;
    // Let the captures write the last packets before they are stopped.
    await delay(1000);

    const [ethernet, cookedV2, cookedV1, text] = await Promise.all(captures.map(stopTcpdump));
    const path = (role: RecordedRole): string => join(directory, RECORDED_FILES[role]);
    await writeFile(path('ethernet'), ethernet!);
    await writeFile(path('cookedV2'), cookedV2!);
    await writeFile(path('cookedV1'), cookedV1!);
    await writeFile(path('text'), text!);
    await execFileAsync('editcap', ['-F', 'pcapng', path('ethernet'), path('pcapng')]);
    await execFileAsync('mergecap', ['-F', 'pcapng', '-w', path('multiInterface'), path('ethernet'), path('cookedV2')]);
    return {
      connects,
      probe: { code: probe.code, stdout: probe.stdout, stderr: probe.stderr, report: parseReport(probe.stdout) },
      heldConnection: heldLog,
      files: Object.fromEntries(Object.keys(RECORDED_FILES).map((role) => [role, path(role as RecordedRole)])) as Record<RecordedRole, string>,
    };
  } finally {
    await lab.down();
  }
}
