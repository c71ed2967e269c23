import { randomBytes } from '../random.js';

/**
 * Keyed 32-bit cookies (HalfSipHash-2-4) that let a reply prove it answers a
 * probe of this run without per-probe state: the SYN's sequence number and the
 * echo payload carry cookie(key, flow); a reply is accepted only when it
 * echoes that value back. A second ttl-probe run has another key, so it can
 * never claim our replies, nor we its.
 */

/** A per-run secret: the 64-bit HalfSipHash key as two 32-bit words. */
export type CookieKey = readonly [number, number];

/** A fresh random key for one run. */
export function newCookieKey(): CookieKey {
  const bytes = randomBytes(8);
  return [bytes.readUInt32LE(0), bytes.readUInt32LE(4)];
}

function rotl(x: number, b: number): number {
  return ((x << b) | (x >>> (32 - b))) >>> 0;
}

/**
 * HalfSipHash-2-4 of the given 32-bit words, returning a uint32. Words are
 * absorbed as little-endian 4-byte blocks; the message length in bytes is
 * 4 * words.length.
 */
export function cookie(key: CookieKey, words: readonly number[]): number {
  let v0 = 0 ^ key[0];
  let v1 = 0 ^ key[1];
  let v2 = 0x6c796765 ^ key[0];
  let v3 = 0x74656462 ^ key[1];
  const round = (): void => {
    v0 = (v0 + v1) | 0; v1 = rotl(v1, 5); v1 ^= v0; v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0; v3 = rotl(v3, 8); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = rotl(v3, 7); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = rotl(v1, 13); v1 ^= v2; v2 = rotl(v2, 16);
  };
  for (const word of words) {
    v3 ^= word;
    round(); round();
    v0 ^= word;
  }
  const last = ((words.length * 4) & 0xff) << 24;
  v3 ^= last;
  round(); round();
  v0 ^= last;
  v2 ^= 0xff;
  round(); round(); round(); round();
  return (v1 ^ v3) >>> 0;
}
