import { finishChecksum, onesComplementSum } from './checksum.js';
import { decoded, failed, type Decoded } from './result.js';

/** TCP flag bits as found in byte 13 of the header. */
export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

/** The TCP options ttl-probe understands; absent means not present (or not well-formed). */
export interface TcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  timestamp?: { value: number; echo: number };
}

/** A decoded TCP header. */
export interface TcpSegment {
  sourcePort: number;
  destinationPort: number;
  /** uint32 */
  sequence: number;
  /** uint32 */
  acknowledgment: number;
  /** Header length in bytes (data offset * 4), 20-60. */
  headerLength: number;
  /** The 8 flag bits (see TcpFlag); the NS bit is not included. */
  flags: number;
  window: number;
  checksum: number;
  urgentPointer: number;
  options: TcpOptions;
  /** Bytes after the header in the buffer given to decodeTcp. */
  payloadLength: number;
}

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WINDOW_SCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_TIMESTAMP = 8;

/**
 * Decodes a TCP header including options from `buf` (the IP payload).
 * Fails on fewer than 20 bytes, a data offset below 5 or beyond the buffer,
 * and on malformed options: a length byte missing, below 2, or running past
 * the header. Unknown options are skipped; a known option with the wrong
 * length is ignored, as Linux does. If an option appears twice the last one
 * wins. The checksum is not verified (see verifyTcpChecksum).
 */
export function decodeTcp(buf: Buffer): Decoded<TcpSegment> {
  if (buf.length < 20) return failed(`truncated TCP header (${buf.length} < 20 bytes)`);
  const dataOffset = buf.readUInt8(12) >>> 4;
  if (dataOffset < 5) return failed(`TCP data offset too small (${dataOffset} < 5)`);
  const headerLength = dataOffset * 4;
  if (headerLength > buf.length) {
    return failed(`truncated TCP header with options (${buf.length} < ${headerLength} bytes)`);
  }
  const options = decodeOptions(buf, 20, headerLength);
  if (!options.ok) return options;
  return decoded({
    sourcePort: buf.readUInt16BE(0),
    destinationPort: buf.readUInt16BE(2),
    sequence: buf.readUInt32BE(4),
    acknowledgment: buf.readUInt32BE(8),
    headerLength,
    flags: buf.readUInt8(13),
    window: buf.readUInt16BE(14),
    checksum: buf.readUInt16BE(16),
    urgentPointer: buf.readUInt16BE(18),
    options: options.value,
    payloadLength: buf.length - headerLength,
  });
}

function decodeOptions(buf: Buffer, start: number, end: number): Decoded<TcpOptions> {
  const options: TcpOptions = {};
  let i = start;
  while (i < end) {
    const kind = buf.readUInt8(i);
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i += 1;
      continue;
    }
    if (i + 1 >= end) return failed(`truncated TCP option ${kind} at offset ${i} (no length byte)`);
    const length = buf.readUInt8(i + 1);
    if (length < 2) return failed(`invalid TCP option ${kind} length (${length} < 2)`);
    if (i + length > end) {
      return failed(`TCP option ${kind} runs past header (${i + length} > ${end} bytes)`);
    }
    if (kind === OPT_MSS && length === 4) {
      options.mss = buf.readUInt16BE(i + 2);
    } else if (kind === OPT_WINDOW_SCALE && length === 3) {
      options.windowScale = buf.readUInt8(i + 2);
    } else if (kind === OPT_SACK_PERMITTED && length === 2) {
      options.sackPermitted = true;
    } else if (kind === OPT_TIMESTAMP && length === 10) {
      options.timestamp = { value: buf.readUInt32BE(i + 2), echo: buf.readUInt32BE(i + 6) };
    }
    i += length;
  }
  return decoded(options);
}

/**
 * The option list of a TCP header as text tokens in wire order, NOP and EOL
 * left out (they are padding): "mss", "sack-permitted", "timestamp",
 * "window-scale=N", "option-K" for others. MSS and timestamp carry no value
 * here (callers compare those fields on their own), so the list shows
 * presence, order and the window scale. Null when `header` is shorter than
 * its data offset or an option is malformed (as decodeTcp).
 */
export function tcpOptionList(header: Buffer): string[] | null {
  if (header.length < 20) return null;
  const end = (header[12]! >>> 4) * 4;
  if (end < 20 || end > header.length) return null;
  const list: string[] = [];
  let i = 20;
  while (i < end) {
    const kind = header[i]!;
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i += 1;
      continue;
    }
    if (i + 1 >= end) return null;
    const length = header[i + 1]!;
    if (length < 2 || i + length > end) return null;
    if (kind === OPT_MSS) list.push('mss');
    else if (kind === OPT_SACK_PERMITTED) list.push('sack-permitted');
    else if (kind === OPT_TIMESTAMP) list.push('timestamp');
    else if (kind === OPT_WINDOW_SCALE && length === 3) list.push(`window-scale=${header[i + 2]!}`);
    else list.push(`option-${kind}`);
    i += length;
  }
  return list;
}

