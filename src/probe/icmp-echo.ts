import { parseIPv4 } from '../packet/address.js';
import { IpProtocol, writeIPv4Header, type IPv4Header } from '../packet/ipv4.js';
import { IcmpType, writeIcmpEcho, type IcmpMessage } from '../packet/icmp.js';
import { cookie, type CookieKey } from './cookie.js';

/**
 * The ICMP echo probe. Its payload starts with a keyed cookie of (target,
 * identifier, sequence), which the echo reply carries back; a reply is
 * accepted only from the target and with that cookie.
 */

const IP_HEADER = 20;
/** A visible marker after the cookie, so a capture shows whose echo this is. */
const MARKER = Buffer.from('ttl-probe   ', 'latin1');
export const ECHO_DATA_BYTES = 4 + MARKER.length;

/** Tag separating echo cookies from SYN cookies under the same key. */
const ECHO_DOMAIN = 0xec40;

export function echoCookie(key: CookieKey, destinationValue: number, identifier: number, sequence: number): number {
  return cookie(key, [destinationValue, ((identifier << 16) | sequence) >>> 0, ECHO_DOMAIN]);
}

export interface EchoProbeFields {
  source: string;
  destination: string;
  identifier: number;
  sequence: number;
  ttl: number;
  ipId: number;
}

/** A complete IP packet carrying an ICMP echo request. */
export function buildEcho(key: CookieKey, fields: EchoProbeFields): Buffer {
  const destinationValue = parseIPv4(fields.destination);
  if (destinationValue === null) throw new Error(`invalid destination ${fields.destination}`);
  const data = Buffer.alloc(ECHO_DATA_BYTES);
  data.writeUInt32BE(echoCookie(key, destinationValue, fields.identifier, fields.sequence), 0);
  MARKER.copy(data, 4);
  const packet = Buffer.alloc(IP_HEADER + 8 + data.length);
  writeIPv4Header(packet, 0, {
    id: fields.ipId,
    ttl: fields.ttl,
    protocol: IpProtocol.ICMP,
    source: fields.source,
    destination: fields.destination,
    totalLength: packet.length,
  });
  writeIcmpEcho(packet, IP_HEADER, { identifier: fields.identifier, sequence: fields.sequence, data });
  return packet;
}

/**
 * Checks an ICMP message as the echo reply to one of our echoes to
 * `destination`. Returns the echo sequence number, or null.
 */
export function validateEchoReply(
  key: CookieKey,
  ip: IPv4Header,
  icmp: IcmpMessage,
  expected: { destination: string; destinationValue: number; identifier: number },
): number | null {
  if (icmp.type !== IcmpType.ECHO_REPLY || icmp.echo === null) return null;
  if (ip.source !== expected.destination) return null;
  const { identifier, sequence, data } = icmp.echo;
  if (identifier !== expected.identifier || data.length < 4) return null;
  if (data.readUInt32BE(0) !== echoCookie(key, expected.destinationValue, identifier, sequence)) return null;
  return sequence;
}
