import type { ChangeField } from '../model/report.js';
import { decodeNetwork, type NetworkHeader } from '../packet/network.js';
import { decodeTcp, tcpOptionList } from '../packet/tcp.js';
import type { QuoteComparison, QuoteDifference, QuotedPacket } from './module.js';

/**
 * Holds the copy of our probe that an ICMP error quotes against the packet we
 * sent (tracebox's method): pure comparisons, one per protocol layer. A field
 * the quote is too short to hold is `unseen`, never "unchanged": an RFC 792
 * router quotes 28 bytes (IP header, ports, sequence), Linux up to 576.
 */

/** Accumulates the verdict on each field. */
class Comparison {
  readonly differences: QuoteDifference[] = [];
  readonly unchanged: ChangeField[] = [];
  readonly unseen: ChangeField[] = [];

  field(field: ChangeField, sent: number | string, seen: number | string | null): void {
    if (seen === null) this.unseen.push(field);
    else if (seen === sent) this.unchanged.push(field);
    else this.differences.push({ field, sent, seen });
  }

  result(quotedBytes: number): QuoteComparison {
    return { differences: this.differences, unchanged: this.unchanged, unseen: this.unseen, quotedBytes };
  }
}

/**
 * The IP fields: DSCP and ECN (IPv4 TOS, IPv6 traffic class), the IPv4 ID
 * (IPv6 has none: the field is not judged), the TTL or hop limit left
 * (expected `ttlLeft`), the source address (a NAT that does not translate the
 * quote back) and, over IPv6, the flow label (one per target, constant in a
 * run, so a device that sets its own shows). The destination is not
 * compared: the quote matched our flow by it.
 */
function compareIp(out: Comparison, sent: NetworkHeader, quoted: NetworkHeader, ttlLeft: number): void {
  const sentClass = sent.version === 4 ? sent.tos : sent.trafficClass;
  const quotedClass = quoted.version === 4 ? quoted.tos : quoted.version === 6 ? quoted.trafficClass : null;
  out.field('ip.dscp', sentClass >>> 2, quotedClass === null ? null : quotedClass >>> 2);
  out.field('ip.ecn', sentClass & 3, quotedClass === null ? null : quotedClass & 3);
  if (sent.version === 4 && quoted.version === 4) out.field('ip.id', sent.id, quoted.id);
  out.field('ip.ttl', ttlLeft, quoted.version === 4 ? quoted.ttl : quoted.hopLimit);
  out.field('ip.source', sent.source, quoted.source);
  if (sent.version === 6 && quoted.version === 6) out.field('ip.flowLabel', sent.flowLabel, quoted.flowLabel);
}

/** The IP fields only (for probes whose transport header has nothing a middlebox rewrites, such as ICMP echo). */
export function compareIpQuote(sent: Buffer, quoted: QuotedPacket, ttlLeft: number): QuoteComparison {
  const out = new Comparison();
  const decoded = decodeNetwork(sent);
  if (decoded.ok) compareIp(out, decoded.value.header, quoted.header, ttlLeft);
  return out.result(quoted.transport.length);
}

const TCP_AFTER_PREFIX: readonly ChangeField[] = ['tcp.window', 'tcp.flags', 'tcp.mss', 'tcp.options'];

/**
 * A quoted TCP SYN against the one sent: the IP fields, then the source port
 * and sequence number (in the first 8 bytes, which every router quotes), then
 * flags and window (in the 20-byte header), then MSS and the option list
 * (presence, order, window scale) when the quote holds the whole header.
 */
export function compareTcpQuote(sent: Buffer, quoted: QuotedPacket, ttlLeft: number): QuoteComparison {
  const out = new Comparison();
  const packet = decodeNetwork(sent);
  const quotedBytes = quoted.transport.length;
  if (!packet.ok) return out.result(quotedBytes);
  compareIp(out, packet.value.header, quoted.header, ttlLeft);
  const sentTcp = packet.value.payload;
  const q = quoted.transport;
  const segment = decodeTcp(sentTcp);
  if (!segment.ok) return out.result(quotedBytes);
  const tcp = segment.value;
  out.field('tcp.sourcePort', tcp.sourcePort, q.length >= 2 ? q.readUInt16BE(0) : null);
  out.field('tcp.seq', tcp.sequence, q.length >= 8 ? q.readUInt32BE(4) : null);
  if (q.length < 20) {
    out.unseen.push(...TCP_AFTER_PREFIX);
    return out.result(quotedBytes);
  }
  out.field('tcp.flags', tcp.flags, q[13]!);
  out.field('tcp.window', tcp.window, q.readUInt16BE(14));
  const quotedOptions = tcpOptionList(q);
  if (quotedOptions === null) {
    // Shorter than its data offset (or mangled past reading): the options are not in the quote.
    out.unseen.push('tcp.mss', 'tcp.options');
    return out.result(quotedBytes);
  }
  const quotedTcp = decodeTcp(q.subarray(0, (q[12]! >>> 4) * 4));
  const quotedMss = quotedTcp.ok ? quotedTcp.value.options.mss : undefined;
  if (tcp.options.mss !== undefined) out.field('tcp.mss', tcp.options.mss, quotedMss ?? 'none');
  else out.field('tcp.mss', 'none', quotedMss ?? 'none');
  out.field('tcp.options', (tcpOptionList(sentTcp) ?? []).join(','), quotedOptions.join(','));
  return out.result(quotedBytes);
}
