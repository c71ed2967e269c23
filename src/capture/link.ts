import { LinkType } from '../model/capture.js';

/** ipStart result: the frame carries neither IPv4 nor IPv6 (ARP, LLDP, ...). */
export const NOT_IP = -1;
/** ipStart result: the frame is too short for its link header, or the link type is not supported. */
export const UNDECODABLE = -2;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const AF_INET = 2;
/** AF_INET6 on FreeBSD/macOS (28, 30) and NetBSD/OpenBSD (24). */
const AF_INET6 = new Set([24, 28, 30]);

/** True for the link types ipStart understands. */
export function isSupportedLinkType(linkType: number): boolean {
  return (Object.values(LinkType) as number[]).includes(linkType);
}

/** Skips 802.1Q / 802.1ad tags (any depth) from `offset`, where an ethertype is. */
function afterVlanTags(buf: Buffer, offset: number, end: number): number {
  let type = (buf[offset]! << 8) | buf[offset + 1]!;
  let next = offset + 2;
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (next + 4 > end) return UNDECODABLE;
    type = (buf[next + 2]! << 8) | buf[next + 3]!;
    next += 4;
  }
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? next : NOT_IP;
}

/**
 * Index in `buf` where the IPv4 or IPv6 packet of the frame `buf[start, end)`
 * starts, or NOT_IP / UNDECODABLE. The family is the packet's version nibble
 * (the decoder reads it). Reads only inside [start, end), allocates nothing.
 */
export function ipStart(linkType: number, buf: Buffer, start: number, end: number): number {
  const length = end - start;
  switch (linkType) {
    case LinkType.ETHERNET:
      if (length < 14) return UNDECODABLE;
      return afterVlanTags(buf, start + 12, end);
    case LinkType.RAW:
    case LinkType.RAW_DLT12:
    case LinkType.RAW_DLT14: {
      if (length < 1) return UNDECODABLE;
      const version = buf[start]! >>> 4;
      return version === 4 || version === 6 ? start : UNDECODABLE;
    }
    case LinkType.IPV4:
    case LinkType.IPV6:
      return start;
    case LinkType.LINUX_SLL:
      if (length < 16) return UNDECODABLE;
      return afterVlanTags(buf, start + 14, end);
    case LinkType.LINUX_SLL2: {
      if (length < 20) return UNDECODABLE;
      const type = (buf[start]! << 8) | buf[start + 1]!;
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? start + 20 : NOT_IP;
    }
    case LinkType.NULL: {
      if (length < 4) return UNDECODABLE;
      const little = buf.readUInt32LE(start);
      const big = buf.readUInt32BE(start);
      if (little === AF_INET || big === AF_INET || AF_INET6.has(little) || AF_INET6.has(big)) return start + 4;
      return UNDECODABLE;
    }
    case LinkType.LOOP: {
      if (length < 4) return UNDECODABLE;
      const family = buf.readUInt32BE(start);
      return family === AF_INET || AF_INET6.has(family) ? start + 4 : UNDECODABLE;
    }
    default:
      return UNDECODABLE;
  }
}
