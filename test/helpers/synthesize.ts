/**
 * Test builders: capture files and packets from scratch, for every byte
 * order, timestamp resolution and link type, without a lab. The IPv4
 * packets, the Ethernet frame and the pcap file header come from
 * scripts/capture/synthesize.ts (the benchmark's capture is built from them
 * too) and are re-exported here, so a test imports one module.
 */
import { IcmpType } from '../../src/packet/icmp.js';
import { IpProtocol, writeIPv4Header } from '../../src/packet/ipv4.js';
import { internetChecksum } from '../../src/packet/checksum.js';
import { LinkType } from '../../src/model/capture.js';
import { ethernetFrame, MAC_A, pcapHeader, type PcapOptions } from '../../scripts/capture/synthesize.js';

export {
  echoPacket,
  ethernetFrame,
  pcapHeader,
  tcpPacket,
  type EchoPacketFields,
  type PcapOptions,
  type TcpPacketFields,
} from '../../scripts/capture/synthesize.js';

// ---------------------------------------------------------------------------
// IPv4 packets
// ---------------------------------------------------------------------------

export interface IcmpErrorFields {
  /** The router (or host) sending the error. */
  source: string;
  destination: string;
  ttl: number;
  type?: number;
  code: number;
  /** The packet the error is about; its IP header and first 8 bytes are quoted, with `quotedTtl` in place of its TTL. */
  quoting: Buffer;
  quotedTtl: number;
}

/** An IPv4 ICMP error (destination unreachable by default) quoting another packet, as routers send them. */
export function icmpErrorPacket(fields: IcmpErrorFields): Buffer {
  const headerLength = (fields.quoting[0]! & 0x0f) * 4;
  const quote = Buffer.from(fields.quoting.subarray(0, Math.min(fields.quoting.length, headerLength + 8)));
  quote[8] = fields.quotedTtl;
  quote.writeUInt16BE(0, 10);
  quote.writeUInt16BE(internetChecksum(quote, 0, headerLength), 10);
  const packet = Buffer.alloc(20 + 8 + quote.length);
  writeIPv4Header(packet, 0, {
    id: 0,
    ttl: fields.ttl,
    protocol: IpProtocol.ICMP,
    source: fields.source,
    destination: fields.destination,
    totalLength: packet.length,
    tos: 0xc0,
  });
  packet[20] = fields.type ?? IcmpType.DEST_UNREACHABLE;
  packet[21] = fields.code;
  quote.copy(packet, 28);
  packet.writeUInt16BE(internetChecksum(packet, 20, packet.length), 22);
  return packet;
}

// ---------------------------------------------------------------------------
// Link layers
// ---------------------------------------------------------------------------

/** A Linux cooked v1 (SLL) frame: 16-byte header, protocol at offset 14. */
export function cookedV1Frame(payload: Buffer, protocol = 0x0800): Buffer {
  const frame = Buffer.alloc(16 + payload.length);
  frame.writeUInt16BE(0, 0); // addressed to us
  frame.writeUInt16BE(1, 2); // ARPHRD_ETHER
  frame.writeUInt16BE(6, 4);
  MAC_A.copy(frame, 6);
  frame.writeUInt16BE(protocol, 14);
  payload.copy(frame, 16);
  return frame;
}

/** A Linux cooked v2 (SLL2) frame: 20-byte header, protocol first. */
export function cookedV2Frame(payload: Buffer, protocol = 0x0800): Buffer {
  const frame = Buffer.alloc(20 + payload.length);
  frame.writeUInt16BE(protocol, 0);
  frame.writeUInt32BE(2, 4); // interface index
  frame.writeUInt16BE(1, 8); // ARPHRD_ETHER
  frame[10] = 0; // PACKET_HOST
  frame[11] = 6;
  MAC_A.copy(frame, 12);
  payload.copy(frame, 20);
  return frame;
}

/** A BSD loopback (LINKTYPE_NULL) frame: the address family in the given byte order. */
export function nullFrame(payload: Buffer, family = 2, littleEndian = true): Buffer {
  const frame = Buffer.alloc(4 + payload.length);
  if (littleEndian) frame.writeUInt32LE(family, 0);
  else frame.writeUInt32BE(family, 0);
  payload.copy(frame, 4);
  return frame;
}

/** An OpenBSD loopback (LINKTYPE_LOOP) frame: the address family in network byte order. */
export function loopFrame(payload: Buffer, family = 2): Buffer {
  return nullFrame(payload, family, false);
}

/** Wraps an IPv4 packet for a link type (Ethernet, cooked v1/v2, null, loop; raw types as is). */
export function frameFor(linkType: number, packet: Buffer): Buffer {
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernetFrame(packet);
    case LinkType.LINUX_SLL:
      return cookedV1Frame(packet);
    case LinkType.LINUX_SLL2:
      return cookedV2Frame(packet);
    case LinkType.NULL:
      return nullFrame(packet);
    case LinkType.LOOP:
      return loopFrame(packet);
    default:
      return packet;
  }
}

// ---------------------------------------------------------------------------
// pcap
// ---------------------------------------------------------------------------

/** One frame to write: its bytes (at most the snapshot), when, and its original length on the wire. */
export interface SynthFrame {
  data: Buffer;
  /** Capture time in ms since the epoch (fractions allowed). */
  timestampMs: number;
  originalLength?: number;
}

/** A pcap record header for `frame` (16 bytes, or 24 for the modified format). */
export function pcapRecordHeader(options: PcapOptions, frame: SynthFrame): Buffer {
  const header = Buffer.alloc(options.modified ? 24 : 16);
  const little = options.littleEndian ?? true;
  const seconds = Math.floor(frame.timestampMs / 1000);
  const fraction = Math.round((frame.timestampMs - seconds * 1000) * (options.nanosecond ? 1e6 : 1e3));
  const values = [seconds, fraction, frame.data.length, frame.originalLength ?? frame.data.length];
  values.forEach((value, i) => (little ? header.writeUInt32LE(value, i * 4) : header.writeUInt32BE(value, i * 4)));
  return header;
}

