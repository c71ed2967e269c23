import type { DecodedPacket } from '../capture/decoded.js';
import type { ObservedReply } from '../infer/observation.js';
import { echoTypes, unreachableType } from '../packet/network.js';
import { IpProtocol } from '../packet/ipv4.js';
import { TcpFlag } from '../packet/tcp.js';
import { echoKey, Echoes } from './echoes.js';
import {
  bitsAfterSegment,
  CLIENT,
  DEFAULT_MAX_FLOWS,
  ESTABLISHED,
  Flows,
  isConnectionAttempt,
  isFinishedBothWays,
  isSynRetransmission,
  SERVER,
  SYN_SEEN,
  type Side,
} from './flows.js';
import { answeredSyn, Handshakes, quotedSyn, recordAnswer, SynSenders, type PortState } from './handshakes.js';
import { addReset, isOddReset, looseResetOf, MAX_LOOSE_RESETS, resetOf, type LooseReset } from './resets.js';
import { assembleResult, type AnalysisResult } from './result.js';

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
 * result() once. Memory is bounded whatever the capture: connections live in
 * a fixed-size table (flows.ts), and targets, ports, echo exchanges,
 * remembered clients and kept echo replies are capped (handshakes.ts,
 * echoes.ts). This file routes each packet to those parts.
 */

export interface AnalyzerOptions {
  /**
   * Require a SYN-ACK/RST to acknowledge a SYN's sequence number (and an
   * ICMP error to quote it) before counting it as the SYN's answer. Turn it
   * off for tcpdump text, which may print relative sequence numbers.
   */
  verifySequence?: boolean;
  /** Connections tracked at once (default 131072, about 12 MB). */
  maxFlows?: number;
  /**
   * Attribute ICMPv6 errors whose quote tcpdump text did not print (only the
   * quoted destination, QuotedDatagram.partial): to the one SYN from the
   * error's destination to that address still unanswered, never when several
   * are (counted as ignored). Turn it on for tcpdump text.
   */
  partialQuotes?: boolean;
}

export class CaptureAnalyzer {
  private readonly verifySequence: boolean;
  private readonly flows: Flows<PortState>;
  private readonly handshakes = new Handshakes();
  private readonly synSenders = new SynSenders();
  private readonly echoes = new Echoes();
  private readonly looseResets: LooseReset[] = [];
  private untracked = 0;
  private readonly partialQuotes: boolean;
  /** With partialQuotes: per target address, per port, the connection of the latest SYN still unanswered. */
  private readonly unansweredSyns = new Map<string, Map<number, number>>();

  constructor(options: AnalyzerOptions = {}) {
    this.verifySequence = options.verifySequence ?? true;
    this.partialQuotes = options.partialQuotes ?? false;
    this.flows = new Flows(options.maxFlows ?? DEFAULT_MAX_FLOWS);
  }

  /** Feeds one packet (in capture order). The packet object is not kept. */
  add(packet: DecodedPacket): void {
    this.flows.nowMs = packet.timestampMs;
    if (packet.tcp !== null) this.addTcp(packet);
    else if (packet.icmp !== null) this.addIcmp(packet);
  }

  /** The observations and resets per target, in order of first appearance. */
  result(): AnalysisResult {
    return assembleResult({ handshakes: this.handshakes, synSenders: this.synSenders, echoes: this.echoes, looseResets: this.looseResets, untracked: this.untracked });
  }

