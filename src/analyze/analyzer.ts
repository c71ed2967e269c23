import type { DecodedPacket } from '../capture/decoded.js';
import type { ObservedReply, PortObservation, TargetObservation } from '../infer/observation.js';
import { distanceOf } from '../infer/ttl.js';
import { IcmpType } from '../packet/icmp.js';
import { IpProtocol } from '../packet/ipv4.js';
import { TcpFlag } from '../packet/tcp.js';
import { MAX_LISTED_RESETS } from './model.js';

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
 * result(). Memory is bounded: connections are forgotten when idle or closed
 * (and the oldest when there are too many), pending echo requests and kept
 * echo replies are capped.
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
  /** Addresses that sent SYNs (or, without SYNs, echo requests). */
  clients: string[];
}

export interface AnalyzerOptions {
  /**
   * Require a SYN-ACK/RST to acknowledge a SYN's sequence number (and an
   * ICMP error to quote it) before counting it as the SYN's answer. Turn it
   * off for tcpdump text, which may print relative sequence numbers.
   */
  verifySequence?: boolean;
  /** Connections tracked at most (default 200000); the oldest is forgotten first. */
  maxFlows?: number;
}

const CLIENT = 0;
const SERVER = 1;
/** SYNs of one connection remembered while unanswered (retransmissions carry other sequence numbers with ttl-probe). */
const MAX_PENDING_SYNS = 8;
/** Echo requests awaiting a reply, per (requester, target). */
const MAX_PENDING_ECHOES = 4096;
/** Echo replies kept per (requester, target); beyond, a uniform sample (the TTL counts stay exact). */
const MAX_KEPT_ECHOES = 4096;
/** A closed connection is forgotten this long after its RST (ms, capture time). */
const CLOSED_LINGER_MS = 60_000;
/** An idle connection is forgotten after this long (ms, capture time). */
const IDLE_MS = 600_000;
/** Packets between two sweeps of the connection table. */
const SWEEP_EVERY = 1 << 16;

interface PortState {
  port: number;
  tries: number;
  reply: ObservedReply | null;
}

interface TargetState {
  address: string;
  ports: Map<number, PortState>;
  ignored: number;
  resets: Map<number, PortResets>;
}

/** One TCP connection (4-tuple). "client" is the SYN's sender, or the first packet's sender when no SYN was seen. */
interface Flow {
  clientAddress: string;
  clientPort: number;
  serverAddress: string;
  serverPort: number;
  synSeen: boolean;
  port: PortState | null;
  target: TargetState | null;
  pendingSeq: number[];
  pendingMs: number[];
  pendingTtl: number[];
  established: boolean;
  closedMs: number;
  lastMs: number;
  /** Two most common TTLs per side and their counts: [client ttl1, count1, ttl2, count2, server ttl1, ...]. */
  ttls: Int32Array;
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
  /** The two endpoints: [address, port] of the flow's first sender and of the other. */
  a: string;
  aPort: number;
  b: string;
  bPort: number;
}

function newPortResets(): PortResets {
  return { listed: [], count: 0 };
}

function addReset(map: Map<number, PortResets>, port: number, reset: ObservedReset): void {
  let entry = map.get(port);
  if (!entry) {
    entry = newPortResets();
    map.set(port, entry);
  }
  entry.count++;
  if (entry.listed.length < MAX_LISTED_RESETS) entry.listed.push(reset);
}

