import type { DecodedPacket } from '../capture/decoded.js';
import type { ObservedReply, PortObservation, TargetObservation } from '../infer/observation.js';
import { distanceOf } from '../infer/ttl.js';
import { IcmpType } from '../packet/icmp.js';
import { IpProtocol } from '../packet/ipv4.js';
import { TcpFlag } from '../packet/tcp.js';
import { FlowTable } from './flow-table.js';
import { classifySynAnswer } from '../probe/tcp-syn.js';
import { MAX_LISTED_RESETS } from '../model/analysis.js';

/**
 * The analysis of a packet stream, from the point of view of the side that
 * sends the SYNs (the "clients"): for every server (target) the echo
 * replies, and per port the first answer to a SYN (SYN-ACK, RST, or ICMP
 * unreachable quoting it), as a TargetObservation the infer/ functions turn
 * into the same verdicts a live probe gets. On top, per port, the RSTs that
 * cut established connections with a distance unlike the rest of the
 * connection from that side.
 *
 * Pure and synchronous: feed packets with add() in capture order, then call
 * result(). Memory is bounded whatever the capture: connections live in a
 * fixed-size table (typed arrays, nothing allocated per packet; when full,
 * a connection closed or not seen lately makes room), and targets, ports,
 * echo exchanges, remembered clients and kept echo replies are capped.
 */

/** A reset found inside an established connection, before its TTL is read. */
export interface ObservedReset {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  side: 'server' | 'client';
  ttl: number;
  /** Most common TTL of the connection's other packets from the same side. */
  flowTtl: number;
  timestampMs: number;
}

/** Resets on one port: the first MAX_LISTED_RESETS, and how many there were. */
export interface PortResets {
  listed: ObservedReset[];
  count: number;
}

/** Everything learned about one target. */
export interface TargetAnalysis {
  observation: TargetObservation;
  /** Echo replies received (the observation keeps a bounded sample of them). */
  echoReceived: number;
  /** Resets of connections whose SYN was seen, by port. */
  resets: Map<number, PortResets>;
  /** Resets of connections seen only after their handshake, by port. */
  midflowOnly: Map<number, PortResets>;
}

export interface AnalysisResult {
  targets: TargetAnalysis[];
  /** Addresses that sent SYNs (or, without SYNs, echo requests): the first MAX_LISTED_CLIENTS. */
  clients: string[];
  /** How many there were (counted up to MAX_TRACKED_CLIENTS, so "at least" beyond it). */
  clientCount: number;
  /** SYNs and echo requests not analysed because the limits on targets, ports or echo exchanges were reached. */
  untracked: number;
}

export interface AnalyzerOptions {
  /**
   * Require a SYN-ACK/RST to acknowledge a SYN's sequence number (and an
   * ICMP error to quote it) before counting it as the SYN's answer. Turn it
   * off for tcpdump text, which may print relative sequence numbers.
   */
  verifySequence?: boolean;
  /** Connections tracked at once (default 131072, about 12 MB). */
  maxFlows?: number;
}

/** Clients listed in the result at most. */
export const MAX_LISTED_CLIENTS = 100;
/** Distinct SYN senders remembered (for telling the sides apart); beyond, every address not a target counts as a client. */
export const MAX_TRACKED_CLIENTS = 65_536;
/** Targets, port observations and echo exchanges tracked at most: a scan of a whole network stays in bounded memory. */
export const MAX_TARGETS = 16_384;
export const MAX_PORTS = 131_072;
export const MAX_ECHO_PAIRS = 16_384;

const CLIENT = 0;
const SERVER = 1;
/** SYNs of one connection remembered while unanswered (ttl-probe's retries carry other sequence numbers). */
const MAX_PENDING_SYNS = 4;
/** Echo requests awaiting a reply, per (requester, target). */
const MAX_PENDING_ECHOES = 4096;
/** Echo replies kept per (requester, target); beyond, a uniform sample (the TTL counts stay exact). */
const MAX_KEPT_ECHOES = 4096;
/** A closed connection (RST, or FINs both ways) counts as gone this long after (ms, capture time). */
const CLOSED_LINGER_MS = 5_000;
/** An idle connection counts as gone after this long (ms, capture time). */
const IDLE_MS = 600_000;