  private addTcp(packet: DecodedPacket): void {
    const tcp = packet.tcp!;
    const flags = tcp.flags;
    const flows = this.flows;
    const words = packet.addressWords;
    let index = flows.find(packet.sourceValue, tcp.sourcePort, packet.destinationValue, tcp.destinationPort, words);

    if (isConnectionAttempt(flags)) {
      this.addSyn(packet, index);
      return;
    }
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;

    if (index < 0) {
      // A connection whose SYN is not in the capture. A lone RST tells nothing.
      if (rst) return;
      index = syn
        ? flows.open(packet.destinationValue, tcp.destinationPort, packet.sourceValue, tcp.sourcePort, words, 4)
        : flows.open(packet.sourceValue, tcp.sourcePort, packet.destinationValue, tcp.destinationPort, words, 0);
      if (ack && !syn) flows.bits[index] = ESTABLISHED;
    }

    flows.touch(index);
    const side = flows.sideOf(index, packet.sourceValue, tcp.sourcePort, words);
    const pending = side === SERVER && flows.pendingCount[index]! > 0;

    if (syn) {
      // SYN-ACK (a SYN with RST is nonsense: counted, never an answer).
      if (pending && ack && !rst) this.answerSyn(index, 'syn-ack', packet, tcp.acknowledgment);
      flows.tally(index, side, packet.ttl);
      return;
    }

    const established = (flows.bits[index]! & ESTABLISHED) !== 0;
    if (rst) {
      if (pending && !established) {
        if (ack) this.answerSyn(index, 'rst', packet, tcp.acknowledgment);
        else flows.tag[index]!.target.ignored++;
      } else if (established) {
        this.checkReset(index, side, packet);
      }
      flows.close(index);
      return;
    }

    flows.tally(index, side, packet.ttl);
    const bits = bitsAfterSegment(flows.bits[index]!, flags, side);
    flows.bits[index] = bits;
    if (isFinishedBothWays(bits)) flows.close(index);
  }

  /** A connection attempt from the source. A retransmission keeps its connection; anything else starts a new one. */
  private addSyn(packet: DecodedPacket, index: number): void {
    const tcp = packet.tcp!;
    const flows = this.flows;
    const words = packet.addressWords;
    const sameClient = index >= 0 && flows.isClient(index, packet.sourceValue, tcp.sourcePort, words);
    if (!(index >= 0 && isSynRetransmission(flows.bits[index]!, sameClient))) {
      const port = this.handshakes.port(packet.destination, tcp.destinationPort);
      if (!port) {
        this.untracked++;
        return;
      }
      if (index >= 0) flows.forget(index);
      index = flows.open(packet.sourceValue, tcp.sourcePort, packet.destinationValue, tcp.destinationPort, words);
      flows.bits[index] = SYN_SEEN;
      flows.tag[index] = port;
      if (this.partialQuotes) this.noteUnanswered(packet.destination, tcp.destinationPort, index);
      this.synSenders.note(packet.source);
    }
    flows.touch(index);
    flows.tag[index]!.tries++;
    flows.addPending(index, tcp.sequence ?? -1, flows.nowMs, packet.ttl);
    flows.tally(index, CLIENT, packet.ttl);
  }

  /** Records a SYN-ACK/RST as the answer to the connection's pending SYN it acknowledges. */
  private answerSyn(index: number, kind: 'syn-ack' | 'rst', packet: DecodedPacket, acknowledgment: number | null): void {
    const flows = this.flows;
    const at = answeredSyn(flows, index, packet.tcp!.flags, acknowledgment, this.verifySequence);
    if (at < 0) {
      flows.tag[index]!.target.ignored++;
      return;
    }
    this.record(index, { kind, from: packet.source, ttl: packet.ttl, rttMs: packet.timestampMs - flows.pendingMs[at]! });
  }

  private record(index: number, reply: ObservedReply): void {
    const port = this.flows.tag[index]!;
    recordAnswer(port, reply);
    this.flows.clearPending(index);
    if (this.partialQuotes) {
      const ports = this.unansweredSyns.get(port.target.address);
      if (ports?.get(port.port) === index) ports.delete(port.port);
    }
  }

  private noteUnanswered(target: string, port: number, index: number): void {
    let ports = this.unansweredSyns.get(target);
    if (!ports) {
      ports = new Map();
      this.unansweredSyns.set(target, ports);
    }
    ports.set(port, index);
  }

