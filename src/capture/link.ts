import { LinkType } from '../model/capture.js';

/** ipv4Start result: the frame carries another protocol (IPv6, ARP, ...). */
export const NOT_IPV4 = -1;
/** ipv4Start result: the frame is too short for its link header, or the link type is not supported. */
export const UNDECODABLE = -2;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const AF_INET = 2;
/** AF_INET6 on FreeBSD/macOS (28, 30) and NetBSD/OpenBSD (24). */
const AF_INET6 = new Set([24, 28, 30]);

/** True for the link types ipv4Start understands. */
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
  return type === ETHERTYPE_IPV4 ? next : NOT_IPV4;
}

/**
 * Index in `buf` where the IPv4 packet of the frame `buf[start, end)` starts,
 * or NOT_IPV4 / UNDECODABLE. Reads only inside [start, end), allocates nothing.
 */
export function ipv4Start(linkType: number, buf: Buffer, start: number, end: number): number {
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
      if (version === 4) return start;
      return version === 6 ? NOT_IPV4 : UNDECODABLE;
    }
    case LinkType.IPV4:
      return start;
    case LinkType.LINUX_SLL:
      if (length < 16) return UNDECODABLE;
      return afterVlanTags(buf, start + 14, end);
    case LinkType.LINUX_SLL2: {
      if (length < 20) return UNDECODABLE;
      const type = (buf[start]! << 8) | buf[start + 1]!;
      return type === ETHERTYPE_IPV4 ? start + 20 : NOT_IPV4;
    }
    case LinkType.NULL: {
      if (length < 4) return UNDECODABLE;
      const little = buf.readUInt32LE(start);
      const big = buf.readUInt32BE(start);
      if (little === AF_INET || big === AF_INET) return start + 4;
      return AF_INET6.has(little) || AF_INET6.has(big) ? NOT_IPV4 : UNDECODABLE;
    }
    case LinkType.LOOP: {
      if (length < 4) return UNDECODABLE;
      const family = buf.readUInt32BE(start);
      if (family === AF_INET) return start + 4;
      return AF_INET6.has(family) ? NOT_IPV4 : UNDECODABLE;
    }
    default:
      return UNDECODABLE;
  }
}
