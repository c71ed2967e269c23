import { TcpFlag } from '../packet/tcp.js';
import { FlowTable } from './flow-table.js';

/**
 * Connection tracking over the flow table: per connection its sides, state
 * bits, the TTLs each side sent and the SYNs still unanswered, one typed array
 * per field indexed by the connection's FlowTable index, so nothing is
 * allocated per packet and memory is fixed when the analyzer is made. When
 * the table is full, a connection closed or not seen lately makes room
 * (CLOCK). "client" is the SYN's sender, or the first packet's sender when no
 * SYN was seen.
 */

/** A packet's side in its connection. */
export const CLIENT = 0;
export const SERVER = 1;
export type Side = typeof CLIENT | typeof SERVER;

// Connection state bits.
export const SYN_SEEN = 1;
export const ESTABLISHED = 2;
export const FIN_CLIENT = 4;
export const FIN_SERVER = 8;
export const CLOSED = 16;

/** SYNs of one connection remembered while unanswered (ttl-probe's retries carry other sequence numbers). */
export const MAX_PENDING_SYNS = 4;
/** A closed connection (RST, or FINs both ways) counts as gone this long after (ms, capture time). */
export const CLOSED_LINGER_MS = 5_000;
/** An idle connection counts as gone after this long (ms, capture time). */
export const IDLE_MS = 600_000;
/** Connections tracked at once by default (about 12 MB). */
export const DEFAULT_MAX_FLOWS = 131_072;

/** A connection the capture has moved past: closed a while ago, or idle for long. */
export function isStale(bits: number, closedMs: number, lastMs: number, nowMs: number): boolean {
  if ((bits & CLOSED) !== 0 && nowMs - closedMs > CLOSED_LINGER_MS) return true;
  return nowMs - lastMs > IDLE_MS;
}

