import { formatIPv4, formatIPv6, parseIPv4, parseIPv6, type Address } from '../packet/address.js';
import { UsageError } from '../errors.js';
import type { AddressFamily } from '../model/report.js';
import { unprobeableIPv6Reason } from './resolve.js';

/**
 * Target syntax for many addresses at once, as nmap writes it:
 *
 *   198.18.4.0/24          a CIDR block, network and broadcast addresses included (nmap does the
 *                          same: on the wire they are addresses like any other, and a /31 or /32
 *                          must give its addresses too); host bits are ignored (198.18.4.7/24 is
 *                          198.18.4.0/24), as nmap and iptables do
 *   2001:2:0:4::/120       an IPv6 block of at most MAX_IPV6_BLOCK_ADDRESSES addresses (/112)
 *   198.18.4.1-20          octet ranges: each octet N, N-M, -M, N-, * (0-255), comma lists of those
 *   198.18.1-2.1-254       (the last octet varies fastest, as nmap orders them)
 *
 * A set is never materialised: it says how many addresses it holds, whether it holds one, and
 * yields them one at a time. Pure.
 */
export interface AddressSet {
  /** As given. */
  text: string;
  family: AddressFamily;
  /** How many addresses it holds. */
  size: number;
  /** Its lowest and highest address as integers (IPv4 in the low 32 bits), for overlap tests. */
  low: bigint;
  high: bigint;
  has(address: Address): boolean;
  /** Its addresses in order, as canonical text. */
  addresses(): Generator<string>;
}

/** The largest IPv6 block accepted (a /112): an IPv6 /64 holds 2^64 addresses, which no sweep covers. */
export const MAX_IPV6_BLOCK_ADDRESSES = 65536;

const OCTET_RANGE_SYNTAX = /^[\d,*-]+\.[\d,*-]+\.[\d,*-]+\.[\d,*-]+$/;
const PREFIX_SYNTAX = /^(0|[1-9]\d{0,2})$/;

/** Whether `text` is written as a block or an octet range (and so is never a host name). */
export function looksLikeAddressSet(text: string): boolean {
  const given = text.trim();
  if (given.includes('/')) return true;
  return OCTET_RANGE_SYNTAX.test(given) && /[-*,]/.test(given);
}

/**
 * Parses a block or an octet range. UsageError in one line for bad syntax, an IPv6 block larger
 * than MAX_IPV6_BLOCK_ADDRESSES, or a set holding addresses that cannot be probed (0.0.0.0/8,
 * multicast, 255.255.255.255, ::, IPv6 multicast or link-local).
 */
export function parseAddressSet(text: string): AddressSet {
  const given = text.trim();
  const slash = given.indexOf('/');
  if (slash >= 0) return parseCidr(given, given.slice(0, slash), given.slice(slash + 1));
  return parseOctetRanges(given);
}

function parseCidr(given: string, base: string, prefixText: string): AddressSet {
  const bare = base.startsWith('[') && base.endsWith(']') ? base.slice(1, -1) : base;
  if (!PREFIX_SYNTAX.test(prefixText)) throw new UsageError(`invalid block "${given}": the prefix length after / must be a number`);
  const prefix = Number(prefixText);
  const v4 = parseIPv4(bare);
  if (v4 !== null) {
    if (prefix > 32) throw new UsageError(`invalid block "${given}": an IPv4 prefix length is 0-32`);
    const size = 2 ** (32 - prefix);
    const low = prefix === 0 ? 0 : Number((BigInt(v4) >> BigInt(32 - prefix)) << BigInt(32 - prefix));
    return ipv4Range(given, low, low + size - 1);
  }
  const v6 = parseIPv6(bare);
  if (v6 === null) throw new UsageError(`invalid block "${given}": ${base} is not an IPv4 or IPv6 address`);
  if (prefix > 128) throw new UsageError(`invalid block "${given}": an IPv6 prefix length is 0-128`);
  if (128 - prefix > Math.log2(MAX_IPV6_BLOCK_ADDRESSES)) {
    throw new UsageError(
      `IPv6 block "${given}" holds 2^${128 - prefix} addresses, more than the limit of ${MAX_IPV6_BLOCK_ADDRESSES} (/112): give a smaller block or a list`,
    );
  }
  return ipv6Range(given, v6, prefix);
}

function ipv4Range(given: string, low: number, high: number): AddressSet {
  const bad = unprobeableIn(low, high);
  if (bad !== null) throw new UsageError(`block "${given}" holds ${bad}, which cannot be probed`);
  return {
    text: given,
    family: 4,
    size: high - low + 1,
    low: BigInt(low),
    high: BigInt(high),
    has: (address) => address.family === 4 && address.value >= low && address.value <= high,
    *addresses() {
      for (let value = low; value <= high; value++) yield formatIPv4(value);
    },
  };
}

/** The first kind of unprobeable address within [low, high], or null. */
function unprobeableIn(low: number, high: number): string | null {
  if (low <= 0x00ffffff) return '0.0.0.0/8 (unspecified)';
  if (low <= 0xefffffff && high >= 0xe0000000) return 'multicast addresses (224.0.0.0/4)';
  if (high === 0xffffffff) return 'the broadcast address 255.255.255.255';
  return null;
}

