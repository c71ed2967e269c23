/**
 * Echo exchanges: per (requester, target) the echo requests sent and the
 * replies that answer one of them (same identifier and sequence number), with
 * their TTLs and round-trip times. Pairs, pending requests and kept replies
 * are capped; beyond the cap the kept replies are a uniform sample while the
 * TTL counts stay exact.
 */

/** Echo exchanges (requester, target) tracked at most. */
export const MAX_ECHO_PAIRS = 16_384;
/** Echo requests awaiting a reply, per (requester, target). */
export const MAX_PENDING_ECHOES = 4096;
/** Echo replies kept per (requester, target); beyond, a uniform sample (the TTL counts stay exact). */
export const MAX_KEPT_ECHOES = 4096;

export interface EchoReply {
  ttl: number;
  rttMs: number;
}

export interface EchoPair {
  requester: string;
  target: string;
  sent: number;
  received: number;
  /** Replies that answer no pending request. */
  ignored: number;
  /** Send times of unanswered requests by echoKey, oldest first. */
  pending: Map<number, number>;
  kept: EchoReply[];
  ttlCounts: Map<number, number>;
}

/** What a reply must repeat of its request, as one number. */
export function echoKey(identifier: number | null, sequence: number | null): number {
  return ((identifier ?? 0) << 16) | (sequence ?? 0);
}

/** A deterministic PRNG (xorshift32) for the echo reply sample: the same capture always gives the same report. */
export function nextRandom(state: { seed: number }): number {
  let x = state.seed;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state.seed = x >>> 0;
  return state.seed / 4294967296;
}

/**
 * Where the `received`-th reply goes in a full sample of `capacity` (reservoir
 * sampling, `random` in [0, 1)): a slot to replace, or -1 to drop it.
 */
export function reservoirSlot(received: number, capacity: number, random: number): number {
  const slot = Math.floor(random * received);
  return slot < capacity ? slot : -1;
}

/** Echo replies of a pair as the observation takes them: all, or a sample whose TTL proportions follow the exact counts. */
export function sampledReplies(pair: EchoPair, capacity = MAX_KEPT_ECHOES): EchoReply[] {
  if (pair.received <= capacity) return pair.kept;
  const rtts = pair.kept.map((reply) => reply.rttMs);
  const replies: EchoReply[] = [];
  let next = 0;
  for (const [ttl, count] of pair.ttlCounts) {
    const share = Math.max(1, Math.round((count * capacity) / pair.received));
    for (let i = 0; i < share; i++) replies.push({ ttl, rttMs: rtts[next++ % rtts.length]! });
  }
  return replies;
}

/** The echo exchanges of a capture. */
export class Echoes {
  /** By requester, then target. */
  readonly pairs = new Map<string, Map<string, EchoPair>>();
  private pairCount = 0;
  private readonly random = { seed: 0x9e3779b9 };

  /** Counts an echo request; false when it starts a new pair beyond MAX_ECHO_PAIRS (not analysed). */
  request(requester: string, target: string, key: number, timestampMs: number): boolean {
    let pairs = this.pairs.get(requester);
    let pair = pairs?.get(target);
    if (!pair) {
      if (this.pairCount >= MAX_ECHO_PAIRS) return false;
      this.pairCount++;
      if (!pairs) {
        pairs = new Map();
        this.pairs.set(requester, pairs);
      }
      pair = { requester, target, sent: 0, received: 0, ignored: 0, pending: new Map(), kept: [], ttlCounts: new Map() };
      pairs.set(target, pair);
    }
    pair.sent++;
    // A repeated key restarts its wait; beyond the cap the oldest request is given up.
    pair.pending.delete(key);
    if (pair.pending.size >= MAX_PENDING_ECHOES) pair.pending.delete(pair.pending.keys().next().value!);
    pair.pending.set(key, timestampMs);
    return true;
  }

  /** Counts an echo reply from `target` to `requester` if it answers a pending request. */
  reply(requester: string, target: string, key: number, ttl: number, timestampMs: number): void {
    const pair = this.pairs.get(requester)?.get(target);
    if (!pair) return;
    const sentMs = pair.pending.get(key);
    if (sentMs === undefined) {
      pair.ignored++;
      return;
    }
    pair.pending.delete(key);
    pair.received++;
    pair.ttlCounts.set(ttl, (pair.ttlCounts.get(ttl) ?? 0) + 1);
    const reply = { ttl, rttMs: timestampMs - sentMs };
    if (pair.kept.length < MAX_KEPT_ECHOES) pair.kept.push(reply);
    else {
      const slot = reservoirSlot(pair.received, MAX_KEPT_ECHOES, nextRandom(this.random));
      if (slot >= 0) pair.kept[slot] = reply;
    }
  }
}
