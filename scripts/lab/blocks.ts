/**
 * A whole block answered by the lab's server namespace: every address of it local there
 * (`ip route add local BLOCK dev lo`: echo, RST and listeners bound to the wildcard answer for
 * all), and each router's route to it through the next hop. Only inside the lab's namespaces.
 */
import type { Lab } from './lab.js';

export async function addServerBlock(lab: Lab, block: string): Promise<void> {
  const v6 = block.includes(':');
  if (v6 ? !/^2001:2:0:[0-9a-f]{1,4}:[0-9a-f:]*\/\d{2,3}$/.test(block) : !/^198\.1[89]\.\d{1,3}\.\d{1,3}\/\d{1,2}$/.test(block)) {
    throw new Error(`lab: ${block} is not a block of 198.18.0.0/15 or 2001:2::/48`);
  }
  const must = async (ns: string, args: string[]): Promise<void> => {
    const result = await lab.exec(ns, 'ip', args);
    if (result.code !== 0) throw new Error(`lab: ip ${args.join(' ')} in ${ns} failed: ${result.stderr.trim()}`);
  };
  const family = v6 ? ['-6'] : [];
  for (const [index, router] of lab.routers.entries()) {
    await must(router.ns, [...family, 'route', 'add', block, 'via', v6 ? `2001:2:0:${index + 2}::2` : `198.18.${index + 2}.2`]);
  }
  await must(lab.server.ns, [...family, 'route', 'add', 'local', block, 'dev', 'lo']);
}
