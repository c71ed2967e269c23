import { addressWords } from '../packet/address.js';
import { internetChecksum } from '../packet/checksum.js';
import { decodeIcmp, IcmpType, writeIcmpEcho } from '../packet/icmp.js';
import { IpProtocol, writeIPv4Header } from '../packet/ipv4.js';
import type { NetworkHeader } from '../packet/network.js';
import { cookie, type CookieKey } from './cookie.js';
import { UNRELATED, type ProbeFlow, type ProbeMatch, type ProbeModule, type ProbeTemplate, type QuoteComparison, type QuotedPacket, type SentTags } from './module.js';
import { compareIpQuote } from './quote-compare.js';

/**
 * The ICMP echo probe: an echo request with the flow identifier as ICMP
 * identifier and the subject as sequence number, whose data starts with a
 * keyed cookie of (target, identifier, sequence, tag); a reply, or the copy
 * an ICMP error quotes, counts only with that cookie. Subject: the sequence
 * number.
 */

const IP_HEADER = 20;
const ICMP_HEADER = 8;
/** A visible marker after the cookie, so a capture shows whose echo this is. */
const MARKER = Buffer.from('ttl-probe   ', 'latin1');
export const ECHO_DATA_BYTES = 4 + MARKER.length;
const ECHO_PACKET_BYTES = IP_HEADER + ICMP_HEADER + ECHO_DATA_BYTES;

/** Separates echo cookies from SYN cookies under the same key. */
const ECHO_DOMAIN = 0xec40;

/** The cookie an echo of `flow` with `sequence` and `tag` carries: HalfSipHash of the destination's address words, identifier and sequence, domain and tag. */
export function echoCookie(key: CookieKey, flow: ProbeFlow, sequence: number, tag = 0): number {
  return cookie(key, [...addressWords(flow.destination), ((flow.flowId << 16) | sequence) >>> 0, (ECHO_DOMAIN << 16) | tag]);
}

class EchoTemplate implements ProbeTemplate {
  readonly module = icmpEcho;
  readonly flow: ProbeFlow;
  private readonly key: CookieKey;
  private readonly bytes: Buffer;
  /** Address words, then the identifier/sequence and domain/tag slots filled per use. */
  private readonly words: number[];

  constructor(flow: ProbeFlow, key: CookieKey) {
    if (flow.source.family !== 4 || flow.destination.family !== 4) {
      throw new TypeError(`the ICMP echo probe sends IPv4 only for now (${flow.source.text} -> ${flow.destination.text})`);
    }
    this.flow = flow;
    this.key = key;
    const bytes = Buffer.alloc(ECHO_PACKET_BYTES);
    writeIPv4Header(bytes, 0, { id: 0, ttl: 0, protocol: IpProtocol.ICMP, source: flow.source.text, destination: flow.destination.text, totalLength: ECHO_PACKET_BYTES });
    const data = Buffer.alloc(ECHO_DATA_BYTES);
    MARKER.copy(data, 4);
    writeIcmpEcho(bytes, IP_HEADER, { identifier: flow.flowId, sequence: 0, data });
    this.bytes = bytes;
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
    packet.writeUInt16BE(ipId, 4);
    packet[8] = ttl;
    packet.writeUInt16BE(0, 10);
    packet.writeUInt16BE(internetChecksum(packet, 0, IP_HEADER), 10);
    packet.writeUInt16BE(sequence, IP_HEADER + 6);
    packet.writeUInt32BE(this.cookieFor(sequence, tag), IP_HEADER + ICMP_HEADER);
    packet.writeUInt16BE(0, IP_HEADER + 2);
    packet.writeUInt16BE(internetChecksum(packet, IP_HEADER, ECHO_PACKET_BYTES), IP_HEADER + 2);
    return packet;
  }

  /** An echo reply from the target to us, with our identifier, a sequence sent, and the cookie of one of its tags. */
  matchReply(ip: NetworkHeader, payload: Buffer, sentTags: SentTags): ProbeMatch {
    if (ip.source !== this.flow.destination.text || ip.destination !== this.flow.source.text) return UNRELATED;
    const decoded = decodeIcmp(payload);
    if (!decoded.ok || decoded.value.type !== IcmpType.ECHO_REPLY || decoded.value.echo === null) return UNRELATED;
    const { identifier, sequence, data } = decoded.value.echo;
    if (identifier !== this.flow.flowId) return UNRELATED;
    return this.matchCookie(sequence, data, sentTags, NO_COOKIE);
  }

  /**
   * The quoted echo request: addresses, type, identifier, and the cookie in
   * its data. RFC 792 quotes only 8 bytes after the IP header, which leaves
   * out the cookie: such a quote proves nothing and is refused.
   */
  matchQuote(quoted: NetworkHeader, transport: Buffer, sentTags: SentTags): ProbeMatch {
    if (quoted.source !== this.flow.source.text || quoted.destination !== this.flow.destination.text) return UNRELATED;
    if (transport.length < ICMP_HEADER || transport[0] !== IcmpType.ECHO_REQUEST || transport.readUInt16BE(4) !== this.flow.flowId) return UNRELATED;
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
  protocol: IpProtocol.ICMP,
  prepare: (flow, key) => new EchoTemplate(flow, key),
};
