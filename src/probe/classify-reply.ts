import {
  controlError, decodeControlMessage, decodeNetwork, identification, isFragment, upperProtocol, arrivalTtl, controlProtocol, type NetworkPacket,
} from '../packet/network.js';
import type { MplsEntry } from '../packet/icmp.js';
import type { AnswerKind, ProbeTemplate, QuotedPacket, SentTags } from './module.js';

/** One flow probed at a target: its template and which probes of it went out. */
export interface ProbedFlow {
  template: ProbeTemplate;
  sentTags: SentTags;
}

/** What the classifier needs to know about one probed target. */
export interface ProbedTarget {
  /** The canonical address text (replies are matched by it). */
  address: string;
  /** One flow per module at most (the classifier picks the flow by protocol). */
  flows: readonly ProbedFlow[];
}

/** The run-wide facts replies are checked against. */
export interface ReplyContext<T extends ProbedTarget = ProbedTarget> {
  /** Probed targets by address. */
  targets: ReadonlyMap<string, T>;
  /** The TTL our probes leave with (for the quoted-TTL arithmetic). */
  sentTtl: number;
}

/** The ICMP error behind an 'icmp-unreachable' answer. */
export interface IcmpDetail {
  icmpType: number;
  icmpCode: number;
  /** TTL left in the quoted copy of our probe, and the TTL we sent it with. */
  quotedTtl: number;
  sentTtl: number;
}

/** The meaning of one received packet for this run. */
export type ReplyEvent<T extends ProbedTarget = ProbedTarget> =
  /** A validated answer to our probe for `subject` (with `tag`) of `flow`. */
  | { type: 'answer'; target: T; flow: ProbedFlow; subject: number; tag: number; kind: AnswerKind; from: string; ttl: number; icmp: IcmpDetail | null }
  /** An ICMP time-exceeded quoting one of our (TTL-limited) probes: `from` is the router at that hop. */
  | {
      type: 'time-exceeded'; target: T; flow: ProbedFlow; subject: number; tag: number; from: string; ttl: number; quotedIpId: number;
      /** The quoted copy (views into the received packet: copy before keeping) and any MPLS labels the error carried. */
      quote: QuotedPacket; mpls: MplsEntry[];
    }
  /** Aimed at this run (our addresses and flow identifier) but failed validation. */
  | { type: 'ignored'; target: T; reason: string }
  /** Unrelated traffic: not counted anywhere. */
  | { type: 'unrelated' };

const UNRELATED = { type: 'unrelated' } as const;

function flowFor(target: ProbedTarget, protocol: number): ProbedFlow | null {
  const flows = target.flows;
  for (let i = 0; i < flows.length; i++) if (flows[i]!.template.protocol === protocol) return flows[i]!;
  return null;
}

/**
 * Classifies one received packet: a validated reply to one of our probes, a
 * packet aimed at us that fails validation, or unrelated traffic. It
 * decodes the network layer once, then hands the packet to the module of its
 * protocol — or, for an ICMP error, to the module of the quoted packet's
 * protocol — and lets that module validate it. Pure and total: any bytes
 * give an event, never a throw.
 *
 * Checksums are deliberately not verified: the kernel hands raw sockets
 * segments whose checksum was left to offload (veth, locally generated
 * replies, many NICs), so a valid reply can carry a "wrong" checksum. The
 * keyed cookie is what proves a reply answers our probe.
 *
 * `packet` is a whole packet (IPv4 from raw sockets, which deliver the
 * header), or one already split into header and payload (IPv6 raw sockets
 * never deliver the header: the transport hands over what the kernel said
 * of it), so nothing rebuilds bytes the kernel took away.
 */
export function classifyReply<T extends ProbedTarget>(packet: Buffer | NetworkPacket, context: ReplyContext<T>): ReplyEvent<T> {
  let ip, payload;
  if (Buffer.isBuffer(packet)) {
    const decoded = decodeNetwork(packet);
    if (!decoded.ok) return UNRELATED;
    ({ header: ip, payload } = decoded.value);
  } else {
    ({ header: ip, payload } = packet);
  }
  if (isFragment(ip)) return UNRELATED;
  const protocol = upperProtocol(ip);
  if (protocol === controlProtocol(ip)) {
    const message = decodeControlMessage(ip, payload);
    if (!message.ok) return UNRELATED;
    const icmp = message.value;
    const error = controlError(ip, icmp.type);
    if (error !== null) {
      const quote = icmp.quote;
      if (quote === null) return UNRELATED;
      const target = context.targets.get(quote.header.destination);
      if (!target) return UNRELATED;
      const flow = flowFor(target, upperProtocol(quote.header));
      if (!flow) return UNRELATED;
      const match = flow.template.matchQuote(quote.header, quote.transport, flow.sentTags);
      if (match.status === 'unrelated') return UNRELATED;
      if (match.status === 'invalid') return { type: 'ignored', target, reason: match.reason };
      // Our probe, quoted by an error that says nothing about the port (ICMPv6 packet too big, parameter problem).
      if (error === 'no-verdict') return { type: 'ignored', target, reason: `control message type ${icmp.type} code ${icmp.code} quoting our probe (no verdict)` };
      const from = ip.source;
      const ttl = arrivalTtl(ip);
      if (error === 'time-exceeded') {
        return { type: 'time-exceeded', target, flow, subject: match.subject, tag: match.tag, from, ttl, quotedIpId: identification(quote.header), quote, mpls: icmp.mpls };
      }
      const detail: IcmpDetail = { icmpType: icmp.type, icmpCode: icmp.code, quotedTtl: arrivalTtl(quote.header), sentTtl: context.sentTtl };
      return { type: 'answer', target, flow, subject: match.subject, tag: match.tag, kind: 'icmp-unreachable', from, ttl, icmp: detail };
    }
  }
  const target = context.targets.get(ip.source);
  if (!target) return UNRELATED;
  const flow = flowFor(target, protocol);
  if (!flow) return UNRELATED;
  const match = flow.template.matchReply(ip, payload, flow.sentTags);
  if (match.status === 'unrelated') return UNRELATED;
  if (match.status === 'invalid') return { type: 'ignored', target, reason: match.reason };
  return { type: 'answer', target, flow, subject: match.subject, tag: match.tag, kind: match.kind, from: ip.source, ttl: arrivalTtl(ip), icmp: null };
}
