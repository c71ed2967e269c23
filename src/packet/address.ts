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
