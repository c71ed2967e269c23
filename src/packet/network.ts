import { addressSum, type Address } from './address.js';
import { onesComplementSum, finishChecksum } from './checksum.js';
import { decodeIcmp, icmpDescription, IcmpType, type IcmpMessage } from './icmp.js';
import { decodeIcmpv6, icmpv6Description, Icmpv6Type, type Icmpv6Message } from './icmpv6.js';
import { decodeIPv4, IpProtocol, writeIPv4Header, type IPv4Header, type IPv4Packet } from './ipv4.js';
import { decodeIPv6, IPV6_HEADER_BYTES, writeIPv6Header, type IPv6Header, type IPv6Packet } from './ipv6.js';
import { failed, type Decoded } from './result.js';

/**
 * The network layer of either family, for code above the codecs that must
 * not know which one a packet uses: decode by the version nibble, read the
 * fields both have, and supply the upper layer's pseudo-header sum.
 */

export type NetworkHeader = IPv4Header | IPv6Header;
export type NetworkPacket = IPv4Packet | IPv6Packet;

/** IPv6 next-header value of ICMPv6. */
export const ICMPV6_PROTOCOL = 58;

/** Decodes an IPv4 or IPv6 packet by its version nibble (see decodeIPv4, decodeIPv6). */
export function decodeNetwork(buf: Buffer): Decoded<NetworkPacket> {
  if (buf.length === 0) return failed('empty packet');
  const version = buf[0]! >>> 4;
  if (version === 4) return decodeIPv4(buf);
  if (version === 6) return decodeIPv6(buf);
  return failed(`invalid IP version (${version})`);
}

/** The upper-layer protocol: IPv4's protocol field, IPv6's (first) next header. */
export function upperProtocol(header: NetworkHeader): number {
  return header.version === 4 ? header.protocol : header.nextHeader;
}

/** The TTL or hop limit the packet arrived with. */
export function arrivalTtl(header: NetworkHeader): number {
  return header.version === 4 ? header.ttl : header.hopLimit;
}

/** IPv4's identification field; IPv6 has none in its fixed header (0). */
export function identification(header: NetworkHeader): number {
  return header.version === 4 ? header.id : 0;
}

/** A fragment (not the whole datagram): IPv4's MF flag or offset; an IPv6 Fragment header (44) first. */
export function isFragment(header: NetworkHeader): boolean {
  return header.version === 4 ? header.fragmentOffset !== 0 || header.moreFragments : header.nextHeader === 44;
}

/** The protocol number of this family's control messages (ICMP, ICMPv6). */
export function controlProtocol(header: NetworkHeader): number {
  return header.version === 4 ? IpProtocol.ICMP : ICMPV6_PROTOCOL;
}

/** A control message of either family: ICMP (quoting IPv4) or ICMPv6 (quoting IPv6). */
export type ControlMessage = IcmpMessage | Icmpv6Message;

/** Decodes the control message (ICMP for IPv4, ICMPv6 for IPv6) a packet carries. */
export function decodeControlMessage(header: NetworkHeader, payload: Buffer): Decoded<ControlMessage> {
  if (header.version === 4) return decodeIcmp(payload);
  return decodeIcmpv6(payload);
}

/** The family of a header. */
export function familyOf(header: NetworkHeader): 4 | 6 {
  return header.version;
}

/** The protocol number of `family`'s control messages: ICMP (1) or ICMPv6 (58). */
export function controlProtocolOf(family: 4 | 6): number {
  return family === 4 ? IpProtocol.ICMP : ICMPV6_PROTOCOL;
}

/** How reports name the field a probe's distance rests on: IPv4's TTL, IPv6's hop limit. */
export interface TtlWords {
  word: string;
  Word: string;
  plural: string;
  limited: string;
}

export function ttlWords(family: 4 | 6): TtlWords {
  return family === 4 ? TTL_WORDS_4 : TTL_WORDS_6;
}
const TTL_WORDS_4: TtlWords = { word: 'TTL', Word: 'TTL', plural: 'TTLs', limited: 'TTL-limited' };
const TTL_WORDS_6: TtlWords = { word: 'hop limit', Word: 'Hop limit', plural: 'hop limits', limited: 'hop-limited' };

/** The echo request and echo reply types of `family`'s control protocol (ICMP 8/0, ICMPv6 128/129). */
export function echoTypes(family: 4 | 6): { request: number; reply: number } {
  return family === 4 ? ECHO_TYPES_4 : ECHO_TYPES_6;
}
const ECHO_TYPES_4 = { request: IcmpType.ECHO_REQUEST, reply: IcmpType.ECHO_REPLY } as const;
const ECHO_TYPES_6 = { request: Icmpv6Type.ECHO_REQUEST, reply: Icmpv6Type.ECHO_REPLY } as const;

/** The destination-unreachable type of `family`'s control protocol (ICMP 3, ICMPv6 1). */
export function unreachableType(family: 4 | 6): number {
  return family === 4 ? IcmpType.DEST_UNREACHABLE : Icmpv6Type.DEST_UNREACHABLE;
}

/**
 * The sum a control message's checksum starts from: nothing for ICMP,
 * the IPv6 pseudo-header for ICMPv6 (RFC 4443 section 2.3), which unlike
 * ICMP covers the addresses.
 */
