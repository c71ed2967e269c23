import { UsageError } from '../errors.js';
import { ByteWindow, DEFAULT_WINDOW_BYTES, openFileSource, type ByteSource } from './byte-window.js';
import { PacketDecoder, type DecodedPacket } from './decoded.js';
import { CaptureErrorCode, CaptureFormatError } from './errors.js';
import type { FrameBatch, FrameCounts, FrameReader } from './frames.js';
import { isPcapMagic, PcapReader } from './pcap.js';
import { isPcapngMagic, PcapngReader } from './pcapng.js';
import { looksLikeTcpdumpText, TcpdumpTextReader } from './text.js';

/** Capture formats, detected by content. */
import type { CaptureFormat } from '../model/capture.js';

/** Totals of a capture read to its end (or as far as it was read). */
export interface CaptureCounts {
  /** Frames / packet records read (for text: packets printed). */
  packets: number;
  /** IPv4 packets decoded. */
  ipv4: number;
  /** IPv6 packets decoded. */
  ipv6: number;
  /** Packets of neither IP family (ARP, ...); the name predates IPv6 support. */
  notIPv4: number;
  /** Frames whose link header, IP header or TCP/ICMP header (or text) did not decode. */
  undecodable: number;
  /** Link types seen (none for text). */
  linkTypes: number[];
}

/**
 * The packets of one read. `packet(i)` decodes the i-th (null: undecodable,
 * and counted as such), so call it once per index, in order. Valid until the
 * capture is resumed; the returned object may be reused by the next call.
 */
export interface DecodedBatch {
  readonly count: number;
  packet(index: number): DecodedPacket | null;
}

/** An open capture file: its format and its decoded IP packets (both families), streamed in batches. */
export interface Capture {
  readonly name: string;
  readonly format: CaptureFormat;
  /** The decoded IP packets in file order, a batch per buffer fill (see DecodedBatch). */
  batches(): AsyncGenerator<DecodedBatch, void, void>;
  counts(): CaptureCounts;
  /** Why the first undecodable packet was undecodable (text captures), or null. */
  firstProblem(): string | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Initial read buffer size (default 1 MiB); it grows only for a larger record. */
  windowBytes?: number;
}

/** How many bytes the text sniffer looks at. */
const SNIFF_BYTES = 64 * 1024;

/** Opens `path` and detects its format by content. UsageError when the file cannot be opened. */
export async function openCapture(path: string, options: OpenOptions = {}): Promise<Capture> {
  let source: ByteSource;
  try {
    source = await openFileSource(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new UsageError(`cannot open capture ${path}: ${reason}`, 'ERR_CAPTURE_OPEN');
  }
  try {
    return await openCaptureSource(source, path, options);
  } catch (error) {
    await source.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new UsageError(`cannot read capture ${path}: it is a directory`, 'ERR_CAPTURE_OPEN');
    throw error;
  }
}

/**
 * Detects the format of `source` from its first bytes (pcap magic in either
 * byte order, pcapng Section Header Block, or tcpdump text) and returns the
 * capture. `name` is used in error messages. CaptureFormatError for an
 * empty, compressed or unrecognised input.
 */
export async function openCaptureSource(source: ByteSource, name: string, options: OpenOptions = {}): Promise<Capture> {
  const window = new ByteWindow(source, options.windowBytes ?? DEFAULT_WINDOW_BYTES);
  await window.ensure(4);
  const head = window.buffer.subarray(window.position, window.end);
  if (head.length === 0) throw new CaptureFormatError(CaptureErrorCode.UNKNOWN_FORMAT, 0, `${name}: empty file, not a capture`);
  if (head.length >= 4 && isPcapMagic(head)) {
    const nanosecond = head.readUInt32BE(0) === 0xa1b23c4d || head.readUInt32LE(0) === 0xa1b23c4d;
    return binaryCapture(name, nanosecond ? 'pcap-ns' : 'pcap', new PcapReader(window, name), window);
  }
  if (head.length >= 4 && isPcapngMagic(head)) return binaryCapture(name, 'pcapng', new PcapngReader(window, name), window);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new CaptureFormatError(CaptureErrorCode.UNKNOWN_FORMAT, 0, `${name}: gzip-compressed data at byte offset 0: decompress it first (gunzip)`);
  }
  await window.ensure(Math.min(SNIFF_BYTES, window.limit));
  const sniff = window.buffer.toString('latin1', window.position, Math.min(window.end, window.position + SNIFF_BYTES));
  if (looksLikeTcpdumpText(sniff)) return textCapture(name, new TcpdumpTextReader(window, name), window);
  const first = window.buffer.subarray(window.position, Math.min(window.end, window.position + 8)).toString('hex');
  throw new CaptureFormatError(
    CaptureErrorCode.UNKNOWN_FORMAT,
    0,
    `${name}: unrecognised capture format at byte offset 0 (first bytes ${first}): expected pcap, pcapng or tcpdump -v text`,
  );
}

function toCounts(frames: FrameCounts, ipv4: number, ipv6: number, undecodable: number): CaptureCounts {
  return {
    packets: frames.frames,
    ipv4,
    ipv6,
    notIPv4: frames.notIPv4,
    undecodable: frames.undecodable + undecodable,
    linkTypes: [...frames.linkTypes],
  };
}

function binaryCapture(name: string, format: CaptureFormat, reader: FrameReader, window: ByteWindow): Capture {
  let ipv4 = 0;
  let ipv6 = 0;
  let undecodable = 0;
  return {
    name,
    format,
    async *batches() {
      const decoder = new PacketDecoder();
      let frames: FrameBatch | null = null;
      const batch: DecodedBatch = {
        get count() {
          return frames?.count ?? 0;
        },
        packet(index) {
          const current = frames!;
          if (decoder.decode(current.timestampMs[index]!, current.packet(index), current.snapped[index] === 1)) {
            if (decoder.packet.family === 4) ipv4++;
            else ipv6++;
            return decoder.packet;
          }
          undecodable++;
          return null;
        },
      };
      for await (frames of reader.batches()) yield batch;
    },
    counts: () => toCounts(reader.counts, ipv4, ipv6, undecodable),
    firstProblem: () => null,
    close: () => window.close(),
  };
}

function textCapture(name: string, reader: TcpdumpTextReader, window: ByteWindow): Capture {
  let ipv4 = 0;
  let ipv6 = 0;
  return {
    name,
    format: 'tcpdump-text',
    async *batches() {
      for await (const packets of reader.batches()) {
        for (const packet of packets) {
          if (packet.family === 4) ipv4++;
          else ipv6++;
        }
        yield { count: packets.length, packet: (index) => packets[index] ?? null };
      }
    },
    counts: () => toCounts(reader.counts, ipv4, ipv6, 0),
    firstProblem: () => reader.firstProblem,
    close: () => window.close(),
  };
}
