import t from 'tap';
import { ipStart, NOT_IP, UNDECODABLE, isSupportedLinkType } from '../../src/capture/link.js';
import { LinkType } from '../../src/model/capture.js';
import { cookedV1Frame, cookedV2Frame, ethernetFrame, loopFrame, nullFrame, tcpPacket } from '../helpers/synthesize.js';

const ip = tcpPacket({ source: '198.18.4.2', destination: '198.18.1.1', ttl: 63, sourcePort: 22, destinationPort: 50000, flags: 0x14 });
const ipv6 = Buffer.from('60000000000006400000', 'hex');

/** Where ipStart says the packet starts, relative to the frame (or the NOT_IP / UNDECODABLE code). */
function startIn(linkType: number, frame: Buffer, prefix = 3): number {
  // Put the frame at an offset inside a bigger buffer, as the readers do.
  const buf = Buffer.concat([Buffer.alloc(prefix, 0xee), frame, Buffer.alloc(5, 0xee)]);
  const start = ipStart(linkType, buf, prefix, prefix + frame.length);
  return start < 0 ? start : start - prefix;
}

const cases: { name: string; linkType: number; frame: Buffer; expected: number }[] = [
  { name: 'Ethernet', linkType: LinkType.ETHERNET, frame: ethernetFrame(ip), expected: 14 },
  { name: 'Ethernet, 802.1Q', linkType: LinkType.ETHERNET, frame: ethernetFrame(ip, { vlanTags: [{ tpid: 0x8100, id: 42 }] }), expected: 18 },
  {
    name: 'Ethernet, 802.1ad + 802.1Q (QinQ)',
    linkType: LinkType.ETHERNET,
    frame: ethernetFrame(ip, { vlanTags: [{ tpid: 0x88a8, id: 100 }, { tpid: 0x8100, id: 42 }] }),
    expected: 22,
  },
  { name: 'Ethernet, old QinQ 0x9100', linkType: LinkType.ETHERNET, frame: ethernetFrame(ip, { vlanTags: [{ tpid: 0x9100, id: 7 }] }), expected: 18 },
  { name: 'Ethernet, IPv6', linkType: LinkType.ETHERNET, frame: ethernetFrame(ipv6, { etherType: 0x86dd }), expected: 14 },
  { name: 'Ethernet, IPv6 inside a VLAN', linkType: LinkType.ETHERNET, frame: ethernetFrame(ipv6, { vlanTags: [{ tpid: 0x8100, id: 5 }], etherType: 0x86dd }), expected: 18 },
  { name: 'Ethernet, ARP inside a VLAN', linkType: LinkType.ETHERNET, frame: ethernetFrame(ip, { vlanTags: [{ tpid: 0x8100, id: 1 }], etherType: 0x0806 }), expected: NOT_IP },
  { name: 'Ethernet, 13 bytes', linkType: LinkType.ETHERNET, frame: Buffer.alloc(13), expected: UNDECODABLE },
  { name: 'Ethernet, VLAN tag cut short', linkType: LinkType.ETHERNET, frame: ethernetFrame(Buffer.alloc(0), { vlanTags: [{ tpid: 0x8100, id: 1 }] }).subarray(0, 16), expected: UNDECODABLE },
  { name: 'raw (101), IPv4', linkType: LinkType.RAW, frame: ip, expected: 0 },
  { name: 'raw (101), IPv6', linkType: LinkType.RAW, frame: ipv6, expected: 0 },
  { name: 'raw (101), empty', linkType: LinkType.RAW, frame: Buffer.alloc(0), expected: UNDECODABLE },
  { name: 'raw (101), version 5', linkType: LinkType.RAW, frame: Buffer.from([0x50]), expected: UNDECODABLE },
  { name: 'DLT_RAW 12', linkType: LinkType.RAW_DLT12, frame: ip, expected: 0 },
  { name: 'DLT_RAW 14', linkType: LinkType.RAW_DLT14, frame: ip, expected: 0 },
  { name: 'LINKTYPE_IPV4 (228)', linkType: LinkType.IPV4, frame: ip, expected: 0 },
  { name: 'LINKTYPE_IPV6 (229)', linkType: LinkType.IPV6, frame: ipv6, expected: 0 },
  { name: 'Linux cooked v1', linkType: LinkType.LINUX_SLL, frame: cookedV1Frame(ip), expected: 16 },
  { name: 'Linux cooked v1, IPv6', linkType: LinkType.LINUX_SLL, frame: cookedV1Frame(ipv6, 0x86dd), expected: 16 },
  { name: 'Linux cooked v1, 15 bytes', linkType: LinkType.LINUX_SLL, frame: Buffer.alloc(15), expected: UNDECODABLE },
  { name: 'Linux cooked v2', linkType: LinkType.LINUX_SLL2, frame: cookedV2Frame(ip), expected: 20 },
  { name: 'Linux cooked v2, IPv6', linkType: LinkType.LINUX_SLL2, frame: cookedV2Frame(ipv6, 0x86dd), expected: 20 },
  { name: 'Linux cooked v2, ARP', linkType: LinkType.LINUX_SLL2, frame: cookedV2Frame(ip, 0x0806), expected: NOT_IP },
  { name: 'Linux cooked v2, 19 bytes', linkType: LinkType.LINUX_SLL2, frame: Buffer.alloc(19), expected: UNDECODABLE },
  { name: 'null, little-endian AF_INET', linkType: LinkType.NULL, frame: nullFrame(ip, 2, true), expected: 4 },
  { name: 'null, big-endian AF_INET', linkType: LinkType.NULL, frame: nullFrame(ip, 2, false), expected: 4 },
  { name: 'null, AF_INET6 (macOS 30)', linkType: LinkType.NULL, frame: nullFrame(ipv6, 30, true), expected: 4 },
  { name: 'null, AF_INET6 (OpenBSD 24, big-endian)', linkType: LinkType.NULL, frame: nullFrame(ipv6, 24, false), expected: 4 },
  { name: 'null, unknown family', linkType: LinkType.NULL, frame: nullFrame(ip, 99, true), expected: UNDECODABLE },
  { name: 'null, 3 bytes', linkType: LinkType.NULL, frame: Buffer.alloc(3), expected: UNDECODABLE },
  { name: 'loop, AF_INET', linkType: LinkType.LOOP, frame: loopFrame(ip), expected: 4 },
  { name: 'loop, AF_INET6', linkType: LinkType.LOOP, frame: loopFrame(ipv6, 24), expected: 4 },
  { name: 'loop, little-endian AF_INET is not loop', linkType: LinkType.LOOP, frame: nullFrame(ip, 2, true), expected: UNDECODABLE },
  { name: 'unsupported link type (802.11 radiotap)', linkType: 127, frame: ip, expected: UNDECODABLE },
];

for (const c of cases) {
  t.equal(startIn(c.linkType, c.frame), c.expected, c.name);
}

t.test('never reads outside [start, end)', async (t) => {
  // A frame cut at every length: the answer is a code or an offset inside the frame.
  for (const c of cases) {
    for (let length = 0; length <= c.frame.length; length++) {
      const start = startIn(c.linkType, c.frame.subarray(0, length));
      t.ok(start === NOT_IP || start === UNDECODABLE || (start >= 0 && start <= length), `${c.name} cut to ${length}`);
    }
  }
});

t.test('supported link types', async (t) => {
  for (const type of [0, 1, 12, 14, 101, 108, 113, 228, 229, 276]) t.ok(isSupportedLinkType(type), `${type}`);
  for (const type of [105, 127, 9]) t.notOk(isSupportedLinkType(type), `${type}`);
});
