import type { ByteWindow } from './byte-window.js';
import { CaptureErrorCode, CaptureFormatError } from './errors.js';
import { emptyCounts, FrameBatch, noteLinkType, type FrameCounts, type FrameReader } from './frames.js';
import { ipStart, NOT_IP } from './link.js';

/** pcapng block types this reader interprets; every other block is skipped. */
export const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 1,
  /** Obsolete Packet Block (pcapng drafts before EPB). */
  PACKET: 2,
  SIMPLE_PACKET: 3,
  ENHANCED_PACKET: 6,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;

/** True if the 4 bytes at `offset` start a pcapng Section Header Block. */
export function isPcapngMagic(buf: Buffer, offset = 0): boolean {
  return buf.length >= offset + 4 && buf.readUInt32BE(offset) === BlockType.SECTION_HEADER;
}

/** One interface of the current section. */
export interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Milliseconds = units * multiplier / divisor (if_tsresol; default microseconds): one rounding only. */
  multiplier: number;
  divisor: number;
  /** if_tsoffset in milliseconds. */
  offsetMs: number;
}

/**
 * How to turn timestamp units into milliseconds for an if_tsresol value
 * (10^-v seconds, or 2^-(v & 0x7f) with the top bit set): ms = units *
 * multiplier / divisor, where one of the two is 1 and the other exact.
 */
export function timestampScale(tsresol: number): { multiplier: number; divisor: number } {
  const exponent = tsresol & 0x7f;
  if ((tsresol & 0x80) !== 0) return { multiplier: 1000 / 2 ** exponent, divisor: 1 };
  return exponent >= 3 ? { multiplier: 1, divisor: 10 ** (exponent - 3) } : { multiplier: 10 ** (3 - exponent), divisor: 1 };
}

/**
 * Streams the packets of a pcapng file: any number of sections (each with
 * its own byte order, given by its Section Header Block) and interfaces
 * (each with its link type, timestamp resolution and offset). Enhanced,
 * Simple and obsolete Packet Blocks are read; every other block is skipped
 * without being buffered whole. A block whose lengths disagree, that refers
 * to an undefined interface, or that the file cuts short raises a
 * CaptureFormatError naming the block's byte offset.
 */
export class PcapngReader implements FrameReader {
  readonly counts: FrameCounts = emptyCounts();
  /** Interfaces of the current section. */
  interfaces: PcapngInterface[] = [];
  /** Sections seen so far. */
  sections = 0;

  constructor(
    private readonly window: ByteWindow,
    private readonly name: string,
  ) {}

  private corrupt(offset: number, message: string): CaptureFormatError {
    return new CaptureFormatError(CaptureErrorCode.CORRUPT, offset, `${this.name}: corrupt pcapng block at byte offset ${offset}: ${message}`);
  }

