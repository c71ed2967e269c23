/** Initial TTLs that real stacks start from (Linux/macOS 64, Windows 128, network gear 255; 32 for old stacks). */
export const INITIAL_TTLS = [32, 64, 128, 255] as const;

/**
 * The initial TTL a packet most likely left its sender with: the smallest
 * common initial value not below the received TTL. A packet that crossed more
 * than (initial - next smaller initial) routers would be misread; paths that
 * long do not occur between these values in practice (same assumption as p0f).
 */
export function inferInitialTtl(receivedTtl: number): number {
  for (const initial of INITIAL_TTLS) if (receivedTtl <= initial) return initial;
  return 255;
}

/** Routers crossed on the way back: initial TTL - received TTL. */
export function distanceOf(receivedTtl: number): number {
  return inferInitialTtl(receivedTtl) - receivedTtl;
}

/** traceroute's hop number of the sender: a router adjacent to us is hop 1 (distance 0). */
export function hopOf(distance: number): number {
  return distance + 1;
}

/** Received TTL, inferred initial TTL and distance of one reply. */
export interface TtlReading {
  ttl: number;
  initialTtl: number;
  distance: number;
}

export function readTtl(receivedTtl: number): TtlReading {
  const initialTtl = inferInitialTtl(receivedTtl);
  return { ttl: receivedTtl, initialTtl, distance: initialTtl - receivedTtl };
}