function ipv6Range(given: string, bytes: Uint8Array, prefix: number): AddressSet {
  const hostBits = 128 - prefix;
  const base = Uint8Array.from(bytes);
  // Clear the host bits (at most 16: the last two bytes).
  const mask = hostBits === 0 ? 0 : (1 << hostBits) - 1;
  const lowWord = ((base[14]! << 8) | base[15]!) & ~mask & 0xffff;
  base[14] = lowWord >> 8;
  base[15] = lowWord & 0xff;
  const size = mask + 1;
  const first = formatIPv6(base);
  const reason = unprobeableIPv6Reason(first) ?? (size > 1 && base.slice(0, 14).every((b) => b === 0) && lowWord === 0 ? `${first} is the unspecified address` : null);
  if (reason !== null) throw new UsageError(`block "${given}" cannot be probed: ${reason}`);
  const low = bytesToBigInt(base);
  const at = (offset: number): string => {
    const copy = Uint8Array.from(base);
    const word = lowWord + offset;
    copy[14] = word >> 8;
    copy[15] = word & 0xff;
    return formatIPv6(copy);
  };
  return {
    text: given,
    family: 6,
    size,
    low,
    high: low + BigInt(size - 1),
    has: (address) => {
      if (address.family !== 6) return false;
      const value = bytesToBigInt(address.bytes);
      return value >= low && value <= low + BigInt(size - 1);
    },
    *addresses() {
      for (let offset = 0; offset < size; offset++) yield at(offset);
    },
  };
}

/** A 16-byte address as an integer. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function parseOctetRanges(given: string): AddressSet {
  if (!OCTET_RANGE_SYNTAX.test(given)) throw new UsageError(`invalid target "${given}": expected an address, a block (198.18.4.0/24) or octet ranges (198.18.4.1-20)`);
  const octets = given.split('.').map((part, index) => octetValues(given, part, index));
  let size = 1;
  for (const values of octets) size *= values.length;
  const low = octets.reduce((value, values) => value * 256 + values[0]!, 0);
  const high = octets.reduce((value, values) => value * 256 + values[values.length - 1]!, 0);
  const allowed = octets.map((values) => {
    const set = new Uint8Array(256);
    for (const value of values) set[value] = 1;
    return set;
  });
  for (const first of octets[0]!) {
    const bad = first === 0 ? '0.0.0.0/8 (unspecified)' : first >= 224 && first <= 239 ? 'multicast addresses (224.0.0.0/4)' : null;
    if (bad !== null) throw new UsageError(`range "${given}" holds ${bad}, which cannot be probed`);
  }
  if (high === 0xffffffff) throw new UsageError(`range "${given}" holds the broadcast address 255.255.255.255, which cannot be probed`);
  const [a, b, c, d] = octets as [number[], number[], number[], number[]];
  return {
    text: given,
    family: 4,
    size,
    low: BigInt(low),
    high: BigInt(high),
    has: (address) => {
      if (address.family !== 4) return false;
      const v = address.value;
      return allowed[0]![v >>> 24] === 1 && allowed[1]![(v >>> 16) & 0xff] === 1 && allowed[2]![(v >>> 8) & 0xff] === 1 && allowed[3]![v & 0xff] === 1;
    },
    *addresses() {
      for (const w of a) for (const x of b) for (const y of c) for (const z of d) yield `${w}.${x}.${y}.${z}`;
    },
  };
}

const OCTET_PART = /^(\*|(\d{1,3})?-(\d{1,3})?|\d{1,3})$/;

/** One octet's values, ascending and unique: N, N-M, -M, N-, *, comma-joined. */
function octetValues(given: string, part: string, index: number): number[] {
  const values = new Set<number>();
  for (const piece of part.split(',')) {
    const match = OCTET_PART.exec(piece);
    const where = `invalid range "${given}": octet ${index + 1} ("${part}")`;
    if (!match) throw new UsageError(`${where}: expected N, N-M, * or a comma list of them`);
    if (piece === '*' || piece === '-') {
      for (let v = 0; v <= 255; v++) values.add(v);
      continue;
    }
    const single = !piece.includes('-');
    const from = single ? Number(piece) : match[2] === undefined ? 0 : Number(match[2]);
    const to = single ? from : match[3] === undefined ? 255 : Number(match[3]);
    if (from > 255 || to > 255) throw new UsageError(`${where}: an octet is 0-255`);
    if (from > to) throw new UsageError(`${where}: ${from}-${to} runs backwards`);
    for (let v = from; v <= to; v++) values.add(v);
  }
  return [...values].sort((x, y) => x - y);
}

/** A single address as a set of one (literals and resolved names take part in overlap tests as sets). */
export function singleAddressSet(address: Address, text = address.text): AddressSet {
  const value = address.family === 4 ? BigInt(address.value) : bytesToBigInt(address.bytes);
  return {
    text,
    family: address.family,
    size: 1,
    low: value,
    high: value,
    has: (other) => other.text === address.text,
    *addresses() {
      yield address.text;
    },
  };
}