/** A whole pcap file. */
export function pcapFile(options: PcapOptions, frames: readonly SynthFrame[]): Buffer {
  return Buffer.concat([pcapHeader(options), ...frames.flatMap((frame) => [pcapRecordHeader(options, frame), frame.data])]);
}

// ---------------------------------------------------------------------------
// pcapng
// ---------------------------------------------------------------------------

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** A pcapng block: type, total length, body (padded to 4 bytes), total length again. */
export function pcapngBlock(type: number, body: Buffer, littleEndian = true): Buffer {
  const length = 12 + body.length + pad4(body.length);
  const block = Buffer.alloc(length);
  const u32 = (value: number, at: number): number => (littleEndian ? block.writeUInt32LE(value, at) : block.writeUInt32BE(value, at));
  u32(type, 0);
  u32(length, 4);
  body.copy(block, 8);
  u32(length, length - 4);
  return block;
}

/** pcapng options: code, length, value padded to 4; then opt_endofopt. */
export function pcapngOptions(options: readonly { code: number; value: Buffer }[], littleEndian = true): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const option of [...options, { code: 0, value: Buffer.alloc(0) }]) {
    const head = Buffer.alloc(4);
    if (littleEndian) {
      head.writeUInt16LE(option.code, 0);
      head.writeUInt16LE(option.value.length, 2);
    } else {
      head.writeUInt16BE(option.code, 0);
      head.writeUInt16BE(option.value.length, 2);
    }
    parts.push(head, option.value, Buffer.alloc(pad4(option.value.length)));
  }
  return Buffer.concat(parts);
}

/** A Section Header Block (version 1.0, unknown section length). */
export function pcapngSectionHeader(littleEndian = true): Buffer {
  const body = Buffer.alloc(16);
  if (littleEndian) {
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(1, 4);
    body.writeUInt16LE(0, 6);
  } else {
    body.writeUInt32BE(0x1a2b3c4d, 0);
    body.writeUInt16BE(1, 4);
    body.writeUInt16BE(0, 6);
  }
  body.writeInt32LE(-1, 8);
  body.writeInt32LE(-1, 12);
  return pcapngBlock(0x0a0d0d0a, body, littleEndian);
}

export interface PcapngInterfaceOptions {
  linkType: number;
  snaplen?: number;
  /** if_tsresol byte (default none: microseconds). */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffsetSeconds?: number;
}

/** An Interface Description Block. */
export function pcapngInterface(options: PcapngInterfaceOptions, littleEndian = true): Buffer {
  const head = Buffer.alloc(8);
  if (littleEndian) {
    head.writeUInt16LE(options.linkType, 0);
    head.writeUInt32LE(options.snaplen ?? 262144, 4);
  } else {
    head.writeUInt16BE(options.linkType, 0);
    head.writeUInt32BE(options.snaplen ?? 262144, 4);
  }
  const opts: { code: number; value: Buffer }[] = [];
  if (options.tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([options.tsresol]) });
  if (options.tsoffsetSeconds !== undefined) {
    const value = Buffer.alloc(8);
    if (littleEndian) value.writeBigInt64LE(BigInt(options.tsoffsetSeconds));
    else value.writeBigInt64BE(BigInt(options.tsoffsetSeconds));
    opts.push({ code: 14, value });
  }
  return pcapngBlock(1, Buffer.concat([head, pcapngOptions(opts, littleEndian)]), littleEndian);
}

/** An Enhanced Packet Block; `units` is the timestamp in the interface's units (a bigint: nanoseconds overflow doubles). */
export function pcapngEnhancedPacket(interfaceId: number, units: bigint, data: Buffer, originalLength = data.length, littleEndian = true): Buffer {
  const head = Buffer.alloc(20);
  const high = Number(units >> 32n);
  const low = Number(units & 0xffffffffn);
  const values = [interfaceId, high, low, data.length, originalLength];
  values.forEach((value, i) => (littleEndian ? head.writeUInt32LE(value, i * 4) : head.writeUInt32BE(value, i * 4)));
  return pcapngBlock(6, Buffer.concat([head, data]), littleEndian);
}

/** An obsolete Packet Block (16-bit interface id and drop count). */
export function pcapngObsoletePacket(interfaceId: number, units: bigint, data: Buffer, littleEndian = true): Buffer {
  const head = Buffer.alloc(20);
  if (littleEndian) {
    head.writeUInt16LE(interfaceId, 0);
    head.writeUInt32LE(Number(units >> 32n), 4);
    head.writeUInt32LE(Number(units & 0xffffffffn), 8);
    head.writeUInt32LE(data.length, 12);
    head.writeUInt32LE(data.length, 16);
  } else {
    head.writeUInt16BE(interfaceId, 0);
    head.writeUInt32BE(Number(units >> 32n), 4);
    head.writeUInt32BE(Number(units & 0xffffffffn), 8);
    head.writeUInt32BE(data.length, 12);
    head.writeUInt32BE(data.length, 16);
  }
  return pcapngBlock(2, Buffer.concat([head, data]), littleEndian);
}

/** A Simple Packet Block (interface 0, no timestamp). */
export function pcapngSimplePacket(data: Buffer, littleEndian = true): Buffer {
  const head = Buffer.alloc(4);
  if (littleEndian) head.writeUInt32LE(data.length, 0);
  else head.writeUInt32BE(data.length, 0);
  return pcapngBlock(3, Buffer.concat([head, data]), littleEndian);
}
