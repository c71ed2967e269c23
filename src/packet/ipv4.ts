import { parseIPv4, readIPv4, writeIPv4 } from './address.js';
import { internetChecksum } from './checksum.js';
import { decoded, failed, type Decoded } from './result.js';

/** IP protocol numbers carried in the IPv4 protocol field. */
export const IpProtocol = { ICMP: 1, TCP: 6, UDP: 17 } as const;

/** Decoded fixed part of an IPv4 header. IP options are not parsed; `headerLength` covers them. */
export interface IPv4Header {
  version: 4;
  /** Header length in bytes (IHL * 4), 20-60. */
  headerLength: number;
  tos: number;
  /** Total length field as on the wire (header + payload, bytes). */
  totalLength: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in bytes (the field value * 8). */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  /** Header checksum field as received; not verified here (use internetChecksum over the header). */
  checksum: number;
  source: string;
  destination: string;
}

/** An IPv4 header and its payload. */
export interface IPv4Packet {
  header: IPv4Header;
  /** Subarray view of the input: from the end of the header to totalLength, or to the end of the input when truncated. */
  payload: Buffer;
  /** True when the input held fewer than totalLength bytes (only possible with allowTruncated). */
  truncated: boolean;
}

/**
 * Decodes an IPv4 packet from `buf` without copying or modifying it.
 *
 * Fails unless: at least 20 bytes, version 4, IHL >= 5, IHL * 4 <= buffer
 * length, totalLength >= IHL * 4. A totalLength beyond the buffer fails too,
 * unless `allowTruncated` is set (for the header quoted in an ICMP error,
 * which is followed by only part of the original datagram); the payload
 * then runs to the end of the input and `truncated` is true. Bytes after
 * totalLength (link-layer padding) are excluded from the payload.
 * totalLength is read in network order, as Linux raw sockets deliver it.
 */
export function decodeIPv4(buf: Buffer, options?: { allowTruncated?: boolean }): Decoded<IPv4Packet> {
  if (buf.length < 20) return failed(`truncated IPv4 header (${buf.length} < 20 bytes)`);
  const first = buf.readUInt8(0);
  const version = first >>> 4;
  if (version !== 4) return failed(`invalid IP version (${version} != 4)`);
  const ihl = first & 0x0f;
  if (ihl < 5) return failed(`IHL too small (${ihl} < 5)`);
  const headerLength = ihl * 4;
  if (headerLength > buf.length) {
    return failed(`truncated IPv4 header with options (${buf.length} < ${headerLength} bytes)`);
  }
  const totalLength = buf.readUInt16BE(2);
  if (totalLength < headerLength) {
    return failed(`IPv4 total length smaller than header (${totalLength} < ${headerLength})`);
  }
  const truncated = totalLength > buf.length;
  if (truncated && options?.allowTruncated !== true) {
    return failed(`truncated IPv4 packet (${buf.length} < ${totalLength} bytes)`);
  }
  const fragment = buf.readUInt16BE(6);
  const header: IPv4Header = {
    version: 4,
    headerLength,
    tos: buf.readUInt8(1),
    totalLength,
    id: buf.readUInt16BE(4),
    dontFragment: (fragment & 0x4000) !== 0,
    moreFragments: (fragment & 0x2000) !== 0,
    fragmentOffset: (fragment & 0x1fff) * 8,
    ttl: buf.readUInt8(8),
    protocol: buf.readUInt8(9),
    checksum: buf.readUInt16BE(10),
    source: readIPv4(buf, 12),
    destination: readIPv4(buf, 16),
  };
  const payload = buf.subarray(headerLength, truncated ? buf.length : totalLength);
  return decoded({ header, payload, truncated });
}

/** Fields for writeIPv4Header; `tos` defaults to 0 and `dontFragment` to false. */
export interface IPv4HeaderFields {
  tos?: number;
  id: number;
  dontFragment?: boolean;
  ttl: number;
  protocol: number;
  source: string;
  destination: string;
  /** Header (20) + payload bytes. */
  totalLength: number;
}

/**
 * Writes a 20-byte IPv4 header without options (version 4, IHL 5, fragment
 * offset 0) at `offset` in `out`, including a correct header checksum.
 * Throws RangeError if the header does not fit or a field is out of range,
 * TypeError for an invalid address string (programmer errors).
 */
export function writeIPv4Header(out: Buffer, offset: number, fields: IPv4HeaderFields): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + 20 > out.length) {
    throw new RangeError(`IPv4 header does not fit (offset ${offset}, buffer ${out.length} bytes)`);
  }
  out.writeUInt8(0x45, offset);
  out.writeUInt8(fields.tos ?? 0, offset + 1);
  out.writeUInt16BE(fields.totalLength, offset + 2);
  out.writeUInt16BE(fields.id, offset + 4);
  out.writeUInt16BE(fields.dontFragment === true ? 0x4000 : 0, offset + 6);
  out.writeUInt8(fields.ttl, offset + 8);
  out.writeUInt8(fields.protocol, offset + 9);
  out.writeUInt16BE(0, offset + 10);
  writeIPv4(out, offset + 12, fields.source);
  writeIPv4(out, offset + 16, fields.destination);
  out.writeUInt16BE(internetChecksum(out, offset, offset + 20), offset + 10);
}

/**
 * Unfolded sum of the IPv4 pseudo-header (source, destination, zero,
 * protocol, upper-layer length) that TCP, UDP and ICMP-over-TCP checksums
 * cover. `protocol` is taken modulo 256 and `length` modulo 65536, as the
 * fields are that wide. Throws TypeError if an address is not a valid dotted
 * quad (programmer error).
 */
export function ipv4PseudoHeaderSum(header: { source: string; destination: string }, protocol: number, length: number): number {
  const src = requireIPv4Value(header.source);
  const dst = requireIPv4Value(header.destination);
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + (protocol & 0xff) + (length & 0xffff);
}

function requireIPv4Value(address: string): number {
  const value = parseIPv4(address);
  if (value === null) throw new TypeError(`invalid IPv4 address: ${JSON.stringify(address)}`);
  return value;
}
