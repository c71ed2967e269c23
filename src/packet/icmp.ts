import { internetChecksum } from './checksum.js';
import { decodeIPv4, type IPv4Header } from './ipv4.js';
import { decoded, failed, type Decoded } from './result.js';

/** ICMP message types ttl-probe sends or interprets. */
export const IcmpType = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
} as const;

/** The offending datagram quoted by an ICMP error message. */
export interface IcmpQuote {
  header: IPv4Header;
  /** Subarray view of the bytes after the quoted IP header, up to its totalLength: usually 8 bytes, may be more. */
  transport: Buffer;
}

/** A decoded ICMP message. */
export interface IcmpMessage {
  type: number;
  code: number;
  /** Checksum field as received; not verified here (see verifyIcmpChecksum). */
  checksum: number;
  /** Identifier, sequence and data of echo request/reply (types 0 and 8), otherwise null. */
  echo: { identifier: number; sequence: number; data: Buffer } | null;
  /** Quoted datagram of error types 3, 4, 5, 11 and 12 when its IPv4 header decodes, otherwise null. */
  quote: IcmpQuote | null;
  /** Why the quote of an error type did not decode; null for other types and when the quote decoded. */
  quoteError: string | null;
  /** RFC 4950 MPLS label stack entries from an RFC 4884 extension structure (types 3, 11, 12); [] when none. */
  mpls: MplsEntry[];
}

/** One MPLS label stack entry (RFC 3032) as an ICMP extension reports it. */
export interface MplsEntry {
  label: number;
  /** Traffic class (the former EXP bits). */
  tc: number;
  /** Bottom of stack. */
  s: boolean;
  ttl: number;
}

/**
 * The MPLS label stack in the RFC 4884 extension of an ICMP error, or [] when
 * there is none or it is malformed. RFC 4884: byte 5 of types 3 and 11 (byte 4 of
 * 12) gives the quoted datagram's length in 32-bit words; the extension header
 * (version 2, checksum) follows it, then objects (length, class, c-type);
 * class 1 c-type 1 is the incoming label stack (RFC 4950). Routers that set no
 * length (RFC 4950's compatibility mode: extension after 128 bytes) are not read:
 * we could not tell such an extension from the quoted datagram's own bytes.
 */
export function decodeMplsExtension(buf: Buffer): MplsEntry[] {
  if (buf.length < 8) return [];
  const type = buf[0]!;
  const words = type === IcmpType.PARAMETER_PROBLEM ? buf[4]! : type === IcmpType.DEST_UNREACHABLE || type === IcmpType.TIME_EXCEEDED ? buf[5]! : 0;
  if (words === 0) return [];
  return mplsExtensionAt(buf, 8 + words * 4);
}

/**
 * The MPLS label stack entries of an RFC 4884 extension structure that
 * starts at `offset` of an ICMP or ICMPv6 error (after its quoted datagram),
 * or [] when there is none or it is malformed. Shared by both families: only
 * where the extension starts differs.
 */
export function mplsExtensionAt(buf: Buffer, start: number): MplsEntry[] {
  let offset = start;
  if (offset + 4 > buf.length || buf[offset]! >>> 4 !== 2) return [];
  offset += 4;
  const entries: MplsEntry[] = [];
  while (offset + 4 <= buf.length) {
    const length = buf.readUInt16BE(offset);
    if (length < 4 || offset + length > buf.length) return entries;
    if (buf[offset + 2] === 1 && buf[offset + 3] === 1) {
      for (let i = offset + 4; i + 4 <= offset + length; i += 4) {
        const word = buf.readUInt32BE(i);
        entries.push({ label: word >>> 12, tc: (word >>> 9) & 7, s: (word & 0x100) !== 0, ttl: word & 0xff });
      }
    }
    offset += length;
  }
  return entries;
}

const ERROR_TYPES: ReadonlySet<number> = new Set([
  IcmpType.DEST_UNREACHABLE,
  IcmpType.SOURCE_QUENCH,
  IcmpType.REDIRECT,
  IcmpType.TIME_EXCEEDED,
  IcmpType.PARAMETER_PROBLEM,
]);

