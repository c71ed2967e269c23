/**
 * A whole block answered by the lab's server namespace: every address of it local there
 * (`ip route add local BLOCK dev lo`: echo, RST and listeners bound to the wildcard answer for
 * all), and each router's route to it through the next hop. Only inside the lab's namespaces.
 */
import type { Lab } from './lab.js';

export async function addServerBlock(lab: Lab, block: string): Promise<void> {
  if (!/^198\.1[89]\.\d{1,3}\.\d{1,3}\/\d{1,2}$/.test(block)) throw new Error(`lab: ${block} is not a block of 198.18.0.0/15`);
  const must = async (ns: string, args: string[]): Promise<void> => {
    const result = await lab.exec(ns, 'ip', args);
    if (result.code !== 0) throw new Error(`lab: ip ${args.join(' ')} in ${ns} failed: ${result.stderr.trim()}`);
  };
  for (const [index, router] of lab.routers.entries()) await must(router.ns, ['route', 'add', block, 'via', `198.18.${index + 2}.2`]);
  await must(lab.server.ns, ['route', 'add', 'local', block, 'dev', 'lo']);
}
