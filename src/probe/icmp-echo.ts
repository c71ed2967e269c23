import { addressWords } from '../packet/address.js';
import { finishChecksum, onesComplementSum } from '../packet/checksum.js';
import { IpProtocol } from '../packet/ipv4.js';
import {
  controlChecksumBase, controlProtocolOf, decodeControlMessage, echoTypes, familyOf, networkHeaderTemplate,
  type NetworkHeader, type NetworkHeaderTemplate,
} from '../packet/network.js';
import { cookie, type CookieKey } from './cookie.js';
import { flowLabelOf } from './flow-label.js';
import { UNRELATED, type ProbeFlow, type ProbeMatch, type ProbeModule, type ProbeTemplate, type QuoteComparison, type QuotedPacket, type SentTags } from './module.js';
import { compareIpQuote } from './quote-compare.js';

/**
 * The ICMP echo probe (ICMPv6 echo over IPv6): an echo request with the flow identifier as ICMP
 * identifier and the subject as sequence number, whose data starts with a
 * keyed cookie of (target, identifier, sequence, tag); a reply, or the copy
 * an ICMP error quotes, counts only with that cookie. Subject: the sequence
 * number.
 */

const ICMP_HEADER = 8;
/** A visible marker after the cookie, so a capture shows whose echo this is. */
const MARKER = Buffer.from('ttl-probe   ', 'latin1');
export const ECHO_DATA_BYTES = 4 + MARKER.length;
const ECHO_MESSAGE_BYTES = ICMP_HEADER + ECHO_DATA_BYTES;

/** Separates echo cookies from SYN cookies under the same key. */
const ECHO_DOMAIN = 0xec40;

/** The cookie an echo of `flow` with `sequence` and `tag` carries: HalfSipHash of the destination's address words, identifier and sequence, domain and tag. */
export function echoCookie(key: CookieKey, flow: ProbeFlow, sequence: number, tag = 0): number {
  return cookie(key, [...addressWords(flow.destination), ((flow.flowId << 16) | sequence) >>> 0, (ECHO_DOMAIN << 16) | tag]);
}

class EchoTemplate implements ProbeTemplate {
  readonly module = icmpEcho;
  readonly flow: ProbeFlow;
  readonly protocol: number;
  private readonly key: CookieKey;
  private readonly bytes: Buffer;
  private readonly header: NetworkHeaderTemplate;
  /** Where the echo message starts. */
  private readonly at: number;
  /** The echo types of the flow's family. */
  private readonly types: { request: number; reply: number };
  /** Sum of the message with sequence, cookie and checksum zero, and (ICMPv6) of its pseudo-header. */
  private readonly baseSum: number;
  /** Address words, then the identifier/sequence and domain/tag slots filled per use. */
  private readonly words: number[];

  constructor(flow: ProbeFlow, key: CookieKey) {
    this.flow = flow;
    this.key = key;
    const family = flow.destination.family;
    this.protocol = controlProtocolOf(family);
    this.types = echoTypes(family);
    // Over IPv6 the same flow label as the SYNs of this target (flowLabelOf ignores the kind).
    this.header = networkHeaderTemplate({ source: flow.source, destination: flow.destination, protocol: this.protocol, payloadLength: ECHO_MESSAGE_BYTES, flowLabel: flowLabelOf(key, flow) });
    const at = this.header.length;
    const bytes = Buffer.alloc(at + ECHO_MESSAGE_BYTES);
    this.header.write(bytes);
    bytes[at] = this.types.request;
    bytes.writeUInt16BE(flow.flowId, at + 4);
    MARKER.copy(bytes, at + ICMP_HEADER + 4);
    this.bytes = bytes;
    this.at = at;
    this.baseSum = onesComplementSum(bytes, at, bytes.length, controlChecksumBase(flow.source, flow.destination, ECHO_MESSAGE_BYTES));
    this.words = [...addressWords(flow.destination), 0, 0];
  }