function tally(ttls: Int32Array, side: number, ttl: number): void {
  const base = side * 4;
  if (ttls[base] === ttl) {
    ttls[base + 1]!++;
  } else if (ttls[base + 2] === ttl) {
    const count = ++ttls[base + 3]!;
    if (count > ttls[base + 1]!) {
      ttls[base + 2] = ttls[base]!;
      ttls[base + 3] = ttls[base + 1]!;
      ttls[base] = ttl;
      ttls[base + 1] = count;
    }
  } else if (ttls[base + 1] === 0) {
    ttls[base] = ttl;
    ttls[base + 1] = 1;
  } else {
    ttls[base + 2] = ttl;
    ttls[base + 3] = 1;
  }
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

export class CaptureAnalyzer {
  private readonly verifySequence: boolean;
  private readonly maxFlows: number;
  private readonly flows = new Map<string, Flow>();
  private readonly targets = new Map<string, TargetState>();
  private readonly synSenders = new Set<string>();
  private readonly echoes = new Map<string, EchoPair>();
  private readonly looseResets: LooseReset[] = [];
  private readonly random = { seed: 0x9e3779b9 };
  private packets = 0;
  private nowMs = 0;

  constructor(options: AnalyzerOptions = {}) {
    this.verifySequence = options.verifySequence ?? true;
    this.maxFlows = options.maxFlows ?? 200_000;
  }

  /** Feeds one packet (in capture order). The packet object is not kept. */
  add(packet: DecodedPacket): void {
    this.nowMs = packet.timestampMs;
    if ((++this.packets & (SWEEP_EVERY - 1)) === 0) this.sweep();
    if (packet.tcp !== null) this.addTcp(packet);
    else if (packet.icmp !== null) this.addIcmp(packet);
  }

  private target(address: string): TargetState {
    let target = this.targets.get(address);
    if (!target) {
      target = { address, ports: new Map(), ignored: 0, resets: new Map() };
      this.targets.set(address, target);
    }
    return target;
  }

  private newFlow(key: string, client: string, clientPort: number, server: string, serverPort: number): Flow {
    if (this.flows.size >= this.maxFlows) {
      const oldest = this.flows.keys().next();
      if (oldest.done !== true) this.flows.delete(oldest.value);
    }
    const flow: Flow = {
      clientAddress: client,
      clientPort,
      serverAddress: server,
      serverPort,
      synSeen: false,
      port: null,
      target: null,
      pendingSeq: [],
      pendingMs: [],
      pendingTtl: [],
      established: false,
      closedMs: -1,
      lastMs: this.nowMs,
      ttls: new Int32Array(8),
    };
    this.flows.set(key, flow);
    return flow;
  }

  private sweep(): void {
    const now = this.nowMs;
    for (const [key, flow] of this.flows) {
      if ((flow.closedMs >= 0 && now - flow.closedMs > CLOSED_LINGER_MS) || now - flow.lastMs > IDLE_MS) this.flows.delete(key);
    }
    for (const pair of this.echoes.values()) {
      for (const [id, sentMs] of pair.pending) {
        if (now - sentMs <= IDLE_MS) break;
        pair.pending.delete(id);
      }
    }
  }

  private addTcp(packet: DecodedPacket): void {
    const tcp = packet.tcp!;
    const { source, destination, ttl } = packet;
    const sourcePort = tcp.sourcePort;
    const destinationPort = tcp.destinationPort;
    const flags = tcp.flags;
    // One key for both directions: the endpoint with the lower port (then address) first.
    const forward = sourcePort < destinationPort || (sourcePort === destinationPort && source < destination);
    const key = forward
      ? `${source}:${sourcePort}-${destination}:${destinationPort}`
      : `${destination}:${destinationPort}-${source}:${sourcePort}`;
    let flow = this.flows.get(key);
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;

    if (syn && !ack && !rst) {
      // A connection attempt from `source`.
      const sequence = tcp.sequence;
      const retransmission =
        flow !== undefined &&
        flow.synSeen &&
        flow.clientAddress === source &&
        flow.clientPort === sourcePort &&
        !flow.established &&
        flow.closedMs < 0;
      if (!retransmission) {
        if (flow) this.flows.delete(key);
        flow = this.newFlow(key, source, sourcePort, destination, destinationPort);
        flow.synSeen = true;
        const target = this.target(destination);
        let port = target.ports.get(destinationPort);
        if (!port) {
          port = { port: destinationPort, tries: 0, reply: null };
          target.ports.set(destinationPort, port);
        }
        flow.target = target;
        flow.port = port;
        this.synSenders.add(source);
      }
      const current = flow!;
      current.lastMs = this.nowMs;
      current.port!.tries++;
      if (current.pendingSeq.length === MAX_PENDING_SYNS) {
        current.pendingSeq.shift();
        current.pendingMs.shift();
        current.pendingTtl.shift();
      }
      current.pendingSeq.push(sequence ?? -1);
      current.pendingMs.push(this.nowMs);
      current.pendingTtl.push(ttl);
      tally(current.ttls, CLIENT, ttl);
      return;
    }

    if (flow === undefined) {
      // A connection whose SYN is not in the capture. A lone RST tells nothing.
      if (rst) return;
      flow = syn
        ? this.newFlow(key, destination, destinationPort, source, sourcePort)
        : this.newFlow(key, source, sourcePort, destination, destinationPort);
      if (ack && !syn) flow.established = true;
      tally(flow.ttls, flow.clientAddress === source && flow.clientPort === sourcePort ? CLIENT : SERVER, ttl);
      return;
    }

    flow.lastMs = this.nowMs;
    const side = flow.clientAddress === source && flow.clientPort === sourcePort ? CLIENT : SERVER;
    const pending = flow.pendingSeq.length > 0 && side === SERVER;

    if (syn) {
      // SYN-ACK (or SYN-RST nonsense, taken as a SYN-ACK only with ACK).
      if (pending && ack && !rst) this.answer(flow, 'syn-ack', packet, tcp.acknowledgment);
      tally(flow.ttls, side, ttl);
      return;
    }

    if (rst) {
      if (pending && !flow.established) {
        if (ack) this.answer(flow, 'rst', packet, tcp.acknowledgment);
        else flow.target!.ignored++;
        flow.closedMs = this.nowMs;
        return;
      }
      if (flow.established) this.checkReset(flow, side, packet);
      flow.closedMs = this.nowMs;
      return;
    }

    tally(flow.ttls, side, ttl);
    if (ack) flow.established = true;
  }

  /** Records the answer to the flow's pending SYN, if it acknowledges one of them. */
  private answer(flow: Flow, kind: 'syn-ack' | 'rst', packet: DecodedPacket, acknowledgment: number | null): void {
    let index = flow.pendingSeq.length - 1;
    if (acknowledgment !== null) {
      const matched = flow.pendingSeq.findIndex((seq) => seq >= 0 && ((seq + 1) >>> 0) === acknowledgment);
      if (matched >= 0) index = matched;
      else if (this.verifySequence) {
        flow.target!.ignored++;
        return;
      }
    } else if (this.verifySequence) {
      flow.target!.ignored++;
      return;
    }
    this.record(flow, { kind, from: packet.source, ttl: packet.ttl, rttMs: packet.timestampMs - flow.pendingMs[index]! });
  }

  private record(flow: Flow, reply: ObservedReply): void {
    const port = flow.port!;
    // The first answer stands for the port, as with a live probe.
    if (port.reply === null) port.reply = reply;
    flow.pendingSeq.length = 0;
    flow.pendingMs.length = 0;
    flow.pendingTtl.length = 0;
  }

  private checkReset(flow: Flow, side: number, packet: DecodedPacket): void {
    const base = side * 4;
    if (flow.ttls[base + 1] === 0) return;
    const flowTtl = flow.ttls[base]!;
    if (distanceOf(packet.ttl) === distanceOf(flowTtl)) return;
    const fromClient = side === CLIENT;
    const reset: ObservedReset = {
      from: packet.source,
      fromPort: packet.tcp!.sourcePort,
      to: packet.destination,
      toPort: packet.tcp!.destinationPort,
      side: fromClient ? 'client' : 'server',
      ttl: packet.ttl,
      flowTtl,
      timestampMs: packet.timestampMs,
    };
    if (flow.synSeen) {
      addReset(flow.target!.resets, flow.serverPort, reset);
    } else {
      if (this.looseResets.length < MAX_LISTED_RESETS * 10) {
        this.looseResets.push({ reset, a: flow.clientAddress, aPort: flow.clientPort, b: flow.serverAddress, bPort: flow.serverPort });
      }
    }
  }

  private addIcmp(packet: DecodedPacket): void {
    const icmp = packet.icmp!;
    if (icmp.type === IcmpType.ECHO_REQUEST) {
      const key = `${packet.source}>${packet.destination}`;
      let pair = this.echoes.get(key);
      if (!pair) {
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
        this.echoes.set(key, pair);
      }
      pair.sent++;
      const id = ((icmp.identifier ?? 0) << 16) | (icmp.sequence ?? 0);
      pair.pending.delete(id);
      if (pair.pending.size >= MAX_PENDING_ECHOES) pair.pending.delete(pair.pending.keys().next().value!);
      pair.pending.set(id, packet.timestampMs);
      return;
    }
    if (icmp.type === IcmpType.ECHO_REPLY) {
      const pair = this.echoes.get(`${packet.destination}>${packet.source}`);
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
    const forward = quote.sourcePort < quote.destinationPort || (quote.sourcePort === quote.destinationPort && quote.source < quote.destination);
    const key = forward
      ? `${quote.source}:${quote.sourcePort}-${quote.destination}:${quote.destinationPort}`
      : `${quote.destination}:${quote.destinationPort}-${quote.source}:${quote.sourcePort}`;
    const flow = this.flows.get(key);
    if (!flow || !flow.synSeen || flow.pendingSeq.length === 0 || flow.clientAddress !== quote.source) return;
    let index = flow.pendingSeq.length - 1;
    if (quote.sequence !== null) {
      const matched = flow.pendingSeq.indexOf(quote.sequence);
      if (matched >= 0) index = matched;
      else if (this.verifySequence) {
        flow.target!.ignored++;
        return;
      }
    }
    flow.lastMs = this.nowMs;
    this.record(flow, {
      kind: 'icmp-unreachable',
      from: packet.source,
      ttl: packet.ttl,
      rttMs: packet.timestampMs - flow.pendingMs[index]!,
      icmpType: icmp.type,
      icmpCode: icmp.code,
      quotedTtl: quote.ttl,
      sentTtl: flow.pendingTtl[index]!,
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
    for (const pair of this.echoes.values()) {
      if (!noSyn && !this.synSenders.has(pair.requester)) continue;
      if (noSyn && !clients.includes(pair.requester)) clients.push(pair.requester);
      this.target(pair.target);
      const list = echoByTarget.get(pair.target) ?? [];
      list.push(pair);
      echoByTarget.set(pair.target, list);
    }
    const midflowOnly = new Map<string, Map<number, PortResets>>();
    for (const loose of this.looseResets) {
      const [server, port] = this.serverOf(loose);
      loose.reset.side = loose.reset.from === server && loose.reset.fromPort === port ? 'server' : 'client';
      const target = this.target(server);
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
    return { targets, clients };
  }

  /** For a connection seen without its SYN: which endpoint is the server (a known target, not a client, else the lower port). */
  private serverOf(loose: LooseReset): [string, number] {
    const aIsTarget = this.targets.has(loose.a) && !this.synSenders.has(loose.a);
    const bIsTarget = this.targets.has(loose.b) && !this.synSenders.has(loose.b);
    if (aIsTarget !== bIsTarget) return aIsTarget ? [loose.a, loose.aPort] : [loose.b, loose.bPort];
    const aIsClient = this.synSenders.has(loose.a);
    const bIsClient = this.synSenders.has(loose.b);
    if (aIsClient !== bIsClient) return aIsClient ? [loose.b, loose.bPort] : [loose.a, loose.aPort];
    return loose.aPort <= loose.bPort ? [loose.a, loose.aPort] : [loose.b, loose.bPort];
  }
}
