/**
 * Benchmark of the prober against nmap -sS (issue 4), in one run on one lab:
 * the article's topology where the firewall also silently drops 3000-3999,
 * dual stack (article6: the same rules in ip6tables), with IPv6 rows
 * (issue 13): 3 and 1000 ports over IPv6 against the same over IPv4, and
 * 1000 ports against nmap -6 -sS.
 * ttl-probe and nmap alternate; medians and ratios are printed, and every
 * ttl-probe verdict is checked.
 *
 *   sudo npm run bench [-- --runs 7] [--baseline DIR] [--ipv6-only]
 *
 * --baseline DIR: also time an earlier build (DIR is a built checkout: DIR/bin/ttl-probe.js) in the
 * same rotation, and print this build's ratio to it (the check of a change for regressions).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildChain, requireRoot, type Lab } from './lab/lab.js';
import { article6 } from './lab/topologies.js';

const CLI = fileURLToPath(new URL('../../bin/ttl-probe.js', import.meta.url));
const SERVER = '198.18.4.2';
const SERVER6 = '2001:2:0:4::2';

interface Timed {
  ms: number;
  peakRssKiB: number;
  stdout: string;
  code: number | null;
}

/**
 * Every command runs with the environment `sudo` gives it (env_reset: a fixed PATH, HOME, TERM, LANG and
 * the SUDO_* variables), as `sudo ttl-probe ...` and `sudo nmap ...` run. Inheriting this shell's
 * environment instead would time something no user runs: some machines (this one among them) set
 * NODE_EXTRA_CA_CERTS, which makes every node process parse a CA bundle at start-up (~40 ms here),
 * and sudo strips it.
 */
const SUDO_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries({
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    TERM: process.env.TERM,
    LANG: process.env.LANG,
    SUDO_USER: process.env.SUDO_USER,
    SUDO_UID: process.env.SUDO_UID,
    SUDO_GID: process.env.SUDO_GID,
  }).filter(([, value]) => value !== undefined),
);

/** Runs a command in the client namespace; wall time from spawn to exit, peak RSS from /proc (VmHWM). */
function timed(lab: Lab, command: string, args: string[]): Promise<Timed> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('ip', ['netns', 'exec', lab.clientNs, command, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: SUDO_ENV });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    let peak = 0;
    const sample = (): void => {
      try {
        const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peak = Math.max(peak, Number(match[1]));
      } catch {
        // exited
      }
    };
    const poll = setInterval(sample, 20);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ ms: performance.now() - started, peakRssKiB: peak, stdout: Buffer.concat(chunks).toString(), code });
    });
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface PortJson { port: number; state: string; answeredBy: string; hop: number | null }

/** Mistakes in a ttl-probe report of the server's ports 1..count (22 forged at hop 2, 443 open, 3000-3999 silent, 8080 prohibited at hop 2). */
function mistakes(stdout: string, address: string, count: number, server = SERVER): string[] {
  const report = JSON.parse(stdout) as { targets: { address: string; ports: PortJson[] }[] };
  const target = report.targets.find((candidate) => candidate.address === address);
  if (!target) return ['no target'];
  const wrong: string[] = [];
  if (target.ports.length !== count) wrong.push(`${target.ports.length} ports`);
  for (const port of target.ports) {
    let want: string;
    if (address !== server) want = 'closed/host/2';
    else if (port.port === 22) want = 'closed/middlebox/2';
    else if (port.port === 443) want = 'open/host/4';
    // The dual-stack firewall answers 8080 with ICMP administratively prohibited in both families (article6).
    else if (port.port === 8080) want = 'unreachable/middlebox/2';
    else if (port.port >= 3000 && port.port <= 3999) want = 'filtered/none/null';
    else want = 'closed/host/4';
    const got = `${port.state}/${port.answeredBy}/${port.hop}`;
    if (got !== want) wrong.push(`${port.port}: ${got}`);
  }
  return wrong;
}