// Connection state bits.
const SYN_SEEN = 1;
const ESTABLISHED = 2;
const FIN_CLIENT = 4;
const FIN_SERVER = 8;
const CLOSED = 16;

interface PortState {
  port: number;
  tries: number;
  reply: ObservedReply | null;
  target: TargetState;
}

interface TargetState {
  address: string;
  ports: Map<number, PortState>;
  ignored: number;
  resets: Map<number, PortResets>;
}

interface EchoPair {
  requester: string;
  target: string;
  sent: number;
  received: number;
  ignored: number;
  pending: Map<number, number>;
  kept: { ttl: number; rttMs: number }[];
  ttlCounts: Map<number, number>;
}

/** An established connection's reset whose server side is decided at the end (no SYN seen). */
interface LooseReset {
  reset: ObservedReset;
  /** The endpoints: the connection's first sender and the other. */
  a: string;
  aPort: number;
  b: string;
  bPort: number;
}

function addReset(map: Map<number, PortResets>, port: number, reset: ObservedReset): void {
  let entry = map.get(port);
  if (!entry) {
    entry = { listed: [], count: 0 };
    map.set(port, entry);
  }
  entry.count++;
  if (entry.listed.length < MAX_LISTED_RESETS) entry.listed.push(reset);
}

/** A deterministic PRNG (xorshift32) for the echo reply sample: the same capture always gives the same report. */
function nextRandom(state: { seed: number }): number {
  let x = state.seed;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state.seed = x >>> 0;
  return state.seed / 4294967296;
}

/**
 * What is tracked per connection, one typed array per field, indexed by the
 * connection's FlowTable index. "client" is the SYN's sender, or the first
 * packet's sender when no SYN was seen.
 */
class FlowState {
  readonly clientAddress: Uint32Array;
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
  /** The port a SYN was sent to (null without SYN). */
  readonly port: (PortState | null)[];

  constructor(capacity: number) {
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
    this.port = new Array<PortState | null>(capacity).fill(null);
  }

  reset(index: number, clientAddress: number, clientPort: number, serverPort: number, nowMs: number): void {
    this.clientAddress[index] = clientAddress;
    this.clientPort[index] = clientPort;
    this.serverPort[index] = serverPort;
    this.bits[index] = 0;
    this.recent[index] = 1;
    this.closedMs[index] = 0;
    this.lastMs[index] = nowMs;
    const at = index * 4;
    this.ttlCount[at] = 0;
    this.ttlCount[at + 1] = 0;
    this.ttlCount[at + 2] = 0;
    this.ttlCount[at + 3] = 0;
    this.pendingCount[index] = 0;
    this.port[index] = null;
  }

  /** Counts a packet's TTL for its side (the two most common values are kept). */
  tally(index: number, side: number, ttl: number): void {
    const at = index * 4 + side * 2;
    const ttls = this.ttl;
    const counts = this.ttlCount;
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

  /** Position (into the pending arrays) of the pending SYN with this sequence number, or -1. */
  findPending(index: number, sequence: number): number {
    const base = index * MAX_PENDING_SYNS;
    const end = base + this.pendingCount[index]!;
    for (let at = base; at < end; at++) if (this.pendingSeq[at] === sequence) return at;
    return -1;
  }

  /** Position of the pending SYN that a segment with `flags` and `acknowledgment` answers by the reply rule of SYN probes, or -1. */
  findAnswered(index: number, flags: number, acknowledgment: number): number {
    const base = index * MAX_PENDING_SYNS;
    const end = base + this.pendingCount[index]!;
    for (let at = base; at < end; at++) {
      const sequence = this.pendingSeq[at]!;
      // -1: a SYN whose sequence number the capture did not show.
      const answer = sequence < 0 ? 'not-an-answer' : classifySynAnswer(flags, acknowledgment, sequence);
      if (answer === 'syn-ack' || answer === 'rst') return at;
    }
    return -1;
  }

  /** Position of the latest pending SYN. */
  lastPending(index: number): number {
    return index * MAX_PENDING_SYNS + this.pendingCount[index]! - 1;
  }
}

export class CaptureAnalyzer {
  private readonly verifySequence: boolean;
  private readonly table: FlowTable;
  private readonly flows: FlowState;
  /** The eviction hand: the next index the CLOCK looks at when the table is full. */
  private hand = 0;
  private readonly targets = new Map<string, TargetState>();
  private readonly synSenders = new Set<string>();
  private clientsOverflowed = false;
  private portCount = 0;
  private echoPairCount = 0;
  private untracked = 0;
  /** Echo exchanges by requester, then target. */
  private readonly echoes = new Map<string, Map<string, EchoPair>>();
  private readonly looseResets: LooseReset[] = [];
  private readonly random = { seed: 0x9e3779b9 };
  private nowMs = 0;

