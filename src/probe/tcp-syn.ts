import { addressWords } from '../packet/address.js';
import { finishChecksum, onesComplementSum } from '../packet/checksum.js';
import { IpProtocol } from '../packet/ipv4.js';
import { networkHeaderTemplate, pseudoHeaderSum, type NetworkHeader, type NetworkHeaderTemplate } from '../packet/network.js';
import { decodeTcp, decodeTcpPrefix, encodeTcpOptions, TcpFlag, writeTcpSegment, type TcpOptions } from '../packet/tcp.js';
import { cookie, type CookieKey } from './cookie.js';
import { flowLabelOf } from './flow-label.js';
import { UNRELATED, type ProbeFlow, type ProbeMatch, type ProbeModule, type ProbeTemplate, type QuoteComparison, type QuotedPacket, type SentTags } from './module.js';
import { compareTcpQuote } from './quote-compare.js';

/**
 * The TCP SYN probe: a realistic SYN (window 64240, MSS 1460) from the flow
 * identifier as source port, whose sequence number is a keyed cookie of the
 * flow, so any reply (a SYN-ACK or RST acking it, an ICMP error quoting it)
 * is checked without per-probe state. Subject: the destination port.
 */

export const SYN_WINDOW = 64240;
export const SYN_MSS = 1460;
/** The plain probe's options: MSS only (TCP header 20 bytes + MSS option 4 bytes). */
const PLAIN_OPTIONS: TcpOptions = { mss: SYN_MSS };
/** A RST's TCP header: no options. */
const RST_HEADER = 20;
/** An IPv4 SYN's length (IPv6: 40 + 24). */
export const SYN_PACKET_BYTES = 20 + 20 + encodeTcpOptions(PLAIN_OPTIONS).length;
/** The window scale a current Linux client offers (tcp_rmem's default 6 MB buffer: scale 7). */
export const SYN_WINDOW_SCALE = 7;

/**
 * The options of the SYNs --trace sends: a current Linux client's set, in
 * Linux's order and layout (MSS, SACK-permitted, timestamp, NOP, window
 * scale: 02 04 05 b4 04 02 08 0a <ts> <echo 0> 01 03 03 07), so middleboxes
 * that clamp MSS or strip options treat them as real traffic and the quotes
 * show it. The timestamp value is derived from the run's key: constant within
 * a run (quotes compare to one value), telling nothing about the machine's clock.
 */
export function fullSynOptions(key: CookieKey): TcpOptions {
  return { mss: SYN_MSS, sackPermitted: true, timestamp: { value: cookie(key, [0x74737661]), echo: 0 }, windowScale: SYN_WINDOW_SCALE };
}

/**
 * The flags of the SYNs --trace sends: an ECN-setup SYN (SYN, ECE, CWR; RFC
 * 3168 6.1.1, what a client with net.ipv4.tcp_ecn=1 sends), so a device that
 * strips ECN negotiation (iptables ECN --ecn-tcp-remove, old firewalls) shows
 * in the quotes. The IP ECN bits stay not-ECT, as RFC 3168 wants for a SYN.
 */
export const TRACE_SYN_FLAGS = TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR;

/** Bytes of an IPv4 trace SYN: IP 20, TCP 20 + 20 of options (IPv6: 40 + 40). */
export const FULL_SYN_PACKET_BYTES = 20 + 20 + 20;

/**
 * How a TCP segment from the probed port relates to a SYN we sent with
 * sequence number `sentSequence` — the one reply rule of SYN probes, used
 * by the live classifier and by `analyze` alike:
 *
 * - 'syn-ack': SYN and ACK set, RST not, acknowledging sentSequence + 1;
 * - 'rst': RST and ACK set, SYN not, acknowledging sentSequence + 1;
 * - 'wrong-ack': shaped like one of those but acknowledging anything else
 *   (sentSequence itself included);
 * - 'not-an-answer': any other flags, among them a RST without ACK and a
 *   segment with both SYN and RST.
 *
 * Why: RFC 9293 (3.10.7.1, as RFC 793 before it) has a closed port answer a
 * SYN with <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, and a SYN counts as
 * one, so a genuine RST acknowledges seq + 1; Linux's stack and its
 * firewalls (REJECT --reject-with tcp-reset) and the BSD and Windows stacks
 * all do so, as nmap expects. A RST that acks seq itself or carries no ACK
 * echoes nothing our key made, so it proves nothing: accepting it would let
 * a guess give a port its verdict. (zmap's synscan also takes ack == seq
 * for a RST; we do not, so a capture and a live probe judge the same RST
 * the same way.)
 */
export type SynAnswer = 'syn-ack' | 'rst' | 'wrong-ack' | 'not-an-answer';

const SYN_RST_ACK = TcpFlag.SYN | TcpFlag.RST | TcpFlag.ACK;

