import { parseIPv4 } from '../packet/address.js';
import { finishChecksum, onesComplementSum } from '../packet/checksum.js';
import { IpProtocol, writeIPv4Header, type IPv4Header } from '../packet/ipv4.js';
import { TcpFlag, writeTcpSegment, type TcpPrefix, type TcpSegment } from '../packet/tcp.js';
import type { ReplyKind } from '../model/report.js';
import { cookie, type CookieKey } from './cookie.js';

/**
 * The TCP SYN probe: a realistic SYN (window 64240, MSS 1460) whose sequence
 * number is a keyed cookie of the flow, so any reply (SYN-ACK/RST acking it,
 * or an ICMP error quoting it) can be checked without per-probe state.
 */

/** The constant part of every SYN this run sends from one source to one target. */
export interface SynFlow {
  source: string;
  destination: string;
  sourcePort: number;
}

export const SYN_WINDOW = 64240;
export const SYN_MSS = 1460;
const IP_HEADER = 20;
/** TCP header 20 bytes + MSS option 4 bytes. */
const TCP_HEADER = 24;
export const SYN_PACKET_BYTES = IP_HEADER + TCP_HEADER;

/** A prepared SYN: bytes with per-probe fields zeroed and the checksum sums of the constant fields. */
export interface SynTemplate {
  flow: SynFlow;
  bytes: Buffer;
  sourceValue: number;
  destinationValue: number;
  /** One's-complement sum of the IP header with id, ttl and checksum zero. */
  ipBaseSum: number;
  /** Sum of the pseudo-header and the TCP header with ports, sequence and checksum zero. */
  tcpBaseSum: number;
}

/**
 * The sequence number (cookie) a SYN of this flow to `destinationPort`
 * carries. `tag` tells apart probes of the same flow (the tracer uses the
 * probe's TTL; plain probes use 0): the flow, and so the path a per-flow load
 * balancer picks, stays the same while each reply still names its probe.
 */
export function synSequence(key: CookieKey, sourceValue: number, destinationValue: number, sourcePort: number, destinationPort: number, tag = 0): number {
  return cookie(key, [sourceValue, destinationValue, ((sourcePort << 16) | destinationPort) >>> 0, tag]);
}

/** Which tags were sent to a port (null: the port was not probed). */
export type SentTags = (port: number) => readonly number[] | null;

/** The first of `tags` whose cookie equals `value` (when acceptExact) or cookie + 1 (when acceptPlusOne), or null. */
function matchTag(template: SynTemplate, key: CookieKey, port: number, tags: readonly number[], value: number, acceptExact: boolean, acceptPlusOne: boolean): number | null {
  for (const tag of tags) {
    const sequence = synSequence(key, template.sourceValue, template.destinationValue, template.flow.sourcePort, port, tag);
    if ((acceptExact && value === sequence) || (acceptPlusOne && value === ((sequence + 1) >>> 0))) return tag;
  }
  return null;
}

export function prepareSynTemplate(flow: SynFlow): SynTemplate {
  const sourceValue = parseIPv4(flow.source);
  const destinationValue = parseIPv4(flow.destination);
  if (sourceValue === null || destinationValue === null) throw new Error(`invalid flow addresses ${flow.source} -> ${flow.destination}`);
  const bytes = Buffer.alloc(SYN_PACKET_BYTES);
  writeIPv4Header(bytes, 0, {
    id: 0,
    ttl: 0,
    dontFragment: true,
    protocol: IpProtocol.TCP,
    source: flow.source,
    destination: flow.destination,
    totalLength: SYN_PACKET_BYTES,
  });
  bytes.writeUInt16BE(0, 10);
  writeTcpSegment(
    bytes,
    IP_HEADER,
    { sourcePort: 0, destinationPort: 0, sequence: 0, flags: TcpFlag.SYN, window: SYN_WINDOW, options: { mss: SYN_MSS } },
    flow.source,
    flow.destination,
  );
  bytes.writeUInt16BE(0, IP_HEADER + 16);
  const ipBaseSum = onesComplementSum(bytes, 0, IP_HEADER);
  // Pseudo-header: source, destination, zero+protocol, TCP length.
  const pseudo = Buffer.alloc(12);
  pseudo.writeUInt32BE(sourceValue, 0);
  pseudo.writeUInt32BE(destinationValue, 4);
  pseudo.writeUInt16BE(IpProtocol.TCP, 8);
  pseudo.writeUInt16BE(TCP_HEADER, 10);
  const tcpBaseSum = onesComplementSum(bytes, IP_HEADER, SYN_PACKET_BYTES, onesComplementSum(pseudo));
  return { flow, bytes, sourceValue, destinationValue, ipBaseSum, tcpBaseSum };
}

/** Per-probe fields of a SYN. */
export interface SynProbeFields {
  destinationPort: number;
  ttl: number;
  ipId: number;
  /** See synSequence; 0 for plain probes. */
  tag?: number;
}