  constructor(options: AnalyzerOptions = {}) {
    this.verifySequence = options.verifySequence ?? true;
    const capacity = options.maxFlows ?? 131_072;
    this.table = new FlowTable(capacity);
    this.flows = new FlowState(capacity);
  }

  /** Feeds one packet (in capture order). The packet object is not kept. */
  add(packet: DecodedPacket): void {
    this.nowMs = packet.timestampMs;
    if (packet.tcp !== null) this.addTcp(packet);
    else if (packet.icmp !== null) this.addIcmp(packet);
  }

  /** The target's state; null when MAX_TARGETS are tracked already (unless `always`). */
  private target(address: string, always = false): TargetState | null {
    let target = this.targets.get(address);
    if (!target) {
      if (this.targets.size >= MAX_TARGETS && !always) return null;
      target = { address, ports: new Map(), ignored: 0, resets: new Map() };
      this.targets.set(address, target);
    }
    return target;
  }

  private noteClient(address: string): void {
    if (this.clientsOverflowed) return;
    if (this.synSenders.size < MAX_TRACKED_CLIENTS) this.synSenders.add(address);
    else if (!this.synSenders.has(address)) this.clientsOverflowed = true;
  }

  /** True if `address` sent SYNs (as far as can be told once more than MAX_TRACKED_CLIENTS did). */
  private isClient(address: string): boolean {
    return this.synSenders.has(address) || (this.clientsOverflowed && !this.targets.has(address));
  }

  /** A connection the capture has moved past: closed a while ago, or idle for long. */
  private stale(index: number): boolean {
    const flows = this.flows;
    if ((flows.bits[index]! & CLOSED) !== 0 && this.nowMs - flows.closedMs[index]! > CLOSED_LINGER_MS) return true;
    return this.nowMs - flows.lastMs[index]! > IDLE_MS;
  }

  /** The connection of this tuple, or -1 (a stale one is forgotten on the way). */
  private find(source: number, sourcePort: number, destination: number, destinationPort: number): number {
    const index = this.table.find(source, sourcePort, destination, destinationPort);
    if (index >= 0 && this.stale(index)) {
      this.forget(index);
      return -1;
    }
    return index;
  }

  private forget(index: number): void {
    this.flows.port[index] = null;
    this.table.remove(index);
  }

  /**
   * Adds a connection (client -> server). When the table is full, the CLOCK
   * hand goes round: a stale connection, or one without a packet since the
   * hand last passed, makes room.
   */
  private newFlow(client: number, clientPort: number, server: number, serverPort: number): number {
    const table = this.table;
    if (table.size === table.capacity) {
      const flows = this.flows;
      for (;;) {
        const index = this.hand;
        this.hand = (this.hand + 1) % table.capacity;
        if (flows.recent[index] === 0 || this.stale(index)) {
          this.forget(index);
          break;
        }
        flows.recent[index] = 0;
      }
    }
    const index = table.insert(client, clientPort, server, serverPort);
    this.flows.reset(index, client, clientPort, serverPort, this.nowMs);
    return index;
  }

  private close(index: number): void {
    const bits = this.flows.bits;
    if ((bits[index]! & CLOSED) !== 0) return;
    bits[index] = bits[index]! | CLOSED;
    this.flows.closedMs[index] = this.nowMs;
  }