  async *batches(): AsyncGenerator<FrameBatch, void, void> {
    const w = this.window;
    const counts = this.counts;
    const batch = new FrameBatch();
    let littleEndian = true;
    let lastTimestampMs = 0;
    let first = true;
    for (;;) {
      const buf = w.buffer;
      const end = w.end;
      let pos = w.position;
      let needed = 12;
      let skip = 0;
      batch.reset(buf);
      while (end - pos >= 12) {
        const offset = w.offsetOf(pos);
        const rawType = buf.readUInt32BE(pos);
        const isSection = rawType === BlockType.SECTION_HEADER;
        if (first && !isSection) throw this.corrupt(offset, 'the file does not start with a Section Header Block');
        let little: boolean = littleEndian;
        if (isSection) {
          const magic = buf.readUInt32LE(pos + 8);
          if (magic === BYTE_ORDER_MAGIC) little = true;
          else if (buf.readUInt32BE(pos + 8) === BYTE_ORDER_MAGIC) little = false;
          else throw this.corrupt(offset, `bad byte-order magic 0x${buf.readUInt32BE(pos + 8).toString(16).padStart(8, '0')} in a Section Header Block`);
        }
        const type = isSection ? rawType : little ? buf.readUInt32LE(pos) : rawType;
        const length = little ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
        if (length < 12 || length % 4 !== 0) throw this.corrupt(offset, `block length ${length} (type ${type}) is not a multiple of 4 of at least 12`);
        const wanted =
          type === BlockType.SECTION_HEADER ||
          type === BlockType.INTERFACE_DESCRIPTION ||
          type === BlockType.ENHANCED_PACKET ||
          type === BlockType.SIMPLE_PACKET ||
          type === BlockType.PACKET;
        if (end - pos < length) {
          if (wanted || length <= w.limit) {
            if (length > w.limit) throw this.corrupt(offset, `block length ${length} (type ${type}) is larger than ${w.limit} bytes`);
            needed = length;
          } else {
            skip = length;
          }
          break;
        }
        const trailer = little ? buf.readUInt32LE(pos + length - 4) : buf.readUInt32BE(pos + length - 4);
        if (trailer !== length) throw this.corrupt(offset, `leading block length ${length} and trailing block length ${trailer} differ (type ${type})`);
        first = false;
        if (type === BlockType.SECTION_HEADER) {
          if (length < 28) throw this.corrupt(offset, `Section Header Block of ${length} bytes (at least 28)`);
          littleEndian = little;
          this.interfaces = [];
          this.sections++;
        } else if (type === BlockType.INTERFACE_DESCRIPTION) {
          if (length < 20) throw this.corrupt(offset, `Interface Description Block of ${length} bytes (at least 20)`);
          const iface = this.parseInterface(buf, pos, length, little);
          this.interfaces.push(iface);
          noteLinkType(counts, iface.linkType);
        } else if (wanted) {
          // A packet block: EPB, SPB or the obsolete PB.
          let iface: PcapngInterface | undefined;
          let dataStart: number;
          let captured: number;
          let original: number;
          if (type === BlockType.SIMPLE_PACKET) {
            if (length < 16) throw this.corrupt(offset, `Simple Packet Block of ${length} bytes (at least 16)`);
            iface = this.interfaces[0];
            if (!iface) throw this.corrupt(offset, 'Simple Packet Block before any Interface Description Block');
            original = little ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
            dataStart = pos + 12;
            captured = Math.min(original, length - 16, iface.snaplen > 0 ? iface.snaplen : Infinity);
          } else {
            if (length < 32) throw this.corrupt(offset, `packet block of ${length} bytes (at least 32)`);
            const id =
              type === BlockType.PACKET
                ? little
                  ? buf.readUInt16LE(pos + 8)
                  : buf.readUInt16BE(pos + 8)
                : little
                  ? buf.readUInt32LE(pos + 8)
                  : buf.readUInt32BE(pos + 8);
            iface = this.interfaces[id];
            if (!iface) throw this.corrupt(offset, `packet block for interface ${id}, but the section defines ${this.interfaces.length}`);
            let high: number;
            let low: number;
            if (little) {
              high = buf.readUInt32LE(pos + 12);
              low = buf.readUInt32LE(pos + 16);
              captured = buf.readUInt32LE(pos + 20);
              original = buf.readUInt32LE(pos + 24);
            } else {
              high = buf.readUInt32BE(pos + 12);
              low = buf.readUInt32BE(pos + 16);
              captured = buf.readUInt32BE(pos + 20);
              original = buf.readUInt32BE(pos + 24);
            }
            if (captured > length - 32) throw this.corrupt(offset, `captured length ${captured} does not fit a block of ${length} bytes`);
            dataStart = pos + 28;
            lastTimestampMs = ((high * 4294967296 + low) * iface.multiplier) / iface.divisor + iface.offsetMs;
          }
          counts.frames++;
          const dataEnd = dataStart + captured;
          const ip = ipStart(iface.linkType, buf, dataStart, dataEnd);
          if (ip >= 0) batch.push(lastTimestampMs, ip, dataEnd, captured < original);
          else if (ip === NOT_IP) counts.notIPv4++;
          else counts.undecodable++;
        }
        pos += length;
      }
      w.position = pos;
      if (batch.count > 0) yield batch;
      if (skip > 0) {
        const offset = w.offset;
        if (!(await w.skip(skip))) {
          throw new CaptureFormatError(
            CaptureErrorCode.TRUNCATED,
            offset,
            `${this.name}: truncated pcapng block at byte offset ${offset}: the block announces ${skip} bytes, the file ends first`,
          );
        }
        continue;
      }
      if (!(await w.ensure(needed))) {
        if (w.available === 0) {
          if (first) throw this.corrupt(0, 'empty file');
          return;
        }
        const offset = w.offset;
        throw new CaptureFormatError(
          CaptureErrorCode.TRUNCATED,
          offset,
          w.available < 12
            ? `${this.name}: truncated pcapng block header at byte offset ${offset}: ${w.available} of 12 bytes`
            : `${this.name}: truncated pcapng block at byte offset ${offset}: the block announces ${needed} bytes, the file ends after ${w.available}`,
        );
      }
    }
  }

  private parseInterface(buf: Buffer, pos: number, length: number, little: boolean): PcapngInterface {
    const u16 = (at: number): number => (little ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
    const iface: PcapngInterface = {
      linkType: u16(pos + 8),
      snaplen: little ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12),
      ...timestampScale(6),
      offsetMs: 0,
    };
    // Options run to the trailing length; one that overruns the block ends them (as if opt_endofopt).
    let at = pos + 16;
    const end = pos + length - 4;
    while (at + 4 <= end) {
      const code = u16(at);
      const size = u16(at + 2);
      if (code === OPTION_END || at + 4 + size > end) break;
      if (code === OPTION_IF_TSRESOL && size >= 1) {
        const scale = timestampScale(buf[at + 4]!);
        iface.multiplier = scale.multiplier;
        iface.divisor = scale.divisor;
      }
      if (code === OPTION_IF_TSOFFSET && size >= 8) {
        const seconds = little ? buf.readBigInt64LE(at + 4) : buf.readBigInt64BE(at + 4);
        iface.offsetMs = Number(seconds) * 1000;
      }
      at += 4 + Math.ceil(size / 4) * 4;
    }
    return iface;
  }
}