/**
 * A new packet (IP header + SYN) from the template with the per-probe fields
 * patched and both checksums completed incrementally. A fresh buffer, since
 * the send is asynchronous.
 */
export function buildSyn(template: SynTemplate, key: CookieKey, fields: SynProbeFields): Buffer {
  const packet = Buffer.allocUnsafe(SYN_PACKET_BYTES);
  template.bytes.copy(packet, 0, 0, SYN_PACKET_BYTES);
  const { sourcePort } = template.flow;
  const { destinationPort, ipId, ttl } = fields;
  const sequence = synSequence(key, template.sourceValue, template.destinationValue, sourcePort, destinationPort, fields.tag ?? 0);
  // Plain byte stores: this runs once per probe, and Buffer's checked writers cost more than the
  // packet's whole construction (every value here is already in range by construction).
  writeUint16(packet, 4, ipId);
  packet[8] = ttl;
  writeUint16(packet, 10, finishChecksum(template.ipBaseSum + ipId + (ttl << 8)));
  writeUint16(packet, IP_HEADER, sourcePort);
  writeUint16(packet, IP_HEADER + 2, destinationPort);
  writeUint16(packet, IP_HEADER + 4, sequence >>> 16);
  writeUint16(packet, IP_HEADER + 6, sequence & 0xffff);
  const tcpSum = template.tcpBaseSum + sourcePort + destinationPort + (sequence >>> 16) + (sequence & 0xffff);
  writeUint16(packet, IP_HEADER + 16, finishChecksum(tcpSum));
  return packet;
}

/** Big-endian 16-bit store of a value known to be 0..65535. */
function writeUint16(packet: Buffer, offset: number, value: number): void {
  packet[offset] = value >>> 8;
  packet[offset + 1] = value & 0xff;
}

/** What a reply to one of our SYNs says, once validated. */
export interface SynReplyMatch {
  /** The probed destination port this reply answers. */
  port: number;
  kind: ReplyKind;
  /** The tag of the probe it answers. */
  tag: number;
}

export type SynValidation = { ok: true; match: SynReplyMatch } | { ok: false; reason: string };

/**
 * Validates a TCP segment as the answer to a SYN of `template`'s flow:
 * addresses and our source port, then the cookie: a SYN-ACK must ack seq+1,
 * a RST may ack seq or seq+1. `sentTags` says which probes went to that port.
 */
export function validateTcpReply(
  template: SynTemplate,
  key: CookieKey,
  ip: IPv4Header,
  tcp: TcpSegment,
  sentTags: SentTags,
): SynValidation {
  const { flow } = template;
  if (ip.source !== flow.destination || ip.destination !== flow.source) return { ok: false, reason: 'addresses' };
  if (tcp.destinationPort !== flow.sourcePort) return { ok: false, reason: 'not our source port' };
  const port = tcp.sourcePort;
  const tags = sentTags(port);
  if (tags === null) return { ok: false, reason: `port ${port} was not probed` };
  const isSyn = (tcp.flags & TcpFlag.SYN) !== 0;
  const isAck = (tcp.flags & TcpFlag.ACK) !== 0;
  const isRst = (tcp.flags & TcpFlag.RST) !== 0;
  if (isRst) {
    const tag = isAck ? matchTag(template, key, port, tags, tcp.acknowledgment, true, true) : null;
    if (tag !== null) return { ok: true, match: { port, kind: 'rst', tag } };
    return { ok: false, reason: 'RST does not acknowledge our SYN' };
  }
  if (isSyn && isAck) {
    const tag = matchTag(template, key, port, tags, tcp.acknowledgment, false, true);
    if (tag !== null) return { ok: true, match: { port, kind: 'syn-ack', tag } };
    return { ok: false, reason: 'SYN-ACK does not acknowledge our SYN' };
  }
  return { ok: false, reason: 'neither SYN-ACK nor RST' };
}

/**
 * Validates the copy of our SYN quoted inside an ICMP error: quoted addresses
 * and protocol, our source port, a probed destination port, and the cookie
 * in the quoted sequence number.
 */
export function validateQuotedSyn(
  template: SynTemplate,
  key: CookieKey,
  quotedIp: IPv4Header,
  quotedTcp: TcpPrefix,
  sentTags: SentTags,
): { ok: true; port: number; tag: number } | { ok: false; reason: string } {
  const { flow } = template;
  if (quotedIp.protocol !== IpProtocol.TCP) return { ok: false, reason: 'quoted protocol' };
  if (quotedIp.source !== flow.source || quotedIp.destination !== flow.destination) return { ok: false, reason: 'quoted addresses' };
  if (quotedTcp.sourcePort !== flow.sourcePort) return { ok: false, reason: 'quoted source port' };
  const port = quotedTcp.destinationPort;
  const tags = sentTags(port);
  if (tags === null) return { ok: false, reason: `quoted port ${port} was not probed` };
  const tag = matchTag(template, key, port, tags, quotedTcp.sequence, true, false);
  if (tag === null) return { ok: false, reason: 'quoted sequence is not our cookie' };
  return { ok: true, port, tag };
}