  private addTcp(packet: DecodedPacket): void {
    const tcp = packet.tcp!;
    const ttl = packet.ttl;
    const source = packet.sourceValue;
    const destination = packet.destinationValue;
    const sourcePort = tcp.sourcePort;
    const destinationPort = tcp.destinationPort;
    const flags = tcp.flags;
    const flows = this.flows;
    let index = this.find(source, sourcePort, destination, destinationPort);
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;

    if (syn && !ack && !rst) {
      // A connection attempt from the source. A retransmission keeps its connection; anything else starts a new one.
      const retransmission =
        index >= 0 &&
        (flows.bits[index]! & (SYN_SEEN | ESTABLISHED | CLOSED)) === SYN_SEEN &&
        flows.clientAddress[index] === source &&
        flows.clientPort[index] === sourcePort;
      if (!retransmission) {
        const target = this.target(packet.destination);
        let port = target?.ports.get(destinationPort);
        if (target && !port && this.portCount < MAX_PORTS) {
          port = { port: destinationPort, tries: 0, reply: null, target };
          target.ports.set(destinationPort, port);
          this.portCount++;
        }
        if (!port) {
          this.untracked++;
          return;
        }
        if (index >= 0) this.forget(index);
        index = this.newFlow(source, sourcePort, destination, destinationPort);
        flows.bits[index] = SYN_SEEN;
        flows.port[index] = port;
        this.noteClient(packet.source);
      }
      flows.recent[index] = 1;
      flows.lastMs[index] = this.nowMs;
      flows.port[index]!.tries++;
      flows.addPending(index, tcp.sequence ?? -1, this.nowMs, ttl);
      flows.tally(index, CLIENT, ttl);
      return;
    }

    if (index < 0) {
      // A connection whose SYN is not in the capture. A lone RST tells nothing.
      if (rst) return;
      index = syn ? this.newFlow(destination, destinationPort, source, sourcePort) : this.newFlow(source, sourcePort, destination, destinationPort);
      if (ack && !syn) flows.bits[index] = ESTABLISHED;
    }

    flows.recent[index] = 1;
    flows.lastMs[index] = this.nowMs;
    const side = flows.clientAddress[index] === source && flows.clientPort[index] === sourcePort ? CLIENT : SERVER;
    const pending = side === SERVER && flows.pendingCount[index]! > 0;

    if (syn) {
      // SYN-ACK (a SYN with RST is nonsense: counted, never an answer).
      if (pending && ack && !rst) this.answer(index, 'syn-ack', packet, tcp.acknowledgment);
      flows.tally(index, side, ttl);
      return;
    }

    if (rst) {
      if (pending && (flows.bits[index]! & ESTABLISHED) === 0) {
        if (ack) this.answer(index, 'rst', packet, tcp.acknowledgment);
        else flows.port[index]!.target.ignored++;
      } else if ((flows.bits[index]! & ESTABLISHED) !== 0) {
        this.checkReset(index, side, packet);
      }
      this.close(index);
      return;
    }

    flows.tally(index, side, ttl);
    let bits = flows.bits[index]!;
    if (ack) bits |= ESTABLISHED;
    if ((flags & TcpFlag.FIN) !== 0) bits |= side === CLIENT ? FIN_CLIENT : FIN_SERVER;
    flows.bits[index] = bits;
    if ((bits & (FIN_CLIENT | FIN_SERVER)) === (FIN_CLIENT | FIN_SERVER)) this.close(index);
  }

  /** Records the answer to the connection's pending SYN, if it acknowledges one of them. */
  private answer(index: number, kind: 'syn-ack' | 'rst', packet: DecodedPacket, acknowledgment: number | null): void {
    const flows = this.flows;
    let at = flows.lastPending(index);
    const matched = acknowledgment === null ? -1 : flows.findAnswered(index, packet.tcp!.flags, acknowledgment);
    if (matched >= 0) at = matched;
    else if (this.verifySequence) {
      flows.port[index]!.target.ignored++;
      return;
    }
    this.record(index, { kind, from: packet.source, ttl: packet.ttl, rttMs: packet.timestampMs - flows.pendingMs[at]! });
  }

  private record(index: number, reply: ObservedReply): void {
    const port = this.flows.port[index]!;
    // The first answer stands for the port, as with a live probe.
    if (port.reply === null) port.reply = reply;
    this.flows.pendingCount[index] = 0;
  }

