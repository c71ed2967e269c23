/**
 * Adds the bytes `buf[start, end)` as 16-bit big-endian words to `initial`
 * (an odd final byte is padded with a zero byte) and returns the running sum
 * unfolded. `start` and `end` are clamped to the buffer, so nothing past its
 * end is read. Carries are folded only as needed to keep the result within
 * 32 bits, which preserves its one's complement value.
 */
export function onesComplementSum(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  const from = Math.max(0, Math.min(start, buf.length));
  const to = Math.max(from, Math.min(end, buf.length));
  let sum = initial;
  let i = from;
  // Indices stay below `to`, which is clamped to the buffer.
  for (; i + 1 < to; i += 2) {
    sum += (buf[i]! << 8) | buf[i + 1]!;
  }
  if (i < to) sum += buf[i]! << 8;
  while (sum > 0xffffffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** Folds a running sum to 16 bits with end-around carry and returns its one's complement. */
export function finishChecksum(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) folded = (folded % 0x10000) + Math.floor(folded / 0x10000);
  return ~folded & 0xffff;
}

/**
 * RFC 1071 Internet checksum of `buf[start, end)`. Over data that already
 * contains a correct checksum field the result is 0.
 */
export function internetChecksum(buf: Uint8Array, start?: number, end?: number): number {
  return finishChecksum(onesComplementSum(buf, start, end));
}

/** True if `icmp` (ICMP header and data, at least 8 bytes) carries a correct checksum. */
export function verifyIcmpChecksum(icmp: Uint8Array): boolean {
  return icmp.length >= 8 && internetChecksum(icmp) === 0;
}

/**
 * True if `segment` (the whole TCP segment: header, options and payload, at
 * least 20 and at most 65535 bytes) carries a correct checksum, given the
 * network layer's pseudo-header sum for it (ipv4PseudoHeaderSum or
 * ipv6PseudoHeaderSum with protocol 6 and the segment's length).
 */
export function verifyTcpChecksum(segment: Uint8Array, pseudoHeaderSum: number): boolean {
  if (segment.length < 20 || segment.length > 0xffff) return false;
  return finishChecksum(onesComplementSum(segment, 0, segment.length, pseudoHeaderSum)) === 0;
}
