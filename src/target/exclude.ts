import { parseAddress, type Address } from '../packet/address.js';
import type { AddressSet } from './blocks.js';
import type { ExpandedTarget } from './expand.js';

/**
 * `--exclude` / `--exclude-file`: addresses never probed, as nmap's options of the same names.
 * Entries are targets (addresses, blocks, ranges, names: every address of a name is excluded).
 */
export interface Exclusion {
  /** Whether an address (canonical text) is excluded. */
  excludes(address: string): boolean;
  /** Whether anything is excluded at all. */
  readonly empty: boolean;
}

/** An exclusion from expanded entries. Pure. */
export function exclusionOf(entries: readonly ExpandedTarget[]): Exclusion {
  const sets: AddressSet[] = entries.flatMap((entry) => entry.sets);
  return {
    empty: sets.length === 0,
    excludes(text) {
      if (sets.length === 0) return false;
      const address: Address | null = parseAddress(text);
      return address !== null && sets.some((set) => set.has(address));
    },
  };
}

/** Nothing excluded. */
export const NO_EXCLUSION: Exclusion = { empty: true, excludes: () => false };
