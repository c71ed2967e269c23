import { UsageError } from '../errors.js';
import { formatIPv4, parseIPv4 } from '../packet/address.js';

/**
 * The exporter's allow-list (`--allow CIDR|NAME`, repeatable): what it may
 * probe. It is checked on the address a target resolved to, so a name that
 * resolves outside every allowed network is refused before any packet is
 * sent. A NAME entry allows exactly that host name (case-insensitive, a
 * trailing dot ignored), wherever it resolves to: the operator vouches for
 * the name, not for an address.
 */
export interface AllowList {
  networks: readonly AllowedNetwork[];
  /** Lower case, without a trailing dot. */
  names: readonly string[];
}

export interface AllowedNetwork {
  /** Network address as a 32-bit unsigned number. */
  base: number;
  prefix: number;
  /** As written back: 198.18.0.0/15. */
  text: string;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Parses one `--allow` value: an IPv4 CIDR (198.18.0.0/15), a single IPv4
 * address (a /32) or a host name. Throws UsageError naming the bad value; a
 * CIDR with host bits set is refused with the network it probably meant.
 */
export function parseAllowEntry(text: string): { network: AllowedNetwork } | { name: string } {
  const entry = text.trim();
  if (entry === '') throw new UsageError('--allow needs a CIDR (e.g. 198.18.0.0/15), an address or a host name');
  const slash = entry.indexOf('/');
  if (slash !== -1 || /^[\d.]+$/.test(entry)) {
    const addressText = slash === -1 ? entry : entry.slice(0, slash);
    const prefixText = slash === -1 ? '32' : entry.slice(slash + 1);
    const address = parseIPv4(addressText);
    if (address === null) throw new UsageError(`--allow ${entry}: "${addressText}" is not an IPv4 address`);
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
      throw new UsageError(`--allow ${entry}: the prefix length must be 0-32, got "${prefixText}"`);
    }
    const prefix = Number(prefixText);
    const base = (address & maskOf(prefix)) >>> 0;
    if (base !== address) {
      throw new UsageError(`--allow ${entry}: host bits are set; did you mean ${formatIPv4(base)}/${prefix}?`);
    }
    return { network: { base, prefix, text: `${formatIPv4(base)}/${prefix}` } };
  }
  if (!/^[A-Za-z0-9._-]+$/.test(entry) || entry.length > 254 || !/[A-Za-z]/.test(entry)) {
    throw new UsageError(`--allow ${entry}: expected a CIDR (e.g. 198.18.0.0/15), an IPv4 address or a host name`);
  }
  return { name: normaliseName(entry) };
}

/** Parses every `--allow` value; at least one is required (the exporter never probes "anything"). */
export function parseAllowList(values: readonly string[]): AllowList {
  if (values.length === 0) {
    throw new UsageError('serve needs at least one --allow CIDR|NAME: the targets it may probe (e.g. --allow 198.18.0.0/15)');
  }
  const networks: AllowedNetwork[] = [];
  const names: string[] = [];
  for (const value of values) {
    const entry = parseAllowEntry(value);
    if ('network' in entry) networks.push(entry.network);
    else names.push(entry.name);
  }
  return { networks, names };
}

/** Whether `address` lies in one of the allowed networks. */
export function addressAllowed(list: AllowList, address: string): boolean {
  const value = parseIPv4(address);
  if (value === null) return false;
  return list.networks.some((network) => ((value & maskOf(network.prefix)) >>> 0) === network.base);
}

/**
 * The verdict on a resolved target: allowed when its name is listed or its
 * address lies in an allowed network. Returns null when allowed, else the
 * one-line reason for the 403.
 */
export function refusalReason(list: AllowList, target: string, address: string): string | null {
  if (list.names.includes(normaliseName(target))) return null;
  if (addressAllowed(list, address)) return null;
  const where = target === address ? address : `${target} (resolves to ${address})`;
  return `target ${where} is not in the allow-list (${describeAllowList(list)})`;
}

/** The allow-list as written back, for messages and the start-up line. */
export function describeAllowList(list: AllowList): string {
  return [...list.networks.map((network) => network.text), ...list.names].join(', ');
}
