/**
 * Builds IPv4 packets, Ethernet frames and the pcap file header from scratch,
 * with src/packet's encoders, so they decode exactly like captured ones: what
 * the benchmark's generated capture is made of. The tests' builders
 * (test/helpers/synthesize.ts) add the other link types, pcap records and
 * pcapng on top of these.
 */
import { writeIcmpEcho, IcmpType } from '../../src/packet/icmp.js';
import { ipv4PseudoHeaderSum, IpProtocol, writeIPv4Header } from '../../src/packet/ipv4.js';
import { writeTcpSegment, type TcpOptions } from '../../src/packet/tcp.js';

// ---------------------------------------------------------------------------
// IPv4 packets
// ---------------------------------------------------------------------------

export interface TcpPacketFields {
  source: string;
  destination: string;
  ttl: number;
  sourcePort: number;
  destinationPort: number;
  sequence?: number;
  acknowledgment?: number;
  flags: number;
  window?: number;
  options?: TcpOptions;
  /** Payload bytes (zeros) after the TCP header. */
  payloadLength?: number;
  id?: number;
}

/** An IPv4/TCP packet. */
export function tcpPacket(fields: TcpPacketFields): Buffer {
  const payload = fields.payloadLength ?? 0;
  const scratch = Buffer.alloc(60);
  const tcpLength = writeTcpSegment(
    scratch,
    0,
    {
      sourcePort: fields.sourcePort,
      destinationPort: fields.destinationPort,
      sequence: fields.sequence ?? 0,
      acknowledgment: fields.acknowledgment ?? 0,
      flags: fields.flags,
      window: fields.window ?? 64240,
      options: fields.options,
    },
    (length) => ipv4PseudoHeaderSum(fields, IpProtocol.TCP, length),
  );
  const packet = Buffer.alloc(20 + tcpLength + payload);
  writeIPv4Header(packet, 0, {
    id: fields.id ?? 0,
    dontFragment: true,
    ttl: fields.ttl,
    protocol: IpProtocol.TCP,
    source: fields.source,
    destination: fields.destination,
    totalLength: packet.length,
  });
  scratch.copy(packet, 20, 0, tcpLength);
  return packet;
}

export interface EchoPacketFields {
  source: string;
  destination: string;
  ttl: number;
  /** 'request' (type 8) or 'reply' (type 0). */
  kind: 'request' | 'reply';
  identifier: number;
  sequence: number;
  dataLength?: number;
}

/** An IPv4 ICMP echo request or reply. */
export function echoPacket(fields: EchoPacketFields): Buffer {
  const data = Buffer.alloc(fields.dataLength ?? 16);
  const packet = Buffer.alloc(20 + 8 + data.length);
  writeIPv4Header(packet, 0, {
    id: 0,
    ttl: fields.ttl,
    protocol: IpProtocol.ICMP,
    source: fields.source,
    destination: fields.destination,
    totalLength: packet.length,
  });
  writeIcmpEcho(packet, 20, {
    type: fields.kind === 'request' ? IcmpType.ECHO_REQUEST : IcmpType.ECHO_REPLY,
    identifier: fields.identifier,
    sequence: fields.sequence,
    data,
  });
  return packet;
}

// ---------------------------------------------------------------------------
// Ethernet and the pcap file header
// ---------------------------------------------------------------------------

export const MAC_A = Buffer.from('02000000000a', 'hex');
export const MAC_B = Buffer.from('02000000000b', 'hex');

/** An Ethernet frame around `payload`, with 802.1Q/802.1ad tags (outermost first) and an ethertype (IPv4 by default). */
export function ethernetFrame(payload: Buffer, options: { vlanTags?: { tpid: number; id: number }[]; etherType?: number } = {}): Buffer {
  const tags = options.vlanTags ?? [];
  const frame = Buffer.alloc(14 + 4 * tags.length + payload.length);
  MAC_B.copy(frame, 0);
  MAC_A.copy(frame, 6);
  let at = 12;
  for (const tag of tags) {
    frame.writeUInt16BE(tag.tpid, at);
    frame.writeUInt16BE(tag.id & 0x0fff, at + 2);
    at += 4;
  }
  frame.writeUInt16BE(options.etherType ?? 0x0800, at);
  payload.copy(frame, at + 2);
  return frame;
}

export interface PcapOptions {
  littleEndian?: boolean;
  nanosecond?: boolean;
  /** Kuznetzov's modified pcap (24-byte record headers). */
  modified?: boolean;
  linkType: number;
  snaplen?: number;
}

export function pcapHeader(options: PcapOptions): Buffer {
  const header = Buffer.alloc(24);
  const little = options.littleEndian ?? true;
  const magic = options.modified ? 0xa1b2cd34 : options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4;
  const u32 = (value: number, at: number): number => (little ? header.writeUInt32LE(value, at) : header.writeUInt32BE(value, at));
  const u16 = (value: number, at: number): number => (little ? header.writeUInt16LE(value, at) : header.writeUInt16BE(value, at));
  u32(magic, 0);
  u16(2, 4);
  u16(4, 6);
  u32(0, 8);
  u32(0, 12);
  u32(options.snaplen ?? 262144, 16);
  u32(options.linkType, 20);
  return header;
}