export function classifySynAnswer(flags: number, acknowledgment: number, sentSequence: number): SynAnswer {
  const shape = flags & SYN_RST_ACK;
  let kind: 'syn-ack' | 'rst';
  if (shape === (TcpFlag.SYN | TcpFlag.ACK)) kind = 'syn-ack';
  else if (shape === (TcpFlag.RST | TcpFlag.ACK)) kind = 'rst';
  else return 'not-an-answer';
  return acknowledgment === ((sentSequence + 1) >>> 0) ? kind : 'wrong-ack';
}

/**
 * The sequence number (cookie) of a SYN of `flow` to `destinationPort`
 * with `tag`: HalfSipHash of the source and destination address words (1
 * each for IPv4, 4 for IPv6), the ports and the tag. The flow, and so the
 * path a per-flow load balancer picks, stays the same across tags while each
 * reply still names its probe.
 */
export function synSequence(key: CookieKey, flow: ProbeFlow, destinationPort: number, tag = 0): number {
  return cookie(key, [...addressWords(flow.source), ...addressWords(flow.destination), ((flow.flowId << 16) | destinationPort) >>> 0, tag]);
}

/** A prepared SYN: bytes with per-probe fields zeroed and the checksum sums of the constant fields. */
class SynTemplate implements ProbeTemplate {
  readonly module = tcpSyn;
  readonly protocol = IpProtocol.TCP;
  readonly flow: ProbeFlow;
  private readonly key: CookieKey;
  private readonly bytes: Buffer;
  /** The network header (either family), patched per probe. */
  private readonly header: NetworkHeaderTemplate;
  /** Where the TCP header starts. */
  private readonly tcpAt: number;
  /** Sum of the pseudo-header and the TCP header with ports, sequence and checksum zero. */
  private readonly tcpBaseSum: number;
  /** The cookie's input: the address words, then two slots (ports, tag) filled per use (cookie() is synchronous). */
  private readonly words: number[];
  private readonly portsWord: number;
  private readonly tagWord: number;
  /** The network header of buildBeforeResend's RST, made on its first use (most runs re-send nothing). */
  private resetHeader: NetworkHeaderTemplate | undefined;
  private readonly options: TcpOptions;
  private traceVariant: SynTemplate | null = null;

  constructor(flow: ProbeFlow, key: CookieKey, options: TcpOptions = PLAIN_OPTIONS, flags: number = TcpFlag.SYN) {
    this.flow = flow;
    this.key = key;
    this.options = options;
    const tcpHeader = 20 + encodeTcpOptions(options).length;
    // DF for IPv4 (IPv6 routers never fragment); over IPv6 one flow label for all of a target's probes.
    const header = networkHeaderTemplate({
      source: flow.source, destination: flow.destination, protocol: IpProtocol.TCP, payloadLength: tcpHeader,
      dontFragment: true, flowLabel: flowLabelOf(key, flow),
    });
    const tcpAt = header.length;
    const bytes = Buffer.alloc(tcpAt + tcpHeader);
    header.write(bytes);
    const pseudo = pseudoHeaderSum(flow.source, flow.destination, IpProtocol.TCP, tcpHeader);
    writeTcpSegment(bytes, tcpAt, { sourcePort: 0, destinationPort: 0, sequence: 0, flags, window: SYN_WINDOW, options }, () => pseudo);
    bytes.writeUInt16BE(0, tcpAt + 16);
    this.bytes = bytes;
    this.header = header;
    this.tcpAt = tcpAt;
    this.tcpBaseSum = onesComplementSum(bytes, tcpAt, bytes.length, pseudo);
    this.words = [...addressWords(flow.source), ...addressWords(flow.destination), 0, 0];
    this.portsWord = this.words.length - 2;
    this.tagWord = this.words.length - 1;
  }

  sequenceFor(destinationPort: number, tag: number): number {
    const words = this.words;
    words[this.portsWord] = ((this.flow.flowId << 16) | destinationPort) >>> 0;
    words[this.tagWord] = tag;
    return cookie(this.key, words);
  }

  build(destinationPort: number, ttl: number, ipId: number, tag: number): Buffer {
    const length = this.bytes.length;
    const packet = Buffer.allocUnsafe(length);
    this.bytes.copy(packet, 0, 0, length);
    const sourcePort = this.flow.flowId;
    const sequence = this.sequenceFor(destinationPort, tag);
    // Plain byte stores: this runs once per probe, and Buffer's checked writers cost more than the
    // packet's whole construction (every value here is already in range by construction).
    this.header.patch(packet, ttl, ipId);
    const at = this.tcpAt;
    writeUint16(packet, at, sourcePort);
    writeUint16(packet, at + 2, destinationPort);
    writeUint16(packet, at + 4, sequence >>> 16);
    writeUint16(packet, at + 6, sequence & 0xffff);
    const tcpSum = this.tcpBaseSum + sourcePort + destinationPort + (sequence >>> 16) + (sequence & 0xffff);
    writeUint16(packet, at + 16, finishChecksum(tcpSum));
    return packet;
  }

