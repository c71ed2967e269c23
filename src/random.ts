import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Unpredictable random numbers from the kernel (/dev/urandom, the same source
 * node:crypto's randomBytes draws on), read with plain file I/O: loading
 * node:crypto and its ~20 internal modules cost a short run 5 ms of its start-up,
 * more than its packets. /dev/urandom is readable by every user, so this also
 * works after the privilege drop.
 */

/** `count` random bytes. Throws only if /dev/urandom cannot be read (no /dev at all). */
export function randomBytes(count: number): Buffer {
  const bytes = Buffer.alloc(count);
  const fd = openSync('/dev/urandom', 'r');
  try {
    let filled = 0;
    while (filled < count) {
      const read = readSync(fd, bytes, filled, count - filled, null);
      if (read <= 0) throw new Error('/dev/urandom returned no bytes');
      filled += read;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * A uniform integer in [min, max), as node:crypto's randomInt(min, max):
 * rejection sampling over 32-bit words, so every value is equally likely.
 * Contract: min < max and max - min <= 2**32.
 */
export function randomInt(min: number, max: number): number {
  const range = max - min;
  if (!Number.isInteger(min) || !Number.isInteger(max) || range <= 0 || range > 2 ** 32) {
    throw new RangeError(`randomInt: need integers min < max with max - min <= 2**32 (got ${min}, ${max})`);
  }
  // The largest multiple of range that fits in 32 bits: words at or above it would favour small values.
  const limit = 2 ** 32 - (2 ** 32 % range);
  for (;;) {
    const words = randomBytes(64);
    for (let offset = 0; offset < 64; offset += 4) {
      const word = words.readUInt32LE(offset);
      if (word < limit) return min + (word % range);
    }
  }
}
