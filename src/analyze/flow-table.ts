/**
 * A fixed-capacity index of TCP connections by 4-tuple, in typed arrays:
 * no allocation per lookup, insert or removal, and memory fixed when the
 * table is made (about 40 bytes per connection). A connection gets a small
 * integer (its slot), under which the caller keeps whatever it tracks.
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
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeCount = capacity;
  }

  /** The last key computed by canonicalKey (fields, not a returned object: this is the per-packet path). */
  private keyFirst = 0;
  private keySecond = 0;
  private keyPorts = 0;

  /** One key for both directions of a connection: the endpoint with the lower port (then address) first. */
  private canonicalKey(source: number, sourcePort: number, destination: number, destinationPort: number): void {
    if (sourcePort < destinationPort || (sourcePort === destinationPort && source <= destination)) {
      this.keyFirst = source;
      this.keySecond = destination;
      this.keyPorts = ((sourcePort << 16) | destinationPort) >>> 0;
    } else {
      this.keyFirst = destination;
      this.keySecond = source;
      this.keyPorts = ((destinationPort << 16) | sourcePort) >>> 0;
    }
  }

  private static hash(first: number, second: number, ports: number): number {
    let h = Math.imul(first ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ second, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ ports, 0x27d4eb2f);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /**
   * The index of the connection (source:sourcePort, destination:destinationPort)
   * in either direction, or -1. Addresses are unsigned 32-bit values.
   */
  find(source: number, sourcePort: number, destination: number, destinationPort: number): number {
    this.canonicalKey(source, sourcePort, destination, destinationPort);
    const { keyFirst: first, keySecond: second, keyPorts: ports } = this;
    const mask = this.mask;
    const slots = this.slots;
    for (let slot = FlowTable.hash(first, second, ports) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!;
      if (entry === 0) return -1;
      const index = entry - 1;
      if (this.ports[index] === ports && this.firstAddress[index] === first && this.secondAddress[index] === second) return index;
    }
  }

  /** Adds a connection that is not in the table; returns its index, or -1 when the table is full. */
  insert(source: number, sourcePort: number, destination: number, destinationPort: number): number {
    if (this.freeCount === 0) return -1;
    const index = this.free[--this.freeCount]!;
    this.canonicalKey(source, sourcePort, destination, destinationPort);
    const { keyFirst: first, keySecond: second, keyPorts: ports } = this;
    this.firstAddress[index] = first;
    this.secondAddress[index] = second;
    this.ports[index] = ports;
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
