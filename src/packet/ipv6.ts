import { formatIPv6, parseIPv6 } from './address.js';
import { decoded, failed, type Decoded } from './result.js';

/** The fixed IPv6 header (RFC 8200 section 3). Extension headers are not parsed: `nextHeader` is the first one. */
export interface IPv6Header {
  version: 6;
  trafficClass: number;
  /** 20 bits. */
  flowLabel: number;
  /** Bytes after the fixed header, as on the wire (extension headers included). */
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  /** RFC 5952 text. */
  source: string;
  destination: string;
}

/** An IPv6 header and what follows it. */
export interface IPv6Packet {
  header: IPv6Header;
  /** Subarray view of the input: from byte 40 to 40 + payloadLength, or to the end of the input when truncated. */
  payload: Buffer;
  /** True when the input held fewer than 40 + payloadLength bytes (only possible with allowTruncated). */
  truncated: boolean;
}

export const IPV6_HEADER_BYTES = 40;

/**
 * Decodes an IPv6 packet from `buf` without copying or modifying it. Fails
 * unless: at least 40 bytes, version 6, and 40 + payloadLength within the
 * input, unless `allowTruncated` is set (for the packet an ICMPv6 error
 * quotes); the payload then runs to the end of the input. Bytes after the
 * payload (link-layer padding) are excluded. A payload length of 0 means an
 * empty payload: jumbograms (RFC 2675) are not supported.
 */
export function decodeIPv6(buf: Buffer, options?: { allowTruncated?: boolean }): Decoded<IPv6Packet> {
  if (buf.length < IPV6_HEADER_BYTES) return failed(`truncated IPv6 header (${buf.length} < 40 bytes)`);
  const first = buf.readUInt32BE(0);
  const version = first >>> 28;
  if (version !== 6) return failed(`invalid IP version (${version} != 6)`);
  const payloadLength = buf.readUInt16BE(4);
  const end = IPV6_HEADER_BYTES + payloadLength;
  const truncated = end > buf.length;
  if (truncated && options?.allowTruncated !== true) return failed(`truncated IPv6 packet (${buf.length} < ${end} bytes)`);
  const header: IPv6Header = {
    version: 6,
    trafficClass: (first >>> 20) & 0xff,
    flowLabel: first & 0xfffff,
    payloadLength,
    nextHeader: buf.readUInt8(6),
    hopLimit: buf.readUInt8(7),
    source: formatIPv6(buf, 8),
    destination: formatIPv6(buf, 24),
  };
  return decoded({ header, payload: buf.subarray(IPV6_HEADER_BYTES, truncated ? buf.length : end), truncated });
}

/** Fields for writeIPv6Header; `trafficClass` and `flowLabel` default to 0. */
export interface IPv6HeaderFields {
  trafficClass?: number;
  flowLabel?: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  source: string;
  destination: string;
}

/**
 * Writes the 40-byte fixed IPv6 header at `offset` in `out`. Throws
 * RangeError if it does not fit or a field is out of range, TypeError for an
 * invalid address (programmer errors).
 */
export function writeIPv6Header(out: Buffer, offset: number, fields: IPv6HeaderFields): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + IPV6_HEADER_BYTES > out.length) {
    throw new RangeError(`IPv6 header does not fit (offset ${offset}, buffer ${out.length} bytes)`);
  }
  const trafficClass = fields.trafficClass ?? 0;
  const flowLabel = fields.flowLabel ?? 0;
  if (!Number.isInteger(trafficClass) || trafficClass < 0 || trafficClass > 0xff) throw new RangeError(`traffic class out of range (${trafficClass})`);
  if (!Number.isInteger(flowLabel) || flowLabel < 0 || flowLabel > 0xfffff) throw new RangeError(`flow label out of range (${flowLabel})`);
  const source = requireIPv6(fields.source);
  const destination = requireIPv6(fields.destination);
  out.writeUInt32BE(((6 << 28) | (trafficClass << 20) | flowLabel) >>> 0, offset);
  out.writeUInt16BE(fields.payloadLength, offset + 4);
  out.writeUInt8(fields.nextHeader, offset + 6);
  out.writeUInt8(fields.hopLimit, offset + 7);
  out.set(source, offset + 8);
  out.set(destination, offset + 24);
}

/**
 * Unfolded sum of the IPv6 pseudo-header (RFC 8200 section 8.1: source,
 * destination, 32-bit upper-layer length, zeros, next header) that TCP, UDP
 * and ICMPv6 checksums cover. Throws TypeError for an invalid address.
 */
export function ipv6PseudoHeaderSum(header: { source: string; destination: string }, protocol: number, length: number): number {
  let sum = 0;
  for (const bytes of [requireIPv6(header.source), requireIPv6(header.destination)]) {
    for (let i = 0; i < 16; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  }
  const upperLength = length >>> 0;
  return sum + (upperLength >>> 16) + (upperLength & 0xffff) + (protocol & 0xff);
}

function requireIPv6(text: string): Uint8Array {
  const bytes = parseIPv6(text);
  if (bytes === null) throw new TypeError(`invalid IPv6 address: ${JSON.stringify(text)}`);
  return bytes;
}
