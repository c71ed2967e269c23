import { decodeIcmp, IcmpType } from '../packet/icmp.js';
import { decodeIcmpv6, Icmpv6Type } from '../packet/icmpv6.js';
import { decodeIPv4, IpProtocol } from '../packet/ipv4.js';
import { decodeIPv6 } from '../packet/ipv6.js';
import { ICMPV6_PROTOCOL } from '../packet/network.js';
import { decodeTcp, decodeTcpPrefix } from '../packet/tcp.js';

/**
 * The facts the analysis needs about one IPv4 or IPv6 packet, whether it was
 * decoded from bytes (pcap, pcapng: through src/packet) or parsed from
 * tcpdump text.
 */
export interface DecodedPacket {
  timestampMs: number;
  /** 4 or 6. */
  family: 4 | 6;
  source: string;
  destination: string;
  /**
   * The addresses as unsigned 32-bit numbers, for hashing without building
   * strings: IPv4 the address itself, IPv6 a digest of its 128 bits
   * (ipv6Digest), which `addressWords` makes exact.
   */
  sourceValue: number;
  destinationValue: number;
  /** IPv6: the two addresses as 8 big-endian 32-bit words (source in 0-3, destination in 4-7); IPv4: null. */
  addressWords: Uint32Array | null;
  /** The TTL, or the IPv6 hop limit. */
  ttl: number;
  /** IPv4's protocol; IPv6's upper-layer next header (after hop-by-hop, routing, destination options and fragment headers). */
  protocol: number;
  /** A fragment other than the first: it carries no transport header. */
  laterFragment: boolean;
  /** Set for TCP (protocol 6) when the header was decoded. */
  tcp: DecodedTcp | null;
  /** Set for ICMP (protocol 1 over IPv4) or ICMPv6 (58 over IPv6) when the header was decoded. */
  icmp: DecodedIcmp | null;
}

export interface DecodedTcp {
  sourcePort: number;
  destinationPort: number;
  /** Absolute sequence number; null when unknown (tcpdump text printing relative numbers). */
  sequence: number | null;
  /** Absolute acknowledgment number (only meaningful with the ACK flag); null when unknown. */
  acknowledgment: number | null;
  /** The 8 flag bits (see TcpFlag in src/packet/tcp.ts). */
  flags: number;
}

export interface DecodedIcmp {
  type: number;
  code: number;
  /** Echo request/reply identifier and sequence; null for other types (or unknown in old tcpdump text). */
  identifier: number | null;
  sequence: number | null;
  /** The datagram an ICMP error quotes; null for other types or when it did not decode. */
  quote: QuotedDatagram | null;
}

/** The start of the datagram an ICMP (ICMPv6) error quotes. */
export interface QuotedDatagram {
  source: string;
  destination: string;
  sourceValue: number;
  destinationValue: number;
  /** As DecodedPacket.addressWords. */
  addressWords: Uint32Array | null;
  /**
   * tcpdump text of an ICMPv6 error, which names only the quoted destination
   * (and, for port unreachable, its port): `source` is then the error's own
   * destination (where errors go) and the ports and sequence are unknown.
   */
  partial: boolean;
  /** TTL left in the datagram when the error's sender received it. */
  ttl: number;
  protocol: number;
  /** For quoted TCP/UDP with at least 8 bytes after the IP header; otherwise null. */
  sourcePort: number | null;
  destinationPort: number | null;
  /** Quoted TCP sequence number, when known. */
  sequence: number | null;
}

/** Hop-by-hop, routing, fragment and destination options: the extension headers walked to the upper layer. */
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DESTINATION_OPTIONS = 60;
/** Extension headers walked at most (a hostile chain cannot make the walk long). */
const MAX_EXTENSIONS = 8;

/**
 * A 32-bit digest of the IPv6 address in words[at, at + 4): what the flow
 * table hashes and compares first (equal addresses, equal digests; the words
 * decide when digests are equal).
 */
