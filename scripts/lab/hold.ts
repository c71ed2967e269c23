/**
 * Build a named lab topology and keep it up until interrupted:
 *
 *   sudo node dist/scripts/lab/hold.js [topology] [--then=hold|exit|throw]
 *
 * topology defaults to article. Prints one JSON line describing the lab
 * (prefix, namespaces, addresses) on stdout once it is ready, then waits.
 * Ctrl-C / SIGTERM tear the lab down. Explore it with e.g.
 * `sudo ip netns exec <clientNs> bash`.
 *
 * --then=exit / --then=throw make it call process.exit() / throw an uncaught
 * exception right after printing instead of waiting, without calling down():
 * the tests use them to check that the lab cleans up after itself anyway.
 */
import { buildChain, requireRoot } from './lab.js';
import { topologies, type TopologyName } from './topologies.js';

async function main(): Promise<void> {
  const reason = requireRoot();
  if (reason) {
    process.stderr.write(`lab hold: ${reason}; run it as root\n`);
    process.exit(3);
  }
  const args = process.argv.slice(2);
  const then = args.find((a) => a.startsWith('--then='))?.slice('--then='.length) ?? 'hold';
  const name = (args.find((a) => !a.startsWith('--')) ?? 'article') as TopologyName;
  const make = Object.hasOwn(topologies, name) ? topologies[name] : undefined;
  if (!make) {
    process.stderr.write(`lab hold: unknown topology "${name}" (one of ${Object.keys(topologies).join(', ')})\n`);
    process.exit(2);
  }
  const topo = make();
  const lab = await buildChain(topo.spec);
  process.stdout.write(
    JSON.stringify({
      topology: name,
      target: topo.target,
      prefix: lab.prefix,
      clientNs: lab.clientNs,
      clientAddress: lab.clientAddress,
      routers: lab.routers,
      server: lab.server,
      description: topo.description,
    }) + '\n',
  );
  if (then === 'exit') process.exit(0);
  if (then === 'throw') {
    setImmediate(() => {
      throw new Error('lab hold: uncaught exception on purpose (--then=throw)');
    });
    return;
  }
  // Stay up until a signal arrives; the lab's own handlers tear it down and
  // then re-raise the signal.
  setInterval(() => {}, 1 << 30);
}

main().catch((err: unknown) => {
  process.stderr.write(`lab hold: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