/** The first 8 bytes of a TCP header: all an ICMP error is guaranteed to quote. */
export interface TcpPrefix {
  sourcePort: number;
  destinationPort: number;
  /** uint32 */
  sequence: number;
}

/** Decodes ports and sequence number from the first 8 bytes of `buf`; fails on fewer than 8 bytes. */
export function decodeTcpPrefix(buf: Buffer): Decoded<TcpPrefix> {
  if (buf.length < 8) return failed(`truncated TCP prefix (${buf.length} < 8 bytes)`);
  return decoded({
    sourcePort: buf.readUInt16BE(0),
    destinationPort: buf.readUInt16BE(2),
    sequence: buf.readUInt32BE(4),
  });
}

const FLAG_ORDER: ReadonlyArray<readonly [string, number]> = Object.entries(TcpFlag);

/**
 * Names of the flag bits set in `flags`, lowest bit first, comma-separated
 * (e.g. "SYN,ACK"); the empty string when none is set. Bits above 0xff are ignored.
 */
export function flagNames(flags: number): string {
  return FLAG_ORDER.filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name)
    .join(',');
}

/** Fields for writeTcpSegment; `acknowledgment` defaults to 0 and `options` to none. */
export interface TcpSegmentFields {
  sourcePort: number;
  destinationPort: number;
  /** Taken modulo 2^32, so sequence arithmetic may overflow freely. */
  sequence: number;
  /** Taken modulo 2^32. */
  acknowledgment?: number;
  flags: number;
  window: number;
  options?: TcpOptions;
}

/**
 * Encodes `options` in the order Linux uses: MSS; SACK-permitted and
 * timestamp (NOP NOP before either when the other is absent); NOP and window
 * scale. Every block is 4-byte aligned, so the result is a multiple of 4
 * bytes (at most 20) and needs no EOL padding. Throws RangeError for values
 * that do not fit their field (programmer error).
 */
export function encodeTcpOptions(options: TcpOptions): Buffer {
  const blocks: Buffer[] = [];
  if (options.mss !== undefined) {
    const block = Buffer.from([OPT_MSS, 4, 0, 0]);
    block.writeUInt16BE(options.mss, 2);
    blocks.push(block);
  }
  const sack = options.sackPermitted === true;
  if (options.timestamp !== undefined) {
    const block = Buffer.alloc(12);
    block.set(sack ? [OPT_SACK_PERMITTED, 2] : [OPT_NOP, OPT_NOP], 0);
    block.set([OPT_TIMESTAMP, 10], 2);
    block.writeUInt32BE(options.timestamp.value, 4);
    block.writeUInt32BE(options.timestamp.echo, 8);
    blocks.push(block);
  } else if (sack) {
    blocks.push(Buffer.from([OPT_NOP, OPT_NOP, OPT_SACK_PERMITTED, 2]));
  }
  if (options.windowScale !== undefined) {
    const block = Buffer.from([OPT_NOP, OPT_WINDOW_SCALE, 3, 0]);
    block.writeUInt8(options.windowScale, 3);
    blocks.push(block);
  }
  return Buffer.concat(blocks);
}

/**
 * Writes a TCP header with `fields.options` (no payload) at `offset` in
 * `out`, with the checksum over the network layer's pseudo-header:
 * `pseudoHeaderSum(length)` gives its sum for a segment of `length` bytes
 * (e.g. `(n) => ipv4PseudoHeaderSum(ip, IpProtocol.TCP, n)`), so this codec
 * knows no address family. Returns the number of bytes written (20 +
 * options). Throws RangeError if the header does not fit or a field is out
 * of range (programmer errors); what pseudoHeaderSum throws propagates
 * before anything is written.
 */
export function writeTcpSegment(
  out: Buffer,
  offset: number,
  fields: TcpSegmentFields,
  pseudoHeaderSum: (length: number) => number,
): number {
  const options = encodeTcpOptions(fields.options ?? {});
  const length = 20 + options.length;
  if (!Number.isInteger(offset) || offset < 0 || offset + length > out.length) {
    throw new RangeError(`TCP header does not fit (offset ${offset}, ${length} bytes, buffer ${out.length} bytes)`);
  }
  // Computed before writing so a bad address leaves `out` untouched.
  const pseudo = pseudoHeaderSum(length);
  out.writeUInt16BE(fields.sourcePort, offset);
  out.writeUInt16BE(fields.destinationPort, offset + 2);
  out.writeUInt32BE(fields.sequence >>> 0, offset + 4);
  out.writeUInt32BE((fields.acknowledgment ?? 0) >>> 0, offset + 8);
  out.writeUInt8((length / 4) << 4, offset + 12);
  out.writeUInt8(fields.flags, offset + 13);
  out.writeUInt16BE(fields.window, offset + 14);
  out.writeUInt16BE(0, offset + 16);
  out.writeUInt16BE(0, offset + 18);
  options.copy(out, offset + 20);
  const checksum = finishChecksum(onesComplementSum(out, offset, offset + length, pseudo));
  out.writeUInt16BE(checksum, offset + 16);
  return length;
}