export function ipv6Digest(words: Uint32Array, at: number): number {
  let h = Math.imul(words[at]! ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ words[at + 1]!, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ words[at + 2]!, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ words[at + 3]!, 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Reads the two 16-byte addresses at bytes[offset, offset + 32) into words[0, 8). */
function readAddressWords(bytes: Buffer, offset: number, words: Uint32Array): void {
  for (let i = 0; i < 8; i++) words[i] = bytes.readUInt32BE(offset + 4 * i);
}

function emptyPacket(): DecodedPacket {
  return {
    timestampMs: 0,
    family: 4,
    source: '',
    destination: '',
    sourceValue: 0,
    destinationValue: 0,
    addressWords: null,
    ttl: 0,
    protocol: 0,
    laterFragment: false,
    tcp: null,
    icmp: null,
  };
}

/**
 * Decodes IPv4 or IPv6 packet bytes (by the version nibble) into a
 * DecodedPacket with src/packet's codecs. To allocate nothing of its own per packet,
 * it fills the same `packet` object (and its tcp/icmp/quote objects) on every
 * call: read what you need before the next call, copy what you keep.
 */
export class PacketDecoder {
  readonly packet: DecodedPacket = emptyPacket();
  /** Why the last decode failed (for tests and debugging). */
  lastError = '';
  private readonly words = new Uint32Array(8);
  private readonly quoteWords = new Uint32Array(8);
  private readonly tcp: DecodedTcp = { sourcePort: 0, destinationPort: 0, sequence: null, acknowledgment: null, flags: 0 };
  private readonly icmp: DecodedIcmp = { type: 0, code: 0, identifier: null, sequence: null, quote: null };
  private readonly quote: QuotedDatagram = {
    source: '',
    destination: '',
    sourceValue: 0,
    destinationValue: 0,
    addressWords: null,
    partial: false,
    ttl: 0,
    protocol: 0,
    sourcePort: null,
    destinationPort: null,
    sequence: null,
  };

  /**
   * Decodes `bytes` (an IPv4 or IPv6 packet). `snapped`: the capture cut the
   * frame short, so a total length beyond the bytes is accepted. Returns
   * false when the IP header, or the TCP/ICMP header of a first fragment,
   * does not decode (the packet counts as undecodable).
   */
  decode(timestampMs: number, bytes: Buffer, snapped: boolean): boolean {
    if (bytes.length > 0 && bytes[0]! >>> 4 === 6) return this.decode6(timestampMs, bytes, snapped);
    const ip = decodeIPv4(bytes, snapped ? { allowTruncated: true } : undefined);
    if (!ip.ok) {
      this.lastError = ip.reason;
      return false;
    }
    const { header, payload } = ip.value;
    const packet = this.packet;
    packet.timestampMs = timestampMs;
    packet.family = 4;
    packet.source = header.source;
    packet.destination = header.destination;
    // The address fields decodeIPv4 read (it checked the header is there), as numbers.
    packet.sourceValue = bytes.readUInt32BE(12);
    packet.destinationValue = bytes.readUInt32BE(16);
    packet.addressWords = null;
    packet.ttl = header.ttl;
    packet.protocol = header.protocol;
    packet.laterFragment = header.fragmentOffset !== 0;
    packet.tcp = null;
    packet.icmp = null;
    if (packet.laterFragment) return true;
    if (header.protocol === IpProtocol.TCP) {
      return this.decodeTcp(payload);
    } else if (header.protocol === IpProtocol.ICMP) {
      const decoded = decodeIcmp(payload);
      if (!decoded.ok) {
        this.lastError = decoded.reason;
        return false;
      }
      const message = decoded.value;
      const icmp = this.icmpHeader(message);
      if (message.quote !== null && message.type !== IcmpType.ECHO_REPLY) {
        const quote = this.quote;
        const quoted = message.quote.header;
        quote.source = quoted.source;
        quote.destination = quoted.destination;
        // The quoted header starts 8 bytes into the ICMP message (decodeIcmp decoded it there).
        quote.sourceValue = payload.readUInt32BE(8 + 12);
        quote.destinationValue = payload.readUInt32BE(8 + 16);
        quote.addressWords = null;
        quote.partial = false;
        quote.ttl = quoted.ttl;
        quote.protocol = quoted.protocol;
        quote.sourcePort = null;
        quote.destinationPort = null;
        quote.sequence = null;
        if (quoted.fragmentOffset === 0 && (quoted.protocol === IpProtocol.TCP || quoted.protocol === IpProtocol.UDP)) {
          const prefix = decodeTcpPrefix(message.quote.transport);
          if (prefix.ok) {
            quote.sourcePort = prefix.value.sourcePort;
            quote.destinationPort = prefix.value.destinationPort;
            if (quoted.protocol === IpProtocol.TCP) quote.sequence = prefix.value.sequence;
          }
        }
        icmp.quote = quote;
      }
      packet.icmp = icmp;
    }
    return true;
  }

  /** Fills the reused ICMP or ICMPv6 record with a message's type, code and echo fields; its quote is the caller's. */
  private icmpHeader(message: { type: number; code: number; echo?: { identifier: number; sequence: number } | null }): DecodedIcmp {
    const icmp = this.icmp;
    icmp.type = message.type;
    icmp.code = message.code;
    icmp.identifier = message.echo?.identifier ?? null;
    icmp.sequence = message.echo?.sequence ?? null;
    icmp.quote = null;
    return icmp;
  }

  private decodeTcp(payload: Buffer): boolean {
    const decoded = decodeTcp(payload);
    if (!decoded.ok) {
      this.lastError = decoded.reason;
      return false;
    }
    const segment = decoded.value;
    const tcp = this.tcp;
    tcp.sourcePort = segment.sourcePort;
    tcp.destinationPort = segment.destinationPort;
    tcp.sequence = segment.sequence;
    tcp.acknowledgment = segment.acknowledgment;
    tcp.flags = segment.flags;
    this.packet.tcp = tcp;
    return true;
  }

  private decode6(timestampMs: number, bytes: Buffer, snapped: boolean): boolean {
    const ip = decodeIPv6(bytes, snapped ? { allowTruncated: true } : undefined);
    if (!ip.ok) {
      this.lastError = ip.reason;
      return false;
    }
    const { header } = ip.value;
    const packet = this.packet;
    const words = this.words;
    readAddressWords(bytes, 8, words);
    packet.timestampMs = timestampMs;
    packet.family = 6;
    packet.source = header.source;
    packet.destination = header.destination;
    packet.sourceValue = ipv6Digest(words, 0);
    packet.destinationValue = ipv6Digest(words, 4);
    packet.addressWords = words;
    packet.ttl = header.hopLimit;
    packet.laterFragment = false;
    packet.tcp = null;
    packet.icmp = null;
    // Walk the extension headers to the upper layer (RFC 8200 section 4).
    let next = header.nextHeader;
    let payload = ip.value.payload;
    for (let i = 0; i < MAX_EXTENSIONS; i++) {
      if (next !== HOP_BY_HOP && next !== ROUTING && next !== DESTINATION_OPTIONS && next !== FRAGMENT) break;
      if (payload.length < 8) {
        this.lastError = `truncated IPv6 extension header ${next} (${payload.length} < 8 bytes)`;
        return false;
      }
      const length = next === FRAGMENT ? 8 : (payload[1]! + 1) * 8;
      if (length > payload.length) {
        this.lastError = `truncated IPv6 extension header ${next} (${payload.length} < ${length} bytes)`;
        return false;
      }
      if (next === FRAGMENT && (payload.readUInt16BE(2) & 0xfff8) !== 0) packet.laterFragment = true;
      next = payload[0]!;
      payload = payload.subarray(length);
    }
    packet.protocol = next;
    if (packet.laterFragment) return true;
    if (next === IpProtocol.TCP) return this.decodeTcp(payload);
    if (next !== ICMPV6_PROTOCOL) return true;
    const decoded = decodeIcmpv6(payload);
    if (!decoded.ok) {
      this.lastError = decoded.reason;
      return false;
    }
    const message = decoded.value;
    const icmp = this.icmpHeader(message);
    if (message.quote !== null && message.type !== Icmpv6Type.ECHO_REPLY) {
      const quote = this.quote;
      const quoted = message.quote.header;
      const quoteWords = this.quoteWords;
      // The quoted header starts 8 bytes into the ICMPv6 message; its addresses 8 bytes into it.
      readAddressWords(payload, 8 + 8, quoteWords);
      quote.source = quoted.source;
      quote.destination = quoted.destination;
      quote.sourceValue = ipv6Digest(quoteWords, 0);
      quote.destinationValue = ipv6Digest(quoteWords, 4);
      quote.addressWords = quoteWords;
      quote.partial = false;
      quote.ttl = quoted.hopLimit;
      quote.protocol = quoted.nextHeader;
      quote.sourcePort = null;
      quote.destinationPort = null;
      quote.sequence = null;
      if (quoted.nextHeader === IpProtocol.TCP || quoted.nextHeader === IpProtocol.UDP) {
        const prefix = decodeTcpPrefix(message.quote.transport);
        if (prefix.ok) {
          quote.sourcePort = prefix.value.sourcePort;
          quote.destinationPort = prefix.value.destinationPort;
          if (quoted.nextHeader === IpProtocol.TCP) quote.sequence = prefix.value.sequence;
        }
      }
      icmp.quote = quote;
    }
    packet.icmp = icmp;
    return true;
  }
}

/** The 8 address words (DecodedPacket.addressWords) of two IPv6 addresses given as 16 bytes each (for the text reader). */
export function ipv6AddressWords(source: Uint8Array, destination: Uint8Array): Uint32Array {
  const words = new Uint32Array(8);
  for (let i = 0; i < 4; i++) {
    words[i] = ((source[4 * i]! << 24) | (source[4 * i + 1]! << 16) | (source[4 * i + 2]! << 8) | source[4 * i + 3]!) >>> 0;
    words[4 + i] = ((destination[4 * i]! << 24) | (destination[4 * i + 1]! << 16) | (destination[4 * i + 2]! << 8) | destination[4 * i + 3]!) >>> 0;
  }
  return words;
}

/** A deep copy of a decoded packet (for keeping one beyond the decoder's next call). */
export function copyPacket(packet: DecodedPacket): DecodedPacket {
  return {
    ...packet,
    addressWords: packet.addressWords && packet.addressWords.slice(),
    tcp: packet.tcp && { ...packet.tcp },
    icmp: packet.icmp && {
      ...packet.icmp,
      quote: packet.icmp.quote && { ...packet.icmp.quote, addressWords: packet.icmp.quote.addressWords && packet.icmp.quote.addressWords.slice() },
    },
  };
}