async function main(): Promise<void> {
  const reason = requireRoot();
  if (reason) {
    process.stderr.write(`bench: ${reason}; run it as root\n`);
    process.exit(3);
  }
  try {
    execFileSync('sh', ['-c', 'command -v nmap'], { stdio: 'ignore' });
  } catch {
    console.log('installing nmap from the distribution...');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nmap >/dev/null'], { stdio: 'inherit' });
  }
  const runsIndex = process.argv.indexOf('--runs');
  const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 7;
  const baselineIndex = process.argv.indexOf('--baseline');
  const baselineCli = baselineIndex > 0 ? join(resolve(process.argv[baselineIndex + 1] ?? '.'), 'bin', 'ttl-probe.js') : null;
  const topology = article6();
  const firewall = topology.spec.routers[1]!;
  const drop = '-A FORWARD -p tcp --dport 3000:3999 -j DROP';
  topology.spec.routers[1] = { ...firewall, iptables: [...(firewall.iptables ?? []), drop], ip6tables: [...(firewall.ip6tables ?? []), drop] };
  const lab = await buildChain(topology.spec);
  let allRight = true;
  const lines: string[] = [];
  try {
    const probeWith = async (cli: string, args: string[], check: (stdout: string) => string[]): Promise<Timed> => {
      const result = await timed(lab, process.execPath, [cli, ...args, '--json']);
      const wrong = result.code === 0 ? check(result.stdout) : [`exit ${result.code}`];
      if (wrong.length > 0) {
        allRight = false;
        console.log(`  WRONG (${cli === CLI ? '' : 'baseline: '}${args.join(' ')}): ${wrong.slice(0, 5).join('; ')}`);
      }
      return result;
    };
    const probe = (args: string[], check: (stdout: string) => string[]): Promise<Timed> => probeWith(CLI, args, check);
    const compare = async (name: string, args: string[], check: (stdout: string) => string[], theirs: () => Promise<Timed>, theirName: string, goal: number, goalText: string): Promise<void> => {
      const a: number[] = [];
      const b: number[] = [];
      const c: number[] = [];
      for (let i = 0; i < runs; i++) {
        b.push((await theirs()).ms);
        a.push((await probe(args, check)).ms);
        if (baselineCli) c.push((await probeWith(baselineCli, args, check)).ms);
      }
      const ratio = median(a) / median(b);
      const versus = baselineCli ? `; baseline ${median(c).toFixed(0)} ms, ratio to it ${(median(a) / median(c)).toFixed(2)}` : '';
      const line = `${name}: ttl-probe ${median(a).toFixed(0)} ms, ${theirName} ${median(b).toFixed(0)} ms, ratio ${ratio.toFixed(2)} (goal ${goalText}) ${ratio <= goal ? 'ok' : 'MISSED'}${versus}`;
      console.log(line);
      lines.push(line);
    };
    const nmap = (ports: string) => () => timed(lab, 'nmap', ['-sS', '-n', '-Pn', '-p', ports, SERVER]);

    // --ipv6-only: only the IPv6 rows (each with its IPv4 or nmap reference), for a quick check of that family.
    const ipv6Only = process.argv.includes('--ipv6-only');
    if (!ipv6Only) await compare('3 ports', [SERVER, '-p', '22,80,443'], (out) => mistakes(out, SERVER, 3).filter((m) => !m.startsWith('3 ports')), () => timed(lab, process.execPath, ['-e', '0']), 'node -e 0', 1.5, '<= 1.5x node -e 0');
    if (!ipv6Only) await compare('1000 ports', [SERVER, '-p', '1-1000'], (out) => mistakes(out, SERVER, 1000), nmap('1-1000'), 'nmap -sS', 1.5, '<= 1.5x nmap');
    if (!ipv6Only) await compare('5000 ports, 1000 silent', [SERVER, '-p', '1-5000'], (out) => mistakes(out, SERVER, 5000), nmap('1-5000'), 'nmap -sS', 0.5, '<= 0.5x nmap');
    // IPv6 in the same run: against IPv4 on the same lab (goal 1.2x) and against nmap -6 -sS (goal 1.5x).
    const v4Run = (ports: string, count: number) => () => probe([SERVER, '-p', ports], (out) => mistakes(out, SERVER, count));
    await compare('IPv6 3 ports', [SERVER6, '-p', '22,80,443'], (out) => mistakes(out, SERVER6, 3, SERVER6), v4Run('22,80,443', 3), 'IPv4 ttl-probe', 1.2, '<= 1.2x IPv4');
    await compare('IPv6 1000 ports', [SERVER6, '-p', '1-1000'], (out) => mistakes(out, SERVER6, 1000, SERVER6), v4Run('1-1000', 1000), 'IPv4 ttl-probe', 1.2, '<= 1.2x IPv4');
    await compare('IPv6 1000 ports', [SERVER6, '-p', '1-1000'], (out) => mistakes(out, SERVER6, 1000, SERVER6), () => timed(lab, 'nmap', ['-6', '-sS', '-n', '-Pn', '-p', '1-1000', SERVER6]), 'nmap -6 -sS', 1.5, '<= 1.5x nmap -6');
    const sweep = [SERVER, '198.18.2.2', '-p', '1-65535'];
    const sweepCheck = (out: string): string[] => [...mistakes(out, SERVER, 65535), ...mistakes(out, '198.18.2.2', 65535)];
    if (!ipv6Only) {
      // Issue 16's goals for the sweep: at most 0.25x nmap -sS on the same lab, peak RSS under 128 MiB.
      const sweepOurs: Timed[] = [];
      const sweepNmap: number[] = [];
      const sweepBase: Timed[] = [];
      for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
        sweepNmap.push((await timed(lab, 'nmap', ['-sS', '-n', '-Pn', '-p-', SERVER, '198.18.2.2'])).ms);
        sweepOurs.push(await probe(sweep, sweepCheck));
        if (baselineCli) sweepBase.push(await probeWith(baselineCli, sweep, sweepCheck));
      }
      const oursMs = median(sweepOurs.map((run) => run.ms));
      const peakMiB = Math.max(...sweepOurs.map((run) => run.peakRssKiB)) / 1024;
      const sweepRatio = oursMs / median(sweepNmap);
      const versus = baselineCli ? `; baseline ${(median(sweepBase.map((run) => run.ms)) / 1000).toFixed(2)} s, ${(Math.max(...sweepBase.map((run) => run.peakRssKiB)) / 1024).toFixed(0)} MiB` : '';
      const line = `all 65535 ports of two hosts: ttl-probe ${(oursMs / 1000).toFixed(2)} s, nmap -sS ${(median(sweepNmap) / 1000).toFixed(2)} s, ratio ${sweepRatio.toFixed(2)} (goal <= 0.25x nmap) ${sweepRatio <= 0.25 ? 'ok' : 'MISSED'}, peak RSS ${peakMiB.toFixed(0)} MiB (goal < 128 MiB) ${peakMiB < 128 ? 'ok' : 'MISSED'}${versus}`;
      console.log(line);
      lines.push(line);
    }
  } finally {
    await lab.down();
  }
  console.log(`\n${lines.join('\n')}\n${allRight ? 'every ttl-probe verdict right' : 'SOME ttl-probe VERDICTS WRONG'}`);
  process.exitCode = allRight ? 0 : 1;
}

await main();