export function controlChecksumBase(source: Address, destination: Address, length: number): number {
  return source.family === 4 ? 0 : pseudoHeaderSum(source, destination, ICMPV6_PROTOCOL, length);
}

/** The one-line meaning of a control message of `family` (icmpDescription, icmpv6Description). */
export function controlDescription(family: 4 | 6, type: number, code: number): string {
  return family === 4 ? icmpDescription(type, code) : icmpv6Description(type, code);
}

/** The fields of a probe's network header that stay constant over a flow. */
export interface NetworkHeaderFields {
  source: Address;
  destination: Address;
  protocol: number;
  /** Bytes after the network header. */
  payloadLength: number;
  /** IPv4 only: set DF. */
  dontFragment?: boolean;
  /** IPv6 only: the flow label (20 bits); IPv4 has none. */
  flowLabel?: number;
}

/**
 * A probe's network header written once and patched per probe, for either
 * family: the only place a probe module's packets learn their family's
 * layout. `patch` sets the TTL / hop limit and (IPv4) the identification
 * with its header checksum, as plain byte stores: it runs once per probe.
 */
export interface NetworkHeaderTemplate {
  readonly family: 4 | 6;
  /** Bytes of the header: where the upper layer starts. */
  readonly length: number;
  /** Writes the constant header (TTL and IP ID zero) at the start of `out`. */
  write(out: Buffer): void;
  /** Sets the TTL (hop limit) and IPv4 identification of a packet made from write(). */
  patch(out: Buffer, ttl: number, ipId: number): void;
}

/** The header template of `fields`' family. Throws TypeError for addresses of two families (a programmer error). */
export function networkHeaderTemplate(fields: NetworkHeaderFields): NetworkHeaderTemplate {
  const { source, destination } = fields;
  if (source.family !== destination.family) throw new TypeError(`addresses of two families (${source.text}, ${destination.text})`);
  if (source.family === 4) {
    const header = Buffer.alloc(20);
    writeIPv4Header(header, 0, {
      id: 0, ttl: 0, dontFragment: fields.dontFragment === true, protocol: fields.protocol,
      source: source.text, destination: destination.text, totalLength: 20 + fields.payloadLength,
    });
    header.writeUInt16BE(0, 10);
    const baseSum = onesComplementSum(header, 0, 20);
    return {
      family: 4,
      length: 20,
      write: (out) => void header.copy(out, 0),
      patch(out, ttl, ipId) {
        out[4] = ipId >>> 8;
        out[5] = ipId & 0xff;
        out[8] = ttl;
        const checksum = finishChecksum(baseSum + ipId + (ttl << 8));
        out[10] = checksum >>> 8;
        out[11] = checksum & 0xff;
      },
    };
  }
  const header = Buffer.alloc(IPV6_HEADER_BYTES);
  writeIPv6Header(header, 0, {
    flowLabel: fields.flowLabel ?? 0, payloadLength: fields.payloadLength, nextHeader: fields.protocol, hopLimit: 0,
    source: source.text, destination: destination.text,
  });
  return {
    family: 6,
    length: IPV6_HEADER_BYTES,
    write: (out) => void header.copy(out, 0),
    // IPv6 has no identification and no header checksum: only the hop limit changes.
    patch(out, ttl) {
      out[7] = ttl;
    },
  };
}

/**
 * The pseudo-header sum an upper-layer checksum (TCP, UDP, ICMPv6) covers
 * for `length` bytes of `protocol` between two addresses of one family
 * (RFC 793 / RFC 8200 section 8.1). For lengths below 65536 both families
 * come to the same arithmetic over their address words.
 */
export function pseudoHeaderSum(source: Address, destination: Address, protocol: number, length: number): number {
  if (source.family !== destination.family) throw new TypeError(`addresses of two families (${source.text}, ${destination.text})`);
  const upperLength = source.family === 4 ? length & 0xffff : length >>> 0;
  return addressSum(source) + addressSum(destination) + (upperLength >>> 16) + (upperLength & 0xffff) + (protocol & 0xff);
}

/**
 * What an ICMP error says about the packet it quotes: destination
 * unreachable and time exceeded decide a probe's fate; 'no-verdict' errors
 * (ICMPv6 packet too big, parameter problem) quote a probe too but say
 * nothing about the port, so a quote of ours is counted as ignored.
 */
export type ControlError = 'unreachable' | 'time-exceeded' | 'no-verdict';

/** The meaning of control message `type` in this family, or null for a type that is not an error we read. */
export function controlError(header: NetworkHeader, type: number): ControlError | null {
  if (header.version === 4) {
    if (type === IcmpType.DEST_UNREACHABLE) return 'unreachable';
    if (type === IcmpType.TIME_EXCEEDED) return 'time-exceeded';
    return null;
  }
  // ICMPv6 (RFC 4443): 1 destination unreachable, 3 time exceeded.
  if (type === Icmpv6Type.DEST_UNREACHABLE) return 'unreachable';
  if (type === Icmpv6Type.TIME_EXCEEDED) return 'time-exceeded';
  if (type === Icmpv6Type.PACKET_TOO_BIG || type === Icmpv6Type.PARAMETER_PROBLEM) return 'no-verdict';
  return null;
}
