/**
 * `npm run demo`: build the article's topology in network namespaces and run
 * the ttl-probe CLI against it from the client namespace.
 */
import { fileURLToPath } from 'node:url';
import { buildChain, requireRoot, type Lab } from './lab/lab.js';
import { DEMO_TOOLS, ensureTools } from './lab/tools.js';
import { article } from './lab/topologies.js';
import { constants as osConstants } from 'node:os';

async function main(): Promise<number> {
  // A fresh machine lacks iptables (and maybe sysctl): as root they are installed here, announced on
  // stderr; otherwise this stops with the command to run.
  const tools = ensureTools(DEMO_TOOLS, { purpose: 'ttl-probe demo' });
  if (!tools.ok) {
    process.stderr.write(`${tools.message}\n`);
    return 3;
  }
  const reason = requireRoot();
  if (reason) {
    process.stderr.write(`ttl-probe demo: ${reason}; run it as root: sudo npm run demo\n`);
    return 3;
  }
  const topo = article();
  // dist/scripts/demo.js -> bin/ttl-probe.js
  const cli = fileURLToPath(new URL('../../bin/ttl-probe.js', import.meta.url));
  const args = [topo.target, '-p', '22,80,443'];

  process.stdout.write(
    [
      'ttl-probe demo: building a small network out of Linux network namespaces:',
      '  client 198.18.1.1 - router 198.18.1.2 - firewall 198.18.2.2 - router 198.18.3.2 - server 198.18.4.2',
      'The firewall forges TCP RSTs for port 22 (as if the port were closed); the server listens on 443',
      'and its kernel answers RST on the closed port 80. All replies look alike, but the forged RST comes',
      'from two hops closer, and its TTL shows it.',
      `Running: ttl-probe ${args.join(' ')}  (from the client namespace)`,
      '',
    ].join('\n'),
  );

  let lab: Lab | undefined;
  try {
    lab = await buildChain(topo.spec);
    const child = lab.spawnInClient(process.execPath, [cli, ...args], { stdio: 'inherit' });
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (code !== null) resolve(code);
        else {
          const signo = signal ? (osConstants.signals as Record<string, number>)[signal] : undefined;
          resolve(signo ? 128 + signo : 1);
        }
      });
    });
  } finally {
    await lab?.down();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ttl-probe demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