/** A SYN without ACK or RST: a connection attempt by its sender. */
export function isConnectionAttempt(flags: number): boolean {
  return (flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN;
}

/**
 * Whether a connection attempt repeats the connection's SYN (same client,
 * nothing seen but SYNs) rather than starting a new connection on the tuple.
 */
export function isSynRetransmission(bits: number, sameClient: boolean): boolean {
  return sameClient && (bits & (SYN_SEEN | ESTABLISHED | CLOSED)) === SYN_SEEN;
}

/** State bits after a segment without SYN or RST: an ACK establishes, a FIN marks its side. */
export function bitsAfterSegment(bits: number, flags: number, side: Side): number {
  if ((flags & TcpFlag.ACK) !== 0) bits |= ESTABLISHED;
  if ((flags & TcpFlag.FIN) !== 0) bits |= side === CLIENT ? FIN_CLIENT : FIN_SERVER;
  return bits;
}

/** Both sides sent a FIN. */
export function isFinishedBothWays(bits: number): boolean {
  return (bits & (FIN_CLIENT | FIN_SERVER)) === (FIN_CLIENT | FIN_SERVER);
}

/**
 * Counts a TTL into the pair (most common, second) at `at` of `ttls` and
 * `counts`: a value that overtakes the most common takes its place; a third
 * value replaces the second (a reset's odd TTL must not evict the usual one).
 */
export function tallyTtl(ttls: Uint8Array, counts: Uint32Array, at: number, ttl: number): void {
  if (counts[at] === 0 || ttls[at] === ttl) {
    ttls[at] = ttl;
    counts[at]!++;
  } else if (counts[at + 1] !== 0 && ttls[at + 1] === ttl) {
    const count = ++counts[at + 1]!;
    if (count > counts[at]!) {
      ttls[at + 1] = ttls[at]!;
      counts[at + 1] = counts[at]!;
      ttls[at] = ttl;
      counts[at] = count;
    }
  } else {
    ttls[at + 1] = ttl;
    counts[at + 1] = 1;
  }
}

/**
 * The tracked connections. `Tag` is what the caller attaches to a connection
 * whose SYN was seen (the port it was sent to).
 */
export class Flows<Tag> {
  /** Capture time of the packet being handled (ms); staleness is judged against it. */
  nowMs = 0;
  /** The client's address as the flow table keys it (IPv4: the address; IPv6: its digest). */
  readonly clientAddress: Uint32Array;
  /** IPv6 connections: the client's address words at index * 4 (allocated at the first one). */
  private clientWords: Uint32Array | null = null;
  readonly clientPort: Uint16Array;
  readonly serverPort: Uint16Array;
  readonly bits: Uint8Array;
  /** Set by every packet, cleared by the eviction hand (CLOCK). */
  readonly recent: Uint8Array;
  readonly closedMs: Float64Array;
  readonly lastMs: Float64Array;
  /** The two most common TTLs per side and their counts: [client, client 2nd, server, server 2nd] at index * 4. */
  readonly ttl: Uint8Array;
  readonly ttlCount: Uint32Array;
  /** Unanswered SYNs: count, then sequence numbers (-1 unknown), times and TTLs at index * MAX_PENDING_SYNS. */
  readonly pendingCount: Uint8Array;
  readonly pendingSeq: Float64Array;
  readonly pendingMs: Float64Array;
  readonly pendingTtl: Uint8Array;
  /** The caller's tag (null without SYN). */
  readonly tag: (Tag | null)[];
  private readonly table: FlowTable;
  /** The eviction hand: the next index the CLOCK looks at when the table is full. */
  private hand = 0;

  constructor(capacity: number) {
    this.table = new FlowTable(capacity);
    this.clientAddress = new Uint32Array(capacity);
    this.clientPort = new Uint16Array(capacity);
    this.serverPort = new Uint16Array(capacity);
    this.bits = new Uint8Array(capacity);
    this.recent = new Uint8Array(capacity);
    this.closedMs = new Float64Array(capacity);
    this.lastMs = new Float64Array(capacity);
    this.ttl = new Uint8Array(capacity * 4);
    this.ttlCount = new Uint32Array(capacity * 4);
    this.pendingCount = new Uint8Array(capacity);
    this.pendingSeq = new Float64Array(capacity * MAX_PENDING_SYNS);
    this.pendingMs = new Float64Array(capacity * MAX_PENDING_SYNS);
    this.pendingTtl = new Uint8Array(capacity * MAX_PENDING_SYNS);
    this.tag = new Array<Tag | null>(capacity).fill(null);
  }

  /**
   * The connection of this tuple (either direction), or -1 (a stale one is
   * forgotten on the way). `words`, `sourceAt`: IPv6 addresses, as FlowTable.find.
   */
  find(source: number, sourcePort: number, destination: number, destinationPort: number, words: Uint32Array | null = null, sourceAt = 0): number {
    const index = this.table.find(source, sourcePort, destination, destinationPort, words, sourceAt);
    if (index >= 0 && this.stale(index)) {
      this.forget(index);
      return -1;
    }
    return index;
  }

  /**
   * Adds a connection (client -> server). When the table is full, the CLOCK
   * hand goes round: a stale connection, or one without a packet since the
   * hand last passed, makes room. `words`, `clientAt`: IPv6 addresses (the
   * client's at clientAt, the server's at 4 - clientAt), as FlowTable.find.
   */
  open(client: number, clientPort: number, server: number, serverPort: number, words: Uint32Array | null = null, clientAt = 0): number {
    const table = this.table;
    if (table.size === table.capacity) {
      for (;;) {
        const index = this.hand;
        this.hand = (this.hand + 1) % table.capacity;
        if (this.recent[index] === 0 || this.stale(index)) {
          this.forget(index);
          break;
        }
        this.recent[index] = 0;
      }
    }
    const index = table.insert(client, clientPort, server, serverPort, words, clientAt);
    this.clientAddress[index] = client;
    if (words !== null) {
      const stored = (this.clientWords ??= new Uint32Array(table.capacity * 4));
      for (let i = 0; i < 4; i++) stored[index * 4 + i] = words[clientAt + i]!;
    }
    this.clientPort[index] = clientPort;
    this.serverPort[index] = serverPort;
    this.bits[index] = 0;
    this.recent[index] = 1;
    this.closedMs[index] = 0;
    this.lastMs[index] = this.nowMs;
    const at = index * 4;
    this.ttlCount[at] = 0;
    this.ttlCount[at + 1] = 0;
    this.ttlCount[at + 2] = 0;
    this.ttlCount[at + 3] = 0;
    this.pendingCount[index] = 0;
    this.tag[index] = null;
    return index;
  }

  forget(index: number): void {
    this.tag[index] = null;
    this.table.remove(index);
  }

  /** Marks a packet seen on the connection now. */
  touch(index: number): void {
    this.recent[index] = 1;
    this.lastMs[index] = this.nowMs;
  }

  /** Marks the connection closed (once: the linger counts from the first close). */
  close(index: number): void {
    const bits = this.bits;
    if ((bits[index]! & CLOSED) !== 0) return;
    bits[index] = bits[index]! | CLOSED;
    this.closedMs[index] = this.nowMs;
  }

  /**
   * Whether address:port (`words` from `at`: its IPv6 words; null for IPv4)
   * is the client of the connection at `index`.
   */
  isClient(index: number, address: number, port: number, words: Uint32Array | null = null, at = 0): boolean {
    if (this.clientAddress[index] !== address || this.clientPort[index] !== port) return false;
    if (words === null) return true;
    const stored = this.clientWords;
    if (stored === null) return false;
    const base = index * 4;
    return stored[base] === words[at] && stored[base + 1] === words[at + 1] && stored[base + 2] === words[at + 2] && stored[base + 3] === words[at + 3];
  }

  sideOf(index: number, source: number, sourcePort: number, words: Uint32Array | null = null, at = 0): Side {
    return this.isClient(index, source, sourcePort, words, at) ? CLIENT : SERVER;
  }

  /** Counts a packet's TTL for its side (the two most common values are kept). */
  tally(index: number, side: Side, ttl: number): void {
    tallyTtl(this.ttl, this.ttlCount, index * 4 + side * 2, ttl);
  }

  /** The most common TTL from a side, or -1 when the side sent nothing counted. */
  commonTtl(index: number, side: Side): number {
    const at = index * 4 + side * 2;
    return this.ttlCount[at] === 0 ? -1 : this.ttl[at]!;
  }

  /** Remembers an unanswered SYN (the oldest goes beyond MAX_PENDING_SYNS). */
  addPending(index: number, sequence: number, ms: number, ttl: number): void {
    const base = index * MAX_PENDING_SYNS;
    let count = this.pendingCount[index]!;
    if (count === MAX_PENDING_SYNS) {
      this.pendingSeq.copyWithin(base, base + 1, base + count);
      this.pendingMs.copyWithin(base, base + 1, base + count);
      this.pendingTtl.copyWithin(base, base + 1, base + count);
      count--;
    }
    this.pendingSeq[base + count] = sequence;
    this.pendingMs[base + count] = ms;
    this.pendingTtl[base + count] = ttl;
    this.pendingCount[index] = count + 1;
  }

  /** Position (into the pending arrays) of the first pending SYN. */
  firstPending(index: number): number {
    return index * MAX_PENDING_SYNS;
  }

  /** Position of the latest pending SYN. */
  lastPending(index: number): number {
    return index * MAX_PENDING_SYNS + this.pendingCount[index]! - 1;
  }

  /** The SYNs were answered: forget them. */
  clearPending(index: number): void {
    this.pendingCount[index] = 0;
  }

  private stale(index: number): boolean {
    return isStale(this.bits[index]!, this.closedMs[index]!, this.lastMs[index]!, this.nowMs);
  }
}
