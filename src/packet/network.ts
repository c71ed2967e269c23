import { addressSum, type Address } from './address.js';
import { decodeIcmp, IcmpType, type IcmpMessage } from './icmp.js';
import { decodeIPv4, IpProtocol, type IPv4Header, type IPv4Packet } from './ipv4.js';
import { decodeIPv6, type IPv6Header, type IPv6Packet } from './ipv6.js';
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

/**
 * Decodes the control message (ICMP for IPv4) a packet carries. ICMPv6 is
 * not decoded yet (IPv6 probing is the next step): it fails with that reason.
 */
export function decodeControlMessage(header: NetworkHeader, payload: Buffer): Decoded<IcmpMessage> {
  if (header.version === 4) return decodeIcmp(payload);
  return failed('ICMPv6 messages are not decoded yet');
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

/** What an ICMP error says about the packet it quotes, for the errors a probe's fate is read from. */
export type ControlError = 'unreachable' | 'time-exceeded';

/** The meaning of control message `type` in this family: destination unreachable, time exceeded, or null for any other. */
export function controlError(header: NetworkHeader, type: number): ControlError | null {
  if (header.version === 4) {
    if (type === IcmpType.DEST_UNREACHABLE) return 'unreachable';
    if (type === IcmpType.TIME_EXCEEDED) return 'time-exceeded';
    return null;
  }
  // ICMPv6 (RFC 4443): 1 destination unreachable, 3 time exceeded.
  if (type === 1) return 'unreachable';
  if (type === 3) return 'time-exceeded';
  return null;
}
