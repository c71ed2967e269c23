import { UsageError } from '../errors.js';
import { formatIPv4, formatIPv6, parseAddress, parseIPv4, parseIPv6 } from '../packet/address.js';

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
  family: 4 | 6;
  /** IPv4: the network address as a 32-bit unsigned number (0 for IPv6). */
  base: number;
  /** IPv6: the network address's 16 bytes (null for IPv4). */
  bytes: Uint8Array | null;
  prefix: number;
  /** As written back: 198.18.0.0/15, 2001:2::/48. */
  text: string;
}

/** Whether the first `prefix` bits of two 16-byte addresses are equal. */
function samePrefix6(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const whole = prefix >>> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

/** Parses an IPv6 `--allow` network (2001:2::/48) or address (a /128). */
function parseAllow6(entry: string, addressText: string, prefixText: string): { network: AllowedNetwork } {
  const bytes = parseIPv6(addressText);
  if (bytes === null) throw new UsageError(`--allow ${entry}: "${addressText}" is not an IPv6 address`);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > 128) {
    throw new UsageError(`--allow ${entry}: the prefix length must be 0-128, got "${prefixText}"`);
  }
  const prefix = Number(prefixText);
  const base = new Uint8Array(16);
  for (let i = 0; i < 16; i++) base[i] = bytes[i]!;
  for (let bit = prefix; bit < 128; bit++) base[bit >>> 3] = base[bit >>> 3]! & ~(0x80 >>> (bit & 7));
  if (!samePrefix6(base, bytes, 128)) {
    throw new UsageError(`--allow ${entry}: host bits are set; did you mean ${formatIPv6(base)}/${prefix}?`);
  }
  return { network: { family: 6, base: 0, bytes: base, prefix, text: `${formatIPv6(base)}/${prefix}` } };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Parses one `--allow` value: an IPv4 or IPv6 CIDR (198.18.0.0/15,
 * 2001:2::/48), a single address (a /32, a /128; IPv6 also bracketed) or a
 * host name. Throws UsageError naming the bad value; a
 * CIDR with host bits set is refused with the network it probably meant.
 */
export function parseAllowEntry(text: string): { network: AllowedNetwork } | { name: string } {
  const entry = text.trim();
  if (entry === '') throw new UsageError('--allow needs a CIDR (e.g. 198.18.0.0/15), an address or a host name');
  const slash = entry.indexOf('/');
  if (entry.includes(':')) {
    const addressPart = slash === -1 ? entry : entry.slice(0, slash);
    const bare = addressPart.startsWith('[') && addressPart.endsWith(']') ? addressPart.slice(1, -1) : addressPart;
    return parseAllow6(entry, bare, slash === -1 ? '128' : entry.slice(slash + 1));
  }
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
    return { network: { family: 4, base, bytes: null, prefix, text: `${formatIPv4(base)}/${prefix}` } };
  }
  if (!/^[A-Za-z0-9._-]+$/.test(entry) || entry.length > 254 || !/[A-Za-z]/.test(entry)) {
    throw new UsageError(`--allow ${entry}: expected a CIDR (e.g. 198.18.0.0/15, 2001:2::/48), an address or a host name`);
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

/** Whether `address` (either family) lies in one of the allowed networks of its family. */
export function addressAllowed(list: AllowList, address: string): boolean {
  const parsed = parseAddress(address);
  if (parsed === null) return false;
  if (parsed.family === 4) {
    const value = parsed.value;
    return list.networks.some((network) => network.family === 4 && ((value & maskOf(network.prefix)) >>> 0) === network.base);
  }
  return list.networks.some((network) => network.family === 6 && samePrefix6(network.bytes!, parsed.bytes, network.prefix));
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
