/**
 * A fixed-capacity index of TCP connections by 4-tuple, in typed arrays:
 * no allocation per lookup, insert or removal, and memory fixed when the
 * table is made (about 40 bytes per connection, 32 more once an IPv6
 * connection is seen). A connection gets a small integer (its slot), under
 * which the caller keeps whatever it tracks.
 *
 * Family-neutral without slowing IPv4: an address is keyed by a 32-bit value
 * (IPv4 the address, IPv6 a digest of its 128 bits) and, for IPv6 only, its
 * four words (`words`: the two addresses of a packet, 8 words, see
 * DecodedPacket.addressWords), compared only once the 32-bit key matched. An
 * IPv4 lookup passes no words and never meets an IPv6 entry.
 *
 * The tuple is ordered (the endpoint with the lower port, then the lower
 * address, first), so both directions find the same slot. Open addressing
 * with linear probing over twice the capacity; removal shifts the following
 * entries back, so there are no tombstones.
 */
export class FlowTable {
  /** Connections held at most. */
  readonly capacity: number;
  /** Connections held. */
  size = 0;
  private readonly mask: number;
  /** Hash slots: connection index + 1, 0 when empty. */
  private readonly slots: Int32Array;
  private readonly firstAddress: Uint32Array;
  private readonly secondAddress: Uint32Array;
  /** first port << 16 | second port. */
  private readonly ports: Uint32Array;
  private readonly home: Uint32Array;
  /** 1 for an IPv6 connection. */
  private readonly wide: Uint8Array;
  /** IPv6 connections: first address words at index * 8, second at index * 8 + 4 (allocated at the first one). */
  private wideWords: Uint32Array | null = null;
  /** Indexes not in use, as a stack. */
  private readonly free: Int32Array;
  private freeCount: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) throw new RangeError(`flow table capacity must be 1..16777216 (got ${capacity})`);
    this.capacity = capacity;
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.slots = new Int32Array(slots);
    this.firstAddress = new Uint32Array(capacity);
    this.secondAddress = new Uint32Array(capacity);
    this.ports = new Uint32Array(capacity);
    this.home = new Uint32Array(capacity);
    this.wide = new Uint8Array(capacity);
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeCount = capacity;
  }

  /** The last key computed by canonicalKey (fields, not a returned object: this is the per-packet path). */
  private keyFirst = 0;
  private keySecond = 0;
  private keyPorts = 0;
  /** Where the first endpoint's words are in the caller's `words` (0 or 4). */
  private keyFirstAt = 0;

  /**
   * One key for both directions of a connection: the endpoint with the lower
   * port (then value, then IPv6 words) first. `sourceAt`: where the source's
   * words are in `words` (0 or 4; the destination's at 4 - sourceAt).
   */
  private canonicalKey(source: number, sourcePort: number, destination: number, destinationPort: number, words: Uint32Array | null, sourceAt: number): void {
    const sourceFirst =
      sourcePort < destinationPort ||
      (sourcePort === destinationPort && (source < destination || (source === destination && (words === null || !wordsAfter(words, sourceAt, 4 - sourceAt)))));
    if (sourceFirst) {
      this.keyFirst = source;
      this.keySecond = destination;
      this.keyPorts = ((sourcePort << 16) | destinationPort) >>> 0;
      this.keyFirstAt = sourceAt;
    } else {
      this.keyFirst = destination;
      this.keySecond = source;
      this.keyPorts = ((destinationPort << 16) | sourcePort) >>> 0;
      this.keyFirstAt = 4 - sourceAt;
    }
  }

  /** Whether the IPv6 connection at `index` has the words of the last key. */
  private sameWords(index: number, words: Uint32Array): boolean {
    const stored = this.wideWords!;
    const at = index * 8;
    const first = this.keyFirstAt;
    const second = 4 - first;
    for (let i = 0; i < 4; i++) if (stored[at + i] !== words[first + i] || stored[at + 4 + i] !== words[second + i]) return false;
    return true;
  }

  private static hash(first: number, second: number, ports: number): number {
    let h = Math.imul(first ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ second, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ ports, 0x27d4eb2f);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /**
   * The index of the connection (source:sourcePort, destination:destinationPort)
   * in either direction, or -1. Addresses are unsigned 32-bit values (IPv4:
   * the address; IPv6: a digest), and for IPv6 `words` holds both addresses
   * (source at `sourceAt`, destination at 4 - sourceAt); null for IPv4.
   */
  find(source: number, sourcePort: number, destination: number, destinationPort: number, words: Uint32Array | null = null, sourceAt = 0): number {
    this.canonicalKey(source, sourcePort, destination, destinationPort, words, sourceAt);
    const { keyFirst: first, keySecond: second, keyPorts: ports } = this;
    const mask = this.mask;
    const slots = this.slots;
    const wide = words === null ? 0 : 1;
    for (let slot = FlowTable.hash(first, second, ports) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!;
      if (entry === 0) return -1;
      const index = entry - 1;
      if (this.ports[index] === ports && this.firstAddress[index] === first && this.secondAddress[index] === second && this.wide[index] === wide) {
        if (wide === 0 || this.sameWords(index, words!)) return index;
      }
    }
  }

  /** Adds a connection that is not in the table (arguments as find); returns its index, or -1 when the table is full. */
  insert(source: number, sourcePort: number, destination: number, destinationPort: number, words: Uint32Array | null = null, sourceAt = 0): number {
    if (this.freeCount === 0) return -1;
    const index = this.free[--this.freeCount]!;
    this.canonicalKey(source, sourcePort, destination, destinationPort, words, sourceAt);
    const { keyFirst: first, keySecond: second, keyPorts: ports } = this;
    this.firstAddress[index] = first;
    this.secondAddress[index] = second;
    this.ports[index] = ports;
    if (words === null) {
      this.wide[index] = 0;
    } else {
      this.wide[index] = 1;
      const stored = (this.wideWords ??= new Uint32Array(this.capacity * 8));
      const firstAt = this.keyFirstAt;
      for (let i = 0; i < 4; i++) {
        stored[index * 8 + i] = words[firstAt + i]!;
        stored[index * 8 + 4 + i] = words[4 - firstAt + i]!;
      }
    }
    const home = FlowTable.hash(first, second, ports) & this.mask;
    this.home[index] = home;
    let slot = home;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = index + 1;
    this.size++;
    return index;
  }

  /** Removes the connection at `index` (which must be in the table); the index is free for reuse. */
  remove(index: number): void {
    const mask = this.mask;
    const slots = this.slots;
    let hole = this.home[index]!;
    while (slots[hole] !== index + 1) hole = (hole + 1) & mask;
    // Backward-shift deletion: move up every following entry whose home is not between the hole and it.
    for (let next = (hole + 1) & mask; slots[next] !== 0; next = (next + 1) & mask) {
      const home = this.home[slots[next]! - 1]!;
      const between = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (!between) {
        slots[hole] = slots[next]!;
        hole = next;
      }
    }
    slots[hole] = 0;
    this.free[this.freeCount++] = index;
    this.size--;
  }
}

/** Whether the IPv6 address at words[a, a + 4) sorts after the one at words[b, b + 4). */
function wordsAfter(words: Uint32Array, a: number, b: number): boolean {
  for (let i = 0; i < 4; i++) if (words[a + i] !== words[b + i]) return words[a + i]! > words[b + i]!;
  return false;
}