  private checkReset(index: number, side: number, packet: DecodedPacket): void {
    const flows = this.flows;
    const at = index * 4 + side * 2;
    if (flows.ttlCount[at] === 0) return;
    const flowTtl = flows.ttl[at]!;
    if (distanceOf(packet.ttl) === distanceOf(flowTtl)) return;
    const reset: ObservedReset = {
      from: packet.source,
      fromPort: packet.tcp!.sourcePort,
      to: packet.destination,
      toPort: packet.tcp!.destinationPort,
      side: side === CLIENT ? 'client' : 'server',
      ttl: packet.ttl,
      flowTtl,
      timestampMs: packet.timestampMs,
    };
    const port = flows.port[index];
    if (port) {
      addReset(port.target.resets, port.port, reset);
    } else if (this.looseResets.length < MAX_LISTED_RESETS * 10) {
      const fromClient = side === CLIENT;
      this.looseResets.push({
        reset,
        a: fromClient ? packet.source : packet.destination,
        aPort: flows.clientPort[index]!,
        b: fromClient ? packet.destination : packet.source,
        bPort: flows.serverPort[index]!,
      });
    }
  }

  private addIcmp(packet: DecodedPacket): void {
    const icmp = packet.icmp!;
    if (icmp.type === IcmpType.ECHO_REQUEST) {
      let pairs = this.echoes.get(packet.source);
      let pair = pairs?.get(packet.destination);
      if (!pair) {
        if (this.echoPairCount >= MAX_ECHO_PAIRS) {
          this.untracked++;
          return;
        }
        this.echoPairCount++;
        if (!pairs) {
          pairs = new Map();
          this.echoes.set(packet.source, pairs);
        }
        pair = {
          requester: packet.source,
          target: packet.destination,
          sent: 0,
          received: 0,
          ignored: 0,
          pending: new Map(),
          kept: [],
          ttlCounts: new Map(),
        };
        pairs.set(packet.destination, pair);
      }
      pair.sent++;
      const id = ((icmp.identifier ?? 0) << 16) | (icmp.sequence ?? 0);
      pair.pending.delete(id);
      if (pair.pending.size >= MAX_PENDING_ECHOES) pair.pending.delete(pair.pending.keys().next().value!);
      pair.pending.set(id, packet.timestampMs);
      return;
    }
    if (icmp.type === IcmpType.ECHO_REPLY) {
      const pair = this.echoes.get(packet.destination)?.get(packet.source);
      if (!pair) return;
      const id = ((icmp.identifier ?? 0) << 16) | (icmp.sequence ?? 0);
      const sentMs = pair.pending.get(id);
      if (sentMs === undefined) {
        pair.ignored++;
        return;
      }
      pair.pending.delete(id);
      pair.received++;
      pair.ttlCounts.set(packet.ttl, (pair.ttlCounts.get(packet.ttl) ?? 0) + 1);
      const reply = { ttl: packet.ttl, rttMs: packet.timestampMs - sentMs };
      if (pair.kept.length < MAX_KEPT_ECHOES) pair.kept.push(reply);
      else {
        const slot = Math.floor(nextRandom(this.random) * pair.received);
        if (slot < MAX_KEPT_ECHOES) pair.kept[slot] = reply;
      }
      return;
    }
    if (icmp.type !== IcmpType.DEST_UNREACHABLE) return;
    const quote = icmp.quote;
    if (quote === null || quote.protocol !== IpProtocol.TCP || quote.sourcePort === null || quote.destinationPort === null) return;
    const flows = this.flows;
    const index = this.find(quote.sourceValue, quote.sourcePort, quote.destinationValue, quote.destinationPort);
    if (index < 0 || flows.port[index] === null || flows.pendingCount[index] === 0 || flows.clientAddress[index] !== quote.sourceValue) return;
    let at = flows.lastPending(index);
    if (quote.sequence !== null) {
      const matched = flows.findPending(index, quote.sequence);
      if (matched >= 0) at = matched;
      else if (this.verifySequence) {
        flows.port[index]!.target.ignored++;
        return;
      }
    }
    flows.lastMs[index] = this.nowMs;
    this.record(index, {
      kind: 'icmp-unreachable',
      from: packet.source,
      ttl: packet.ttl,
      rttMs: packet.timestampMs - flows.pendingMs[at]!,
      icmpType: icmp.type,
      icmpCode: icmp.code,
      quotedTtl: quote.ttl,
      sentTtl: flows.pendingTtl[at]!,
    });
  }

