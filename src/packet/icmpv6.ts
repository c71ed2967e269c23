import { mplsExtensionAt, type MplsEntry } from './icmp.js';
import { decodeIPv6, type IPv6Header } from './ipv6.js';
import { decoded, failed, type Decoded } from './result.js';

/** ICMPv6 message types ttl-probe sends or interprets (RFC 4443). */
export const Icmpv6Type = {
  DEST_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
} as const;

/** The offending packet an ICMPv6 error quotes (as much of it as fits in 1280 bytes, RFC 4443 section 2.4). */
export interface Icmpv6Quote {
  header: IPv6Header;
  /** Subarray view of the bytes after the quoted fixed header, up to its payloadLength or the end of the message. */
  transport: Buffer;
}

/** A decoded ICMPv6 message; the same shape as IcmpMessage (src/packet/icmp.ts) with an IPv6 quote. */
export interface Icmpv6Message {
  type: number;
  code: number;
  /** Checksum field as received; not verified (see classify-reply.ts on offloaded checksums). */
  checksum: number;
  /** Identifier, sequence and data of echo request/reply (128, 129), otherwise null. */
  echo: { identifier: number; sequence: number; data: Buffer } | null;
  /** The quoted packet of error types 1-4 when its IPv6 header decodes, otherwise null. */
  quote: Icmpv6Quote | null;
  /** Why the quote of an error type did not decode; null otherwise. */
  quoteError: string | null;
  /** RFC 4950 MPLS label stack entries from an RFC 4884 extension (types 1 and 3); [] when none. */
  mpls: MplsEntry[];
}

/**
 * The MPLS label stack in the RFC 4884 extension of an ICMPv6 destination
 * unreachable or time exceeded: byte 4 gives the quoted packet's length in
 * 64-bit words (RFC 4884 section 4.2), the extension follows it. No length,
 * no extension read (as for ICMP: it could not be told from the quote).
 */
function icmpv6Mpls(buf: Buffer, type: number): MplsEntry[] {
  if (type !== Icmpv6Type.DEST_UNREACHABLE && type !== Icmpv6Type.TIME_EXCEEDED) return [];
  const words = buf[4]!;
  return words === 0 ? [] : mplsExtensionAt(buf, 8 + words * 8);
}

/**
 * Decodes an ICMPv6 message (the IPv6 payload) without copying it. Fails
 * only on fewer than 8 bytes. Error types (1-4, RFC 4443: the high bit of
 * the type clear) carry 4 bytes of their own (unused, MTU or pointer) and
 * then the quoted packet, decoded with allowTruncated; a quote that does
 * not decode is reported in `quoteError`.
 */
export function decodeIcmpv6(buf: Buffer): Decoded<Icmpv6Message> {
  if (buf.length < 8) return failed(`truncated ICMPv6 header (${buf.length} < 8 bytes)`);
  const type = buf[0]!;
  const message: Icmpv6Message = { type, code: buf[1]!, checksum: buf.readUInt16BE(2), echo: null, quote: null, quoteError: null, mpls: [] };
  if (type === Icmpv6Type.ECHO_REQUEST || type === Icmpv6Type.ECHO_REPLY) {
    message.echo = { identifier: buf.readUInt16BE(4), sequence: buf.readUInt16BE(6), data: buf.subarray(8) };
  } else if (type >= Icmpv6Type.DEST_UNREACHABLE && type <= Icmpv6Type.PARAMETER_PROBLEM) {
    const quoted = decodeIPv6(buf.subarray(8), { allowTruncated: true });
    if (quoted.ok) message.quote = { header: quoted.value.header, transport: quoted.value.payload };
    else message.quoteError = quoted.reason;
    message.mpls = icmpv6Mpls(buf, type);
  }
  return decoded(message);
}

const DESCRIPTIONS: ReadonlyMap<number, ReadonlyArray<string>> = new Map([
  [
    Icmpv6Type.DEST_UNREACHABLE,
    [
      'no route to destination',
      'communication with destination administratively prohibited',
      'beyond scope of source address',
      'address unreachable',
      'port unreachable',
      'source address failed ingress/egress policy',
      'reject route to destination',
    ],
  ],
  [Icmpv6Type.PACKET_TOO_BIG, ['packet too big']],
  [Icmpv6Type.TIME_EXCEEDED, ['hop limit exceeded in transit', 'fragment reassembly time exceeded']],
  [Icmpv6Type.PARAMETER_PROBLEM, ['erroneous header field', 'unrecognized next header type', 'unrecognized IPv6 option']],
  [Icmpv6Type.ECHO_REQUEST, ['echo request']],
  [Icmpv6Type.ECHO_REPLY, ['echo reply']],
]);

/** Human-readable description of an ICMPv6 type/code pair (RFC 4443), e.g. "address unreachable" for 1/3; unknown pairs give "ICMPv6 type T code C". */
export function icmpv6Description(type: number, code: number): string {
  return DESCRIPTIONS.get(type)?.[code] ?? `ICMPv6 type ${type} code ${code}`;
}