  /** A RST inside an established connection: kept when its distance differs from the rest of its side. */
  private checkReset(index: number, side: Side, packet: DecodedPacket): void {
    const flows = this.flows;
    const flowTtl = flows.commonTtl(index, side);
    if (!isOddReset(packet.ttl, flowTtl)) return;
    const reset = resetOf(packet, side === CLIENT, flowTtl);
    const port = flows.tag[index];
    if (port) addReset(port.target.resets, port.port, reset);
    else if (this.looseResets.length < MAX_LOOSE_RESETS) this.looseResets.push(looseResetOf(reset, side === CLIENT, flows.clientPort[index]!, flows.serverPort[index]!));
  }

  private addIcmp(packet: DecodedPacket): void {
    const icmp = packet.icmp!;
    const echo = echoTypes(packet.family);
    if (icmp.type === echo.request) {
      if (!this.echoes.request(packet.source, packet.destination, echoKey(icmp.identifier, icmp.sequence), packet.timestampMs)) this.untracked++;
      return;
    }
    if (icmp.type === echo.reply) {
      this.echoes.reply(packet.destination, packet.source, echoKey(icmp.identifier, icmp.sequence), packet.ttl, packet.timestampMs);
      return;
    }
    if (icmp.type === unreachableType(packet.family)) this.addUnreachable(packet);
  }

  /**
   * An ICMPv6 unreachable from tcpdump text, which names only the quoted
   * destination (maybe its port): it answers the one unanswered SYN from
   * the error's destination to it; with several candidates it proves
   * nothing and is counted as ignored.
   */
  private addPartialUnreachable(packet: DecodedPacket): void {
    const quote = packet.icmp!.quote!;
    if (quote.protocol !== IpProtocol.TCP && quote.protocol !== -1) return;
    const ports = this.unansweredSyns.get(quote.destination);
    if (!ports) return;
    const flows = this.flows;
    let found = -1;
    let candidates = 0;
    for (const [port, index] of ports) {
      const tag = flows.tag[index];
      if (tag === null || tag === undefined || tag.port !== port || tag.target.address !== quote.destination || flows.pendingCount[index] === 0) continue;
      if (quote.destinationPort !== null && port !== quote.destinationPort) continue;
      if (!flows.isClient(index, quote.sourceValue, flows.clientPort[index]!, quote.addressWords)) continue;
      candidates++;
      found = index;
    }
    if (candidates === 0) return;
    if (candidates > 1) {
      flows.tag[found]!.target.ignored++;
      return;
    }
    const at = flows.lastPending(found);
    flows.lastMs[found] = flows.nowMs;
    this.record(found, {
      kind: 'icmp-unreachable',
      from: packet.source,
      ttl: packet.ttl,
      rttMs: packet.timestampMs - flows.pendingMs[at]!,
      icmpType: packet.icmp!.type,
      icmpCode: packet.icmp!.code,
      sentTtl: flows.pendingTtl[at]!,
    });
  }

  /** An ICMP unreachable quoting a pending SYN answers it. */
  private addUnreachable(packet: DecodedPacket): void {
    const icmp = packet.icmp!;
    const quote = icmp.quote;
    if (quote !== null && quote.partial) {
      if (this.partialQuotes) this.addPartialUnreachable(packet);
      return;
    }
    if (quote === null || quote.protocol !== IpProtocol.TCP || quote.sourcePort === null || quote.destinationPort === null) return;
    const flows = this.flows;
    const words = quote.addressWords;
    const index = flows.find(quote.sourceValue, quote.sourcePort, quote.destinationValue, quote.destinationPort, words);
    if (index < 0 || flows.tag[index] === null || flows.pendingCount[index] === 0 || !flows.isClient(index, quote.sourceValue, quote.sourcePort, words)) return;
    const at = quotedSyn(flows, index, quote.sequence, this.verifySequence);
    if (at < 0) {
      flows.tag[index]!.target.ignored++;
      return;
    }
    flows.lastMs[index] = flows.nowMs;
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
}