  /** Echo replies of a pair as the observation takes them: all, or a sample whose TTL proportions follow the exact counts. */
  private echoReplies(pair: EchoPair): { ttl: number; rttMs: number }[] {
    if (pair.received <= MAX_KEPT_ECHOES) return pair.kept;
    const rtts = pair.kept.map((reply) => reply.rttMs);
    const replies: { ttl: number; rttMs: number }[] = [];
    let next = 0;
    for (const [ttl, count] of pair.ttlCounts) {
      const share = Math.max(1, Math.round((count * MAX_KEPT_ECHOES) / pair.received));
      for (let i = 0; i < share; i++) replies.push({ ttl, rttMs: rtts[next++ % rtts.length]! });
    }
    return replies;
  }

  /** The observations and resets per target, in order of first appearance. */
  result(): AnalysisResult {
    const clients = [...this.synSenders];
    const noSyn = clients.length === 0;
    const echoByTarget = new Map<string, EchoPair[]>();
    for (const pairs of this.echoes.values()) {
      for (const pair of pairs.values()) {
        if (!noSyn && !this.isClient(pair.requester)) continue;
        if (noSyn && !clients.includes(pair.requester)) clients.push(pair.requester);
        this.target(pair.target, true);
        const list = echoByTarget.get(pair.target) ?? [];
        list.push(pair);
        echoByTarget.set(pair.target, list);
      }
    }
    const midflowOnly = new Map<string, Map<number, PortResets>>();
    for (const loose of this.looseResets) {
      const [server, port] = this.serverOf(loose);
      loose.reset.side = loose.reset.from === server && loose.reset.fromPort === port ? 'server' : 'client';
      const target = this.target(server, true)!;
      if (target.ports.has(port)) {
        addReset(target.resets, port, loose.reset);
      } else {
        const map = midflowOnly.get(server) ?? new Map<number, PortResets>();
        addReset(map, port, loose.reset);
        midflowOnly.set(server, map);
      }
    }
    const targets: TargetAnalysis[] = [];
    for (const target of this.targets.values()) {
      const pairs = echoByTarget.get(target.address) ?? [];
      const ports: PortObservation[] = [...target.ports.values()]
        .sort((a, b) => a.port - b.port)
        .map((port) => ({ port: port.port, tries: port.tries, reply: port.reply, finished: true }));
      targets.push({
        observation: {
          target: target.address,
          address: target.address,
          echo: {
            sent: pairs.reduce((sum, pair) => sum + pair.sent, 0),
            replies: pairs.flatMap((pair) => this.echoReplies(pair)),
          },
          ports,
          ignored: target.ignored + pairs.reduce((sum, pair) => sum + pair.ignored, 0),
        },
        echoReceived: pairs.reduce((sum, pair) => sum + pair.received, 0),
        resets: target.resets,
        midflowOnly: midflowOnly.get(target.address) ?? new Map(),
      });
    }
    return {
      targets,
      clients: clients.slice(0, MAX_LISTED_CLIENTS),
      clientCount: clients.length + (this.clientsOverflowed ? 1 : 0),
      untracked: this.untracked,
    };
  }

  /** For a connection seen without its SYN: which endpoint is the server (a known target, not a client, else the lower port). */
  private serverOf(loose: LooseReset): [string, number] {
    const aIsTarget = this.targets.has(loose.a) && !this.synSenders.has(loose.a);
    const bIsTarget = this.targets.has(loose.b) && !this.synSenders.has(loose.b);
    if (aIsTarget !== bIsTarget) return aIsTarget ? [loose.a, loose.aPort] : [loose.b, loose.bPort];
    const aIsClient = this.isClient(loose.a);
    const bIsClient = this.isClient(loose.b);
    if (aIsClient !== bIsClient) return aIsClient ? [loose.b, loose.bPort] : [loose.a, loose.aPort];
    return loose.aPort <= loose.bPort ? [loose.a, loose.aPort] : [loose.b, loose.bPort];
  }
}
