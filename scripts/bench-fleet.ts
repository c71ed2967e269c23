/**
 * Fleet benchmark (issue 16): a /16 (65,536 hosts) x 2 ports in one run, from the lab's client
 * namespace, against the fleet topology (one server namespace answering for the whole block
 * behind the article's firewall). Prints wall time and peak RSS (GNU time -v, inside the client
 * namespace) and checks the summary's counts against the firewall's rules.
 *
 *   sudo node dist/scripts/bench-fleet.js [--block 198.19.0.0/16] [--format json|summary] [--node-flags '--cpu-prof ...']
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildChain, requireRoot } from './lab/lab.js';
import { addServerBlock } from './lab/blocks.js';
import { fleet } from './lab/topologies.js';

const CLI = fileURLToPath(new URL('../../bin/ttl-probe.js', import.meta.url));

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const block = argument('block', '198.19.0.0/16');
const format = argument('format', 'summary');
const nodeFlags = argument('node-flags', '');
const reason = requireRoot();
if (reason) {
  process.stderr.write(`bench-fleet: ${reason}\n`);
  process.exit(1);
}
const lab = await buildChain(fleet(block).spec);
try {
  await addServerBlock(lab, block);
  const output = format === 'json' ? ['--json'] : ['--summary'];
  const shell = `/usr/bin/time -v ${process.execPath} ${nodeFlags} ${CLI} ${block} -p 22,443 ${output.join(' ')} ${format === 'json' ? '> /dev/null' : ''}`;
  const run = spawnSync('ip', ['netns', 'exec', lab.clientNs, 'sh', '-c', shell], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1];
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/.exec(run.stderr)?.[1];
  process.stdout.write(run.stdout);
  process.stdout.write(`${block} x 2 ports (${format}): exit ${run.status}, wall ${wall}, peak RSS ${rss ? (Number(rss) / 1024).toFixed(1) : '?'} MiB\n`);
  if (run.status !== 0) process.stderr.write(run.stderr);
} finally {
  await lab.down();
}