  cookieFor(sequence: number, tag: number): number {
    const words = this.words;
    words[words.length - 2] = ((this.flow.flowId << 16) | sequence) >>> 0;
    words[words.length - 1] = ((ECHO_DOMAIN << 16) | tag) >>> 0;
    return cookie(this.key, words);
  }

  build(sequence: number, ttl: number, ipId: number, tag: number): Buffer {
    const packet = Buffer.from(this.bytes);
    this.header.patch(packet, ttl, ipId);
    const at = this.at;
    const carried = this.cookieFor(sequence, tag);
    packet.writeUInt16BE(sequence, at + 6);
    packet.writeUInt32BE(carried, at + ICMP_HEADER);
    const sum = this.baseSum + sequence + (carried >>> 16) + (carried & 0xffff);
    packet.writeUInt16BE(finishChecksum(sum), at + 2);
    return packet;
  }

  /** An echo reply from the target to us, with our identifier, a sequence sent, and the cookie of one of its tags. */
  matchReply(ip: NetworkHeader, payload: Buffer, sentTags: SentTags): ProbeMatch {
    if (ip.source !== this.flow.destination.text || ip.destination !== this.flow.source.text) return UNRELATED;
    if (familyOf(ip) !== this.flow.destination.family) return UNRELATED;
    const decoded = decodeControlMessage(ip, payload);
    if (!decoded.ok || decoded.value.type !== this.types.reply || decoded.value.echo === null) return UNRELATED;
    const { identifier, sequence, data } = decoded.value.echo;
    if (identifier !== this.flow.flowId) return UNRELATED;
    return this.matchCookie(sequence, data, sentTags, NO_COOKIE);
  }

  /**
   * The quoted echo request: addresses, type, identifier, and the cookie in
   * its data. RFC 792 quotes only 8 bytes after the IP header, which leaves
   * out the cookie: such a quote proves nothing and is refused (ICMPv6
   * errors quote up to 1280 bytes, so the cookie is always there).
   */
  matchQuote(quoted: NetworkHeader, transport: Buffer, sentTags: SentTags): ProbeMatch {
    if (quoted.source !== this.flow.source.text || quoted.destination !== this.flow.destination.text) return UNRELATED;
    if (transport.length < ICMP_HEADER || transport[0] !== this.types.request || transport.readUInt16BE(4) !== this.flow.flowId) return UNRELATED;
    if (transport.length < ICMP_HEADER + 4) return SHORT_QUOTE;
    return this.matchCookie(transport.readUInt16BE(6), transport.subarray(ICMP_HEADER), sentTags, QUOTE_NO_COOKIE);
  }

  /** No variant: an echo carries nothing a middlebox rewrites beyond the IP header. */
  forTrace(): ProbeTemplate {
    return this;
  }

  compareQuote(sent: Buffer, quoted: QuotedPacket, ttlLeft: number): QuoteComparison {
    return compareIpQuote(sent, quoted, ttlLeft);
  }

  private matchCookie(sequence: number, data: Buffer, sentTags: SentTags, failure: ProbeMatch): ProbeMatch {
    const tags = sentTags(sequence);
    if (tags === null) return { status: 'invalid', reason: `echo sequence ${sequence} was not sent` };
    if (data.length < 4) return failure;
    const carried = data.readUInt32BE(0);
    for (const tag of tags) {
      if (carried === this.cookieFor(sequence, tag)) return { status: 'match', subject: sequence, tag, kind: 'echo-reply' };
    }
    return failure;
  }
}

const NO_COOKIE: ProbeMatch = { status: 'invalid', reason: 'echo reply without our cookie' };
const QUOTE_NO_COOKIE: ProbeMatch = { status: 'invalid', reason: 'quoted echo without our cookie' };
const SHORT_QUOTE: ProbeMatch = { status: 'invalid', reason: 'quoted echo too short to hold our cookie' };

export const icmpEcho: ProbeModule = {
  name: 'icmp-echo',
  /** IPv4's number; over IPv6 the flow's template says 58 (ICMPv6). */
  protocol: IpProtocol.ICMP,
  prepare: (flow, key) => new EchoTemplate(flow, key),
};
