import { decodeIcmp, IcmpType } from '../packet/icmp.js';
import { decodeIPv4, IpProtocol } from '../packet/ipv4.js';
import { decodeTcp, decodeTcpPrefix } from '../packet/tcp.js';

/**
 * The facts the analysis needs about one IPv4 packet, whether it was decoded
 * from bytes (pcap, pcapng: through src/packet) or parsed from tcpdump text.
 */
export interface DecodedPacket {
  timestampMs: number;
  source: string;
  destination: string;
  /** The same addresses as unsigned 32-bit numbers (for hashing without building strings). */
  sourceValue: number;
  destinationValue: number;
  ttl: number;
  protocol: number;
  /** A fragment other than the first: it carries no transport header. */
  laterFragment: boolean;
  /** Set for TCP (protocol 6) when the header was decoded. */
  tcp: DecodedTcp | null;
  /** Set for ICMP (protocol 1) when the header was decoded. */
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

/** The start of the datagram an ICMP error quotes. */
export interface QuotedDatagram {
  source: string;
  destination: string;
  sourceValue: number;
  destinationValue: number;
  /** TTL left in the datagram when the error's sender received it. */
  ttl: number;
  protocol: number;
  /** For quoted TCP/UDP with at least 8 bytes after the IP header; otherwise null. */
  sourcePort: number | null;
  destinationPort: number | null;
  /** Quoted TCP sequence number, when known. */
  sequence: number | null;
}

function emptyPacket(): DecodedPacket {
  return {
    timestampMs: 0,
    source: '',
    destination: '',
    sourceValue: 0,
    destinationValue: 0,
    ttl: 0,
    protocol: 0,
    laterFragment: false,
    tcp: null,
    icmp: null,
  };
}

/**
 * Decodes IPv4 packet bytes into a DecodedPacket with decodeIPv4, decodeTcp,
 * decodeIcmp and decodeTcpPrefix. To allocate nothing of its own per packet,
 * it fills the same `packet` object (and its tcp/icmp/quote objects) on every
 * call: read what you need before the next call, copy what you keep.
 */
export class PacketDecoder {
  readonly packet: DecodedPacket = emptyPacket();
  /** Why the last decode failed (for tests and debugging). */
  lastError = '';
  private readonly tcp: DecodedTcp = { sourcePort: 0, destinationPort: 0, sequence: null, acknowledgment: null, flags: 0 };
  private readonly icmp: DecodedIcmp = { type: 0, code: 0, identifier: null, sequence: null, quote: null };
  private readonly quote: QuotedDatagram = {
    source: '',
    destination: '',
    sourceValue: 0,
    destinationValue: 0,
    ttl: 0,
    protocol: 0,
    sourcePort: null,
    destinationPort: null,
    sequence: null,
  };

  /**
   * Decodes `bytes` (an IPv4 packet). `snapped`: the capture cut the frame
   * short, so a total length beyond the bytes is accepted. Returns false when
   * the IPv4 header, or the TCP/ICMP header of a first fragment, does not
   * decode (the packet counts as undecodable).
   */
  decode(timestampMs: number, bytes: Buffer, snapped: boolean): boolean {
    const ip = decodeIPv4(bytes, snapped ? { allowTruncated: true } : undefined);
    if (!ip.ok) {
      this.lastError = ip.reason;
      return false;
    }
    const { header, payload } = ip.value;
    const packet = this.packet;
    packet.timestampMs = timestampMs;
    packet.source = header.source;
    packet.destination = header.destination;
    // The address fields decodeIPv4 read (it checked the header is there), as numbers.
    packet.sourceValue = bytes.readUInt32BE(12);
    packet.destinationValue = bytes.readUInt32BE(16);
    packet.ttl = header.ttl;
    packet.protocol = header.protocol;
    packet.laterFragment = header.fragmentOffset !== 0;
    packet.tcp = null;
    packet.icmp = null;
    if (packet.laterFragment) return true;
    if (header.protocol === IpProtocol.TCP) {
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
      packet.tcp = tcp;
    } else if (header.protocol === IpProtocol.ICMP) {
      const decoded = decodeIcmp(payload);
      if (!decoded.ok) {
        this.lastError = decoded.reason;
        return false;
      }
      const message = decoded.value;
      const icmp = this.icmp;
      icmp.type = message.type;
      icmp.code = message.code;
      icmp.identifier = message.echo?.identifier ?? null;
      icmp.sequence = message.echo?.sequence ?? null;
      icmp.quote = null;
      if (message.quote !== null && message.type !== IcmpType.ECHO_REPLY) {
        const quote = this.quote;
        const quoted = message.quote.header;
        quote.source = quoted.source;
        quote.destination = quoted.destination;
        // The quoted header starts 8 bytes into the ICMP message (decodeIcmp decoded it there).
        quote.sourceValue = payload.readUInt32BE(8 + 12);
        quote.destinationValue = payload.readUInt32BE(8 + 16);
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
}

/** A deep copy of a decoded packet (for keeping one beyond the decoder's next call). */
export function copyPacket(packet: DecodedPacket): DecodedPacket {
  return {
    ...packet,
    tcp: packet.tcp && { ...packet.tcp },
    icmp: packet.icmp && { ...packet.icmp, quote: packet.icmp.quote && { ...packet.icmp.quote } },
  };
}