/**
 * Decodes an ICMP message from `buf` (the IP payload) without copying it.
 * Fails only on fewer than 8 bytes. For error types the quoted IPv4 header
 * is decoded with allowTruncated; a quote that does not decode is reported
 * in `quoteError` rather than failing the whole message.
 */
export function decodeIcmp(buf: Buffer): Decoded<IcmpMessage> {
  if (buf.length < 8) return failed(`truncated ICMP header (${buf.length} < 8 bytes)`);
  const type = buf.readUInt8(0);
  const message: IcmpMessage = {
    type,
    code: buf.readUInt8(1),
    checksum: buf.readUInt16BE(2),
    echo: null,
    quote: null,
    quoteError: null,
    mpls: [],
  };
  if (type === IcmpType.ECHO_REPLY || type === IcmpType.ECHO_REQUEST) {
    message.echo = { identifier: buf.readUInt16BE(4), sequence: buf.readUInt16BE(6), data: buf.subarray(8) };
  } else if (ERROR_TYPES.has(type)) {
    const quoted = decodeIPv4(buf.subarray(8), { allowTruncated: true });
    if (quoted.ok) {
      message.quote = { header: quoted.value.header, transport: quoted.value.payload };
    } else {
      message.quoteError = quoted.reason;
    }
    message.mpls = decodeMplsExtension(buf);
  }
  return decoded(message);
}

/**
 * Writes an ICMP echo message (type defaults to 8, echo request; code 0)
 * followed by `data` at `offset` in `out`, with a correct checksum, and
 * returns the number of bytes written (8 + data length). Throws RangeError
 * if it does not fit or a field is out of range (programmer error).
 */
export function writeIcmpEcho(
  out: Buffer,
  offset: number,
  fields: { type?: number; identifier: number; sequence: number; data: Uint8Array },
): number {
  const length = 8 + fields.data.length;
  if (!Number.isInteger(offset) || offset < 0 || offset + length > out.length) {
    throw new RangeError(`ICMP echo does not fit (offset ${offset}, ${length} bytes, buffer ${out.length} bytes)`);
  }
  out.writeUInt8(fields.type ?? IcmpType.ECHO_REQUEST, offset);
  out.writeUInt8(0, offset + 1);
  out.writeUInt16BE(0, offset + 2);
  out.writeUInt16BE(fields.identifier, offset + 4);
  out.writeUInt16BE(fields.sequence, offset + 6);
  out.set(fields.data, offset + 8);
  out.writeUInt16BE(internetChecksum(out, offset, offset + length), offset + 2);
  return length;
}

const DESCRIPTIONS: ReadonlyMap<number, ReadonlyArray<string>> = new Map([
  [IcmpType.ECHO_REPLY, ['echo reply']],
  [
    IcmpType.DEST_UNREACHABLE,
    [
      'network unreachable',
      'host unreachable',
      'protocol unreachable',
      'port unreachable',
      'fragmentation needed and DF set',
      'source route failed',
      'destination network unknown',
      'destination host unknown',
      'source host isolated',
      'communication with destination network administratively prohibited',
      'communication with destination host administratively prohibited',
      'network unreachable for type of service',
      'host unreachable for type of service',
      'communication administratively prohibited',
      'host precedence violation',
      'precedence cutoff in effect',
    ],
  ],
  [IcmpType.SOURCE_QUENCH, ['source quench']],
  [
    IcmpType.REDIRECT,
    [
      'redirect for network',
      'redirect for host',
      'redirect for type of service and network',
      'redirect for type of service and host',
    ],
  ],
  [IcmpType.ECHO_REQUEST, ['echo request']],
  [IcmpType.TIME_EXCEEDED, ['time exceeded in transit', 'fragment reassembly time exceeded']],
  [
    IcmpType.PARAMETER_PROBLEM,
    ['parameter problem: pointer indicates the error', 'parameter problem: missing a required option', 'parameter problem: bad length'],
  ],
]);

/**
 * Human-readable description of an ICMP type/code pair (RFC 792, 1122, 1812),
 * e.g. "port unreachable" for 3/3, "communication administratively
 * prohibited" for 3/13, "time exceeded in transit" for 11/0; unknown pairs
 * give "ICMP type T code C".
 */
export function icmpDescription(type: number, code: number): string {
  return DESCRIPTIONS.get(type)?.[code] ?? `ICMP type ${type} code ${code}`;
}
