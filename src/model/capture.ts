/** The enumerations of captures: file formats and link types, with the names reports print. */

/** The capture file formats `analyze` reads. */
export const CAPTURE_FORMATS = ['pcap', 'pcap-ns', 'pcapng', 'tcpdump-text'] as const;
export type CaptureFormat = (typeof CAPTURE_FORMATS)[number];

/**
 * Link layers: where the IP packet starts inside a captured frame.
 * Numbers are LINKTYPE_* values as written in pcap and pcapng files
 * (https://www.tcpdump.org/linktypes.html).
 */
export const LinkType = {
  /** BSD loopback: 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW on some systems (12 on most BSDs, 14 on OpenBSD) as found in old files. */
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  /** Raw IP (IPv4 or IPv6, told apart by the version nibble). */
  RAW: 101,
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1 (tcpdump -i any before libpcap 1.10). */
  LINUX_SLL: 113,
  /** Raw IPv4 only. */
  IPV4: 228,
  /** Raw IPv6 only. */
  IPV6: 229,
  /** Linux cooked capture v2 (tcpdump -i any with libpcap 1.10+). */
  LINUX_SLL2: 276,
} as const;

/** How a report names each link type. */
export const LINK_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [LinkType.NULL, 'BSD loopback'],
  [LinkType.ETHERNET, 'Ethernet'],
  [LinkType.RAW_DLT12, 'raw IP'],
  [LinkType.RAW_DLT14, 'raw IP'],
  [LinkType.RAW, 'raw IP'],
  [LinkType.LOOP, 'OpenBSD loopback'],
  [LinkType.LINUX_SLL, 'Linux cooked v1'],
  [LinkType.IPV4, 'raw IPv4'],
  [LinkType.IPV6, 'raw IPv6'],
  [LinkType.LINUX_SLL2, 'Linux cooked v2'],
]);
