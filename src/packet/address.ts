const OCTET = '(0|[1-9][0-9]{0,2})';
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/**
 * Parses a strict dotted-quad IPv4 address ("a.b.c.d", each part 0-255,
 * decimal, no leading zeros except a lone "0", no surrounding whitespace).
 * Returns the address as an unsigned 32-bit integer, or null if `text` is
 * not such an address.
 */
export function parseIPv4(text: string): number | null {
  const match = DOTTED_QUAD.exec(text);
  if (match === null) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/**
 * Formats a 32-bit address as a dotted quad. The value is taken modulo 2^32
 * (`>>> 0`), so signed results of bitwise operations format correctly.
 */
export function formatIPv4(value: number): string {
  const v = value >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/**
 * Reads a 4-byte big-endian IPv4 address at `offset` as a dotted quad.
 * The caller guarantees that 4 bytes are available; bytes beyond the end of
 * `buf` read as 0 rather than throwing.
 */
export function readIPv4(buf: Uint8Array, offset: number): string {
  return `${buf[offset] ?? 0}.${buf[offset + 1] ?? 0}.${buf[offset + 2] ?? 0}.${buf[offset + 3] ?? 0}`;
}

/**
 * Writes `address` as 4 big-endian bytes at `offset`.
 * Throws TypeError if `address` is not a valid dotted quad and RangeError if
 * the 4 bytes do not fit; both are programmer errors.
 */
export function writeIPv4(buf: Buffer, offset: number, address: string): void {
  buf.writeUInt32BE(requireIPv4(address), offset);
}

function requireIPv4(address: string): number {
  const value = parseIPv4(address);
  if (value === null) throw new TypeError(`invalid IPv4 address: ${JSON.stringify(address)}`);
  return value;
}

/** Coarse classification of an IPv4 address, as used to reject probe targets. */
export type AddressClass = 'unicast' | 'unspecified' | 'broadcast' | 'multicast' | 'loopback';

/**
 * Classifies a 32-bit address: 0.0.0.0/8 is 'unspecified', 255.255.255.255
 * 'broadcast', 224.0.0.0/4 'multicast', 127.0.0.0/8 'loopback', anything
 * else (including private and reserved ranges) 'unicast'.
 */
export function classifyIPv4(value: number): AddressClass {
  const v = value >>> 0;
  if (v === 0xffffffff) return 'broadcast';
  const first = v >>> 24;
  if (first === 0) return 'unspecified';
  if (first === 127) return 'loopback';
  if (first >= 224 && first <= 239) return 'multicast';
  return 'unicast';
}

/**
 * An address of either family. `text` is the canonical form (a dotted quad;
 * RFC 5952 for IPv6), so two equal addresses have equal text and text can
 * key a Map. IPv4 also carries its 32-bit value, IPv6 its 16 bytes (never
 * written to once made).
 */
export type Address = IPv4Address | IPv6Address;
export interface IPv4Address {
  readonly family: 4;
  readonly value: number;
  readonly text: string;
}
export interface IPv6Address {
  readonly family: 6;
  readonly bytes: Uint8Array;
  readonly text: string;
}

/** The IPv4 address with the 32-bit `value` (taken modulo 2^32). */
export function ipv4Address(value: number): IPv4Address {
  const v = value >>> 0;
  return { family: 4, value: v, text: formatIPv4(v) };
}

/** The IPv6 address in the 16 bytes of `bytes` from `offset` (copied). */
export function ipv6Address(bytes: Uint8Array, offset = 0): IPv6Address {
  const copy = Uint8Array.prototype.slice.call(bytes, offset, offset + 16);
  if (copy.length !== 16) throw new RangeError(`an IPv6 address needs 16 bytes (got ${copy.length})`);
  return { family: 6, bytes: copy, text: formatIPv6(copy) };
}

/** Parses a dotted quad or an IPv6 address (RFC 4291 text, zone ids refused); null for anything else. */
export function parseAddress(text: string): Address | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return ipv4Address(v4);
  const v6 = parseIPv6(text);
  return v6 === null ? null : { family: 6, bytes: v6, text: formatIPv6(v6) };
}

/** parseAddress for addresses the program made itself: throws TypeError on anything else (a programmer error). */
export function requireAddress(text: string): Address {
  const address = parseAddress(text);
  if (address === null) throw new TypeError(`invalid IP address: ${JSON.stringify(text)}`);
  return address;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses IPv6 text as RFC 4291 section 2.2 allows: eight groups of 1-4 hex
 * digits, at most one "::" for a run of zero groups, and an optional dotted
 * quad for the last 32 bits. Returns the 16 bytes, or null.
 */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const pieces = part.split(':');
    const groups: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === null) return null;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else if (HEX_GROUP.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return null;
  // A dotted quad may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const present = head.length + tail.length;
  if (halves.length === 2 ? present > 7 : present !== 8) return null;
  const groups = [...head, ...new Array<number>(8 - present).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i]! >>> 8;
    bytes[2 * i + 1] = groups[i]! & 0xff;
  }
  return bytes;
}

/**
 * The RFC 5952 text of the 16 bytes at `offset`: lower-case hex without
 * leading zeros, the longest run of two or more zero groups (the first of
 * equal runs) as "::", and an IPv4-mapped address (::ffff:0:0/96) with its
 * last 32 bits as a dotted quad. Bytes past the end read as 0.
 */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[offset + 2 * i] ?? 0) << 8) | (bytes[offset + 2 * i + 1] ?? 0));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${readIPv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * The 32-bit words an address contributes to a cookie's input: one for
 * IPv4, four (big-endian) for IPv6.
 */
export function addressWords(address: Address): number[] {
  if (address.family === 4) return [address.value];
  const b = address.bytes;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 4) words.push(((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);
  return words;
}

/** Unfolded one's-complement sum of the address's 16-bit words (its part of a pseudo-header sum). */
export function addressSum(address: Address): number {
  if (address.family === 4) return (address.value >>> 16) + (address.value & 0xffff);
  let sum = 0;
  for (let i = 0; i < 16; i += 2) sum += (address.bytes[i]! << 8) | address.bytes[i + 1]!;
  return sum;
}

/** True for IPv6 text (parseIPv6), a zone suffix ("%eth0") allowed: how targets are told to be IPv6. */
export function isIPv6Literal(text: string): boolean {
  const zone = text.indexOf('%');
  return parseIPv6(zone < 0 ? text : text.slice(0, zone)) !== null;
}
