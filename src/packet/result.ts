/**
 * Outcome of decoding untrusted bytes. Decoders never throw on malformed
 * input; they return `{ ok: false, reason }` with a human-readable reason
 * that carries the offending numbers, e.g. "IHL too small (4 < 5)".
 */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Wraps a successfully decoded value. */
export function decoded<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

/** Builds a failed decode result carrying `reason`. */
export function failed<T = never>(reason: string): Decoded<T> {
  return { ok: false, reason };
}
