import { requireAddress } from '../packet/address.js';
import { IpProtocol } from '../packet/ipv4.js';
import {
  arrivalTtl, controlError, controlProtocol, decodeControlMessage, decodeNetwork, identification, isFragment, networkHeaderTemplate, pseudoHeaderSum, upperProtocol,
  type NetworkPacket,
} from '../packet/network.js';
import { decodeTcp, decodeTcpPrefix, TcpFlag, writeTcpSegment } from '../packet/tcp.js';

/**
 * The packets of an idle search, pure: the check segment sent inside an
 * established connection, and what a received packet says about one of the
 * watched connections.
 */

/** One end-to-end TCP connection as the raw socket sees it: our side first. */
export interface ConnectionTuple {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

/** The window our check segments advertise (it only ever widens a firewall's view of ours; a live peer drops the segment as old). */
export const CHECK_WINDOW = 502;

/** Fields of one segment we send inside a connection. */
export interface SegmentFields {
  sequence: number;
  acknowledgment: number;
  flags: number;
  ttl: number;
  ipId: number;
}

/**
 * A whole IPv4/IPv6 packet carrying a zero-length TCP segment of `tuple` (DF set). `ipId` goes
 * into the IPv4 identification, or the IPv6 flow label (IPv6 has no IP ID): where the quote of a
 * time-exceeded shows which segment it answers (probeTagOf).
 */
export function buildSegment(tuple: ConnectionTuple, fields: SegmentFields): Buffer {
  const source = requireAddress(tuple.localAddress);
  const destination = requireAddress(tuple.remoteAddress);
  const header = networkHeaderTemplate({ source, destination, protocol: IpProtocol.TCP, payloadLength: 20, dontFragment: true, flowLabel: fields.ipId & 0xfffff });
  const packet = Buffer.alloc(header.length + 20);
  header.write(packet);
  header.patch(packet, fields.ttl, fields.ipId);
  writeTcpSegment(
    packet,
    header.length,
    {
      sourcePort: tuple.localPort, destinationPort: tuple.remotePort, sequence: fields.sequence, acknowledgment: fields.acknowledgment,
      flags: fields.flags, window: CHECK_WINDOW,
    },
    (length) => pseudoHeaderSum(source, destination, IpProtocol.TCP, length),
  );
  return packet;
}

/**
 * The keepalive-style check: seq = SND.NXT - 1, ack = RCV.NXT, no data. A
 * live peer answers an old sequence number with an ACK of SND.NXT (RFC 9293
 * 3.10.7.4) and delivers nothing to its application.
 */
export function checkFields(sndNxt: number, rcvNxt: number, ttl: number, ipId: number): SegmentFields {
  return { sequence: (sndNxt - 1) >>> 0, acknowledgment: rcvNxt >>> 0, flags: TcpFlag.ACK, ttl, ipId };
}

/**
 * The canary of the drop search: a SYN on the dead connection's own 4-tuple
 * (so a per-flow balancer keeps it on the same path), which a stateful
 * firewall that forgot the connection takes as NEW and lets through. It is
 * only ever sent TTL-limited below the host, so it never reaches the host.
 */
export function canaryFields(sndNxt: number, ttl: number, ipId: number): SegmentFields {
  return { sequence: (sndNxt + 0x40000000) >>> 0, acknowledgment: 0, flags: TcpFlag.SYN, ttl, ipId };
}

/** A received packet that concerns a watched connection. */
export type IdleEvent =
  | {
      type: 'tcp';
      tuple: ConnectionTuple;
      flags: number;
      sequence: number;
      acknowledgment: number;
      payloadLength: number;
      ttl: number;
    }
  | {
      type: 'icmp';
      error: 'unreachable' | 'time-exceeded';
      tuple: ConnectionTuple;
      /** The sender of the error (a router, or the host). */
      from: string;
      ttl: number;
      icmpType: number;
      icmpCode: number;
      /** The quoted segment's sequence number and tag (IP ID or IPv6 flow label: which of our segments it quotes). */
      quotedSequence: number;
      quotedIpId: number;
    };

/**
 * Reads a received packet (a whole IPv4 packet, or an IPv6 one split by the
 * transport): a TCP segment to us, or an ICMP error quoting a TCP segment
 * of ours, with the tuple from our side. Null for anything else. Never throws.
 */
export function readIdleEvent(packet: Buffer | NetworkPacket): IdleEvent | null {
  let ip, payload;
  if (Buffer.isBuffer(packet)) {
    const decoded = decodeNetwork(packet);
    if (!decoded.ok) return null;
    ({ header: ip, payload } = decoded.value);
  } else {
    ({ header: ip, payload } = packet);
  }
  if (isFragment(ip)) return null;
  const protocol = upperProtocol(ip);
  if (protocol === IpProtocol.TCP) {
    const tcp = decodeTcp(payload);
    if (!tcp.ok) return null;
    const segment = tcp.value;
    return {
      type: 'tcp',
      tuple: { localAddress: ip.destination, localPort: segment.destinationPort, remoteAddress: ip.source, remotePort: segment.sourcePort },
      flags: segment.flags,
      sequence: segment.sequence,
      acknowledgment: segment.acknowledgment,
      payloadLength: segment.payloadLength,
      ttl: arrivalTtl(ip),
    };
  }
  if (protocol !== controlProtocol(ip)) return null;
  const message = decodeControlMessage(ip, payload);
  if (!message.ok || message.value.quote === null) return null;
  const error = controlError(ip, message.value.type);
  if (error !== 'unreachable' && error !== 'time-exceeded') return null;
  const quote = message.value.quote;
  if (upperProtocol(quote.header) !== IpProtocol.TCP) return null;
  const prefix = decodeTcpPrefix(quote.transport);
  if (!prefix.ok) return null;
  return {
    type: 'icmp',
    error,
    tuple: { localAddress: quote.header.source, localPort: prefix.value.sourcePort, remoteAddress: quote.header.destination, remotePort: prefix.value.destinationPort },
    from: ip.source,
    ttl: arrivalTtl(ip),
    icmpType: message.value.type,
    icmpCode: message.value.code,
    quotedSequence: prefix.value.sequence,
    quotedIpId: probeTagOf(quote.header),
  };
}

/** The tag buildSegment wrote into a (quoted) header: the IPv4 identification, the IPv6 flow label. */
export function probeTagOf(header: NetworkPacket['header']): number {
  return header.version === 4 ? identification(header) : header.flowLabel;
}

/** What a TCP segment of a connection means, given what we know of its sequence space. */
export type SegmentMeaning = 'syn-ack' | 'alive' | 'rst' | 'close' | 'data' | 'unrelated';

/**
 * Judges a segment from the peer. `rcvNxt`/`sndNxt` null: not known yet.
 * A RST or FIN counts only with seq = RCV.NXT exactly (RFC 5961's rule for
 * RSTs: a forged one must guess it), which a firewall's tcp-reset for our
 * check carries (its seq is our ack). A pure ACK of SND.NXT with seq =
 * RCV.NXT says the peer still knows the connection ('alive').
 */
export function segmentMeaning(flags: number, sequence: number, acknowledgment: number, payloadLength: number, rcvNxt: number | null, sndNxt: number | null): SegmentMeaning {
  const syn = (flags & TcpFlag.SYN) !== 0;
  const ack = (flags & TcpFlag.ACK) !== 0;
  if (syn) return ack && (flags & TcpFlag.RST) === 0 ? 'syn-ack' : 'unrelated';
  if (rcvNxt === null) return 'unrelated';
  const inSequence = sequence >>> 0 === rcvNxt >>> 0;
  if ((flags & TcpFlag.RST) !== 0) return inSequence ? 'rst' : 'unrelated';
  if (payloadLength > 0) return 'data';
  if ((flags & TcpFlag.FIN) !== 0) return inSequence ? 'close' : 'unrelated';
  if (ack && inSequence && sndNxt !== null && acknowledgment >>> 0 === sndNxt >>> 0) return 'alive';
  return 'unrelated';
}

/** `a` after `b` in sequence space (RFC 9293's SEQ_GT). */
export function sequenceAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** The key of a connection in maps. */
export function tupleKey(tuple: ConnectionTuple): string {
  return `${tuple.localPort}|${tuple.remoteAddress}|${tuple.remotePort}`;
}
