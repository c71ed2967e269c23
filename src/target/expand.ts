import { parseAddress } from '../packet/address.js';
import { UsageError } from '../errors.js';
import { looksLikeAddressSet, parseAddressSet, singleAddressSet, type AddressSet } from './blocks.js';
import { resolveTargetAddresses, type AddressChoice, type Resolver } from './resolve.js';

/**
 * What one target as given stands for: a block or octet range (never resolved), or the
 * addresses of a literal or a name (resolved as a single target is, -4/-6 and --all-addresses
 * included). Either way a list of address sets, never the addresses themselves.
 */
export interface ExpandedTarget {
  /** As given: the reports' `target`. */
  target: string;
  sets: AddressSet[];
}

/**
 * Expands one target: blocks and ranges by their syntax (a family other than -4/-6 asks is
 * refused, as for literals), anything else through resolveTargetAddresses. UsageError in one line.
 */
export async function expandTarget(target: string, choice: AddressChoice, options: { timeoutMs?: number; resolver?: Resolver } = {}): Promise<ExpandedTarget> {
  const given = target.trim();
  if (looksLikeAddressSet(given)) {
    const set = parseAddressSet(given);
    if (choice.family !== null && set.family !== choice.family) {
      throw new UsageError(`${given} is an IPv${set.family} block, but -${choice.family} asks for IPv${choice.family}`);
    }
    return { target: given, sets: [set] };
  }
  const resolved = await resolveTargetAddresses(given, choice, options);
  return { target: given, sets: resolved.map((one) => singleAddressSet(parseAddress(one.address)!)) };
}

/** How many addresses an expanded target holds (before exclusions). */
export function addressCount(target: ExpandedTarget): number {
  return target.sets.reduce((sum, set) => sum + set.size, 0);
}
