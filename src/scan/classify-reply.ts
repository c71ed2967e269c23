import { decodeIcmp, IcmpType } from '../packet/icmp.js';
import { decodeIPv4, IpProtocol } from '../packet/ipv4.js';
import { decodeTcp, decodeTcpPrefix } from '../packet/tcp.js';
import type { ObservedReply } from '../infer/observation.js';
import type { CookieKey } from '../probe/cookie.js';
import { validateEchoReply } from '../probe/icmp-echo.js';
import { validateQuotedSyn, validateTcpReply, type SynTemplate } from '../probe/tcp-syn.js';

/** What the classifier needs to know about one probed target. */
export interface ProbedTarget {
  address: string;
  addressValue: number;
  template: SynTemplate;
  /** The tags of the SYNs sent to a port (see synSequence), null when the port was not probed. */
  sentTags(port: number): readonly number[] | null;
}

/** The run-wide facts replies are checked against. */
export interface ReplyContext<T extends ProbedTarget = ProbedTarget> {
  key: CookieKey;
  echoIdentifier: number;
  /** Probed targets by address. */
  targets: ReadonlyMap<string, T>;
  /** The TTL our probes leave with (for the quoted-TTL arithmetic). */
  sentTtl: number;
}

/** The meaning of one received packet for this run. */
export type ReplyEvent<T extends ProbedTarget = ProbedTarget> =
  | { type: 'port'; target: T; port: number; tag: number; reply: Omit<ObservedReply, 'rttMs'> }
  /** An ICMP time-exceeded quoting one of our (TTL-limited) SYNs: `from` is the router at that hop. */
  | { type: 'time-exceeded'; target: T; port: number; tag: number; from: string; ttl: number; quotedIpId: number }
  | { type: 'echo'; target: T; sequence: number; ttl: number }
  /** Aimed at this run (our addresses and source port) but failed validation. */
  | { type: 'ignored'; target: T; reason: string }
  /** Unrelated traffic: not counted anywhere. */
  | { type: 'unrelated' };

const UNRELATED = { type: 'unrelated' } as const;

/**
 * Classifies one received IPv4 packet: a validated reply to one of our SYNs
 * or echoes, a packet aimed at us that fails validation, or unrelated
 * traffic. Pure and total: any bytes give an event, never a throw.
 *
 * Checksums are deliberately not verified: the kernel hands raw sockets
 * segments whose checksum was left to offload (veth, locally generated
 * replies, many NICs), so a valid reply can carry a "wrong" checksum. The
 * keyed cookie is what proves a reply answers our probe.
 */
export function classifyReply<T extends ProbedTarget>(packet: Buffer, context: ReplyContext<T>): ReplyEvent<T> {
  const decodedIp = decodeIPv4(packet);
  if (!decodedIp.ok) return UNRELATED;
  const { header: ip, payload } = decodedIp.value;
  if (ip.fragmentOffset !== 0 || ip.moreFragments) return UNRELATED;
  if (ip.protocol === IpProtocol.TCP) {
    const target = context.targets.get(ip.source);
    if (!target || ip.destination !== target.template.flow.source) return UNRELATED;
    const decodedTcp = decodeTcp(payload);
    if (!decodedTcp.ok) return UNRELATED;
    const tcp = decodedTcp.value;
    if (tcp.destinationPort !== target.template.flow.sourcePort) return UNRELATED;
    const validation = validateTcpReply(target.template, context.key, ip, tcp, (port) => target.sentTags(port));
    if (!validation.ok) return { type: 'ignored', target, reason: validation.reason };
    return { type: 'port', target, port: validation.match.port, tag: validation.match.tag, reply: { kind: validation.match.kind, from: ip.source, ttl: ip.ttl } };
  }
  if (ip.protocol !== IpProtocol.ICMP) return UNRELATED;
  const decodedIcmp = decodeIcmp(payload);
  if (!decodedIcmp.ok) return UNRELATED;
  const icmp = decodedIcmp.value;
  if (icmp.type === IcmpType.ECHO_REPLY) {
    const target = context.targets.get(ip.source);
    if (!target || icmp.echo?.identifier !== context.echoIdentifier) return UNRELATED;
    const sequence = validateEchoReply(context.key, ip, icmp, {
      destination: target.address,
      destinationValue: target.addressValue,
      identifier: context.echoIdentifier,
    });
    if (sequence === null) return { type: 'ignored', target, reason: 'echo reply without our cookie' };
    return { type: 'echo', target, sequence, ttl: ip.ttl };
  }
  const isError = icmp.type === IcmpType.DEST_UNREACHABLE || icmp.type === IcmpType.TIME_EXCEEDED;
  if (!isError || icmp.quote === null) return UNRELATED;
  const quoted = icmp.quote.header;
  const target = context.targets.get(quoted.destination);
  if (!target || quoted.protocol !== IpProtocol.TCP || quoted.source !== target.template.flow.source) return UNRELATED;
  const prefix = decodeTcpPrefix(icmp.quote.transport);
  if (!prefix.ok || prefix.value.sourcePort !== target.template.flow.sourcePort) return UNRELATED;
  const validation = validateQuotedSyn(target.template, context.key, quoted, prefix.value, (port) => target.sentTags(port));
  if (!validation.ok) return { type: 'ignored', target, reason: validation.reason };
  if (icmp.type === IcmpType.TIME_EXCEEDED) {
    return { type: 'time-exceeded', target, port: validation.port, tag: validation.tag, from: ip.source, ttl: ip.ttl, quotedIpId: quoted.id };
  }
  return {
    type: 'port',
    target,
    port: validation.port,
    tag: validation.tag,
    reply: {
      kind: 'icmp-unreachable',
      from: ip.source,
      ttl: ip.ttl,
      icmpType: icmp.type,
      icmpCode: icmp.code,
      quotedTtl: quoted.ttl,
      sentTtl: context.sentTtl,
    },
  };
}