  /**
   * A RST with sequence number cookie + 1, before a SYN goes out again: if
   * the host answered the first SYN and only its SYN-ACK was lost, it holds
   * a half-open connection, and Linux then answers a repeated SYN at most
   * once per net.ipv4.tcp_invalid_ratelimit (500 ms) and retransmits its
   * SYN-ACK only after a second, so every re-send of a scan would meet
   * silence and an open port would be reported filtered. The RST lies
   * exactly at the host's next expected sequence number, so it removes that
   * half-open connection (RFC 9293 3.10.7.3; RFC 5961's exact-match rule
   * holds) and the re-sent SYN opens a fresh one. To a port with no such
   * state it is a RST to nobody, which no stack or firewall answers.
   */
  buildBeforeResend(destinationPort: number, ttl: number, ipId: number, tag: number): Buffer {
    const { flow } = this;
    const header = (this.resetHeader ??= networkHeaderTemplate({
      source: flow.source, destination: flow.destination, protocol: IpProtocol.TCP, payloadLength: RST_HEADER,
      dontFragment: true, flowLabel: flowLabelOf(this.key, flow),
    }));
    const packet = Buffer.alloc(header.length + RST_HEADER);
    header.write(packet);
    header.patch(packet, ttl, ipId);
    const pseudo = pseudoHeaderSum(flow.source, flow.destination, IpProtocol.TCP, RST_HEADER);
    const sequence = (this.sequenceFor(destinationPort, tag) + 1) >>> 0;
    writeTcpSegment(packet, header.length, { sourcePort: flow.flowId, destinationPort, sequence, flags: TcpFlag.RST, window: 0 }, () => pseudo);
    return packet;
  }

  /** Addresses, our source port, a probed port, then classifySynAnswer against each tag sent to it. */
  matchReply(ip: NetworkHeader, payload: Buffer, sentTags: SentTags): ProbeMatch {
    const { flow } = this;
    if (ip.source !== flow.destination.text || ip.destination !== flow.source.text) return UNRELATED;
    const decoded = decodeTcp(payload);
    if (!decoded.ok) return UNRELATED;
    const tcp = decoded.value;
    if (tcp.destinationPort !== flow.flowId) return UNRELATED;
    const port = tcp.sourcePort;
    const tags = sentTags(port);
    if (tags === null) return { status: 'invalid', reason: `port ${port} was not probed` };
    let answer: SynAnswer = 'not-an-answer';
    for (const tag of tags) {
      answer = classifySynAnswer(tcp.flags, tcp.acknowledgment, this.sequenceFor(port, tag));
      if (answer === 'syn-ack' || answer === 'rst') return { status: 'match', subject: port, tag, kind: answer };
      if (answer === 'not-an-answer') break;
    }
    return answer === 'wrong-ack' ? WRONG_ACK : NOT_AN_ANSWER;
  }

  /** Quoted protocol and addresses, our source port, a probed port, and the cookie in the quoted sequence number. */
  matchQuote(quoted: NetworkHeader, transport: Buffer, sentTags: SentTags): ProbeMatch {
    const { flow } = this;
    if (quoted.source !== flow.source.text || quoted.destination !== flow.destination.text) return UNRELATED;
    const decoded = decodeTcpPrefix(transport);
    if (!decoded.ok || decoded.value.sourcePort !== flow.flowId) return UNRELATED;
    const port = decoded.value.destinationPort;
    const tags = sentTags(port);
    if (tags === null) return { status: 'invalid', reason: `quoted port ${port} was not probed` };
    for (const tag of tags) {
      if (decoded.value.sequence === this.sequenceFor(port, tag)) return { status: 'match', subject: port, tag, kind: 'icmp-unreachable' };
    }
    return QUOTE_NOT_OURS;
  }

  /** The same flow and key with a Linux client's full option set (made once). */
  forTrace(): ProbeTemplate {
    if (this.options !== PLAIN_OPTIONS) return this;
    this.traceVariant ??= new SynTemplate(this.flow, this.key, fullSynOptions(this.key), TRACE_SYN_FLAGS);
    return this.traceVariant;
  }

  compareQuote(sent: Buffer, quoted: QuotedPacket, ttlLeft: number): QuoteComparison {
    return compareTcpQuote(sent, quoted, ttlLeft);
  }
}

const WRONG_ACK: ProbeMatch = { status: 'invalid', reason: 'the acknowledgment is not our SYN sequence + 1' };
const NOT_AN_ANSWER: ProbeMatch = { status: 'invalid', reason: 'neither SYN-ACK nor RST-ACK' };
const QUOTE_NOT_OURS: ProbeMatch = { status: 'invalid', reason: 'quoted sequence is not our cookie' };

/** Big-endian 16-bit store of a value known to be 0..65535. */
function writeUint16(packet: Buffer, offset: number, value: number): void {
  packet[offset] = value >>> 8;
  packet[offset + 1] = value & 0xff;
}

export const tcpSyn: ProbeModule = {
  name: 'tcp-syn',
  protocol: IpProtocol.TCP,
  prepare: (flow, key) => new SynTemplate(flow, key),
};
