import type { ByteWindow } from './byte-window.js';
import { CaptureErrorCode, CaptureFormatError } from './errors.js';
import { emptyCounts, FrameBatch, noteLinkType, type FrameCounts, type FrameReader } from './frames.js';
import { ipStart, NOT_IP } from './link.js';

/** The 24-byte pcap file header, as far as reading records needs it. */
export interface PcapHeader {
  littleEndian: boolean;
  /** Timestamps in nanoseconds (magic a1b23c4d) rather than microseconds. */
  nanosecond: boolean;
  /** Kuznetzov's modified format (magic a1b2cd34): 24-byte record headers. */
  modified: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
}

export const PCAP_HEADER_BYTES = 24;

/** Largest record accepted whatever the snaplen says (Wireshark's limit for most link types). */
const MAX_RECORD_BYTES = 262144;

const MAGICS: ReadonlyMap<number, { nanosecond: boolean; modified: boolean }> = new Map([
  [0xa1b2c3d4, { nanosecond: false, modified: false }],
  [0xa1b23c4d, { nanosecond: true, modified: false }],
  [0xa1b2cd34, { nanosecond: false, modified: true }],
]);

/** True if the 4 bytes at `offset` are a pcap magic number in either byte order. */
export function isPcapMagic(buf: Buffer, offset = 0): boolean {
  if (buf.length < offset + 4) return false;
  return MAGICS.has(buf.readUInt32BE(offset)) || MAGICS.has(buf.readUInt32LE(offset));
}

/**
 * Parses the pcap file header at `buf[0, 24)`. Returns a reason string
 * instead when it is not one (unknown magic, unsupported major version).
 */
export function parsePcapHeader(buf: Buffer): PcapHeader | string {
  if (buf.length < PCAP_HEADER_BYTES) return `pcap file header needs 24 bytes, got ${buf.length}`;
  const big = MAGICS.get(buf.readUInt32BE(0));
  const little = MAGICS.get(buf.readUInt32LE(0));
  const kind = big ?? little;
  if (!kind) return `not a pcap magic number (0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')})`;
  const littleEndian = big === undefined;
  const u16 = (at: number): number => (littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
  const u32 = (at: number): number => (littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const versionMajor = u16(4);
  if (versionMajor !== 2) return `unsupported pcap version ${versionMajor}.${u16(6)} (expected 2.x)`;
  return {
    littleEndian,
    nanosecond: kind.nanosecond,
    modified: kind.modified,
    versionMajor,
    versionMinor: u16(6),
    snaplen: u32(16),
    // The upper bits may carry FCS information (pcap spec, LinkType and additional information).
    linkType: u32(20) & 0xffff,
  };
}

/**
 * Streams the records of a pcap file (either byte order, micro- or
 * nanosecond timestamps). A file that ends inside a header or record, or a
 * record claiming an impossible length, raises a CaptureFormatError naming
 * the byte offset of that record.
 */
export class PcapReader implements FrameReader {
  readonly counts: FrameCounts = emptyCounts();
  header: PcapHeader | null = null;

  constructor(
    private readonly window: ByteWindow,
    private readonly name: string,
  ) {}

  async *batches(): AsyncGenerator<FrameBatch, void, void> {
    const w = this.window;
    const name = this.name;
    if (!(await w.ensure(PCAP_HEADER_BYTES))) {
      throw new CaptureFormatError(
        CaptureErrorCode.TRUNCATED,
        0,
        `${name}: truncated pcap file header at byte offset 0: ${w.available} of 24 bytes`,
      );
    }
    const header = parsePcapHeader(w.buffer.subarray(w.position, w.position + PCAP_HEADER_BYTES));
    if (typeof header === 'string') throw new CaptureFormatError(CaptureErrorCode.CORRUPT, 0, `${name}: ${header} at byte offset 0`);
    this.header = header;
    w.position += PCAP_HEADER_BYTES;
    const counts = this.counts;
    noteLinkType(counts, header.linkType);
    const { littleEndian, linkType } = header;
    const recordHeader = header.modified ? 24 : 16;
    const nanosecond = header.nanosecond;
    const limit = Math.min(Math.max(header.snaplen, MAX_RECORD_BYTES), w.limit - recordHeader);
    const batch = new FrameBatch();
    for (;;) {
      const buf = w.buffer;
      const end = w.end;
      let pos = w.position;
      let needed = recordHeader;
      batch.reset(buf);
      while (end - pos >= recordHeader) {
        const captured = littleEndian ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
        if (captured > limit) {
          w.position = pos;
          throw new CaptureFormatError(
            CaptureErrorCode.CORRUPT,
            w.offsetOf(pos),
            `${name}: corrupt pcap record at byte offset ${w.offsetOf(pos)}: it claims ${captured} bytes of packet data (limit ${limit})`,
          );
        }
        if (end - pos < recordHeader + captured) {
          needed = recordHeader + captured;
          break;
        }
        let seconds: number;
        let fraction: number;
        let original: number;
        if (littleEndian) {
          seconds = buf.readUInt32LE(pos);
          fraction = buf.readUInt32LE(pos + 4);
          original = buf.readUInt32LE(pos + 12);
        } else {
          seconds = buf.readUInt32BE(pos);
          fraction = buf.readUInt32BE(pos + 4);
          original = buf.readUInt32BE(pos + 12);
        }
        counts.frames++;
        const dataStart = pos + recordHeader;
        const dataEnd = dataStart + captured;
        const ip = ipStart(linkType, buf, dataStart, dataEnd);
        if (ip >= 0) {
          // Microseconds: one exact integer, one rounding (the same value pcapng gives for the same instant).
          const ms = nanosecond ? seconds * 1000 + fraction / 1e6 : (seconds * 1e6 + fraction) / 1000;
          batch.push(ms, ip, dataEnd, captured < original);
        }
        else if (ip === NOT_IP) counts.notIPv4++;
        else counts.undecodable++;
        pos = dataEnd;
      }
      w.position = pos;
      if (batch.count > 0) yield batch;
      if (!(await w.ensure(needed))) {
        if (w.available === 0) return;
        const offset = w.offset;
        throw new CaptureFormatError(
          CaptureErrorCode.TRUNCATED,
          offset,
          w.available < recordHeader
            ? `${name}: truncated pcap record header at byte offset ${offset}: ${w.available} of ${recordHeader} bytes`
            : `${name}: truncated pcap record at byte offset ${offset}: ${needed - recordHeader} bytes of packet data announced, the file ends after ${w.available - recordHeader}`,
        );
      }
    }
  }
}
