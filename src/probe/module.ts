import type { Address } from '../packet/address.js';
import type { NetworkHeader } from '../packet/network.js';
import { REPLY_KINDS, type ChangeField, type ReplyKind } from '../model/report.js';
import type { CookieKey } from './cookie.js';

/**
 * The contract of a probe kind (in the manner of zmap's probe modules): a
 * module prepares a template once per flow, makes each probe from the
 * template and the per-probe fields, validates replies and the copies of
 * its probes quoted in ICMP errors, and says what a reply means. The engine
 * and the tracer only ever talk to this interface; src/probe/registry.ts
 * lists the modules.
 */

/** The constant part of every probe one run sends with one module from one source to one target. */
export interface ProbeFlow {
  source: Address;
  destination: Address;
  /**
   * The run's 16-bit flow identifier, which the module puts where replies
   * carry it back (the TCP source port, the ICMP echo identifier).
   */
  flowId: number;
}

/** What a reply says about the probe it answers. `icmp-unreachable` comes from the ICMP error path, not from a module. */
export type AnswerKind = ReplyKind | 'echo-reply';

/** True for the kinds a port verdict is made of (every AnswerKind but 'echo-reply'). */
export function isPortAnswer(kind: AnswerKind): kind is ReplyKind {
  return (REPLY_KINDS as readonly string[]).includes(kind);
}

/** Which tags were sent for a subject; null when the subject was never probed. */
export type SentTags = (subject: number) => readonly number[] | null;

/**
 * A received packet judged against one template:
 * - `match`: it answers our probe for `subject` with `tag`;
 * - `invalid`: it is aimed at this run (our addresses and flow identifier) but fails validation;
 * - `unrelated`: someone else's traffic, counted nowhere.
 */
export type ProbeMatch =
  | { status: 'match'; subject: number; tag: number; kind: AnswerKind }
  | { status: 'invalid'; reason: string }
  | { status: 'unrelated' };

export const UNRELATED: ProbeMatch = { status: 'unrelated' };

/** The copy of a probe an ICMP error quotes: its network header and the bytes after it. */
export interface QuotedPacket {
  header: NetworkHeader;
  transport: Buffer;
}

/** One field whose quoted value differs from the sent one. */
export interface QuoteDifference {
  field: ChangeField;
  sent: number | string;
  seen: number | string;
}

/**
 * A quote held against the probe it copies: which fields differ, which the
 * quote showed unchanged, and which it was too short to show (an RFC 792
 * 28-byte quote holds the IP header, ports and sequence number only).
 */
export interface QuoteComparison {
  differences: QuoteDifference[];
  unchanged: ChangeField[];
  unseen: ChangeField[];
  /** Bytes of our transport header and payload the quote holds. */
  quotedBytes: number;
}

/** A prepared flow: the template of its probes and the validation of what comes back. */
export interface ProbeTemplate {
  readonly module: ProbeModule;
  readonly flow: ProbeFlow;
  /** The IP protocol (IPv6 next header) of this flow's probes and direct replies: the module's, or its family's counterpart (ICMPv6 for an echo over IPv6). */
  readonly protocol: number;
  /**
   * A new packet (network header included) for one probe. `subject` is what
   * the probe asks about (a TCP destination port, an echo sequence number);
   * `ttl` the TTL or hop limit it leaves with; `ipId` the IPv4
   * identification; `tag` tells apart probes of one subject (the tracer uses
   * the TTL, plain probes 0), and every reply names it. A fresh buffer each
   * time: sends may be queued.
   */
  build(subject: number, ttl: number, ipId: number, tag: number): Buffer;
  /**
   * A packet to send just before probe `tag` of `subject` goes out again
   * after a silence, undoing what our first probe may have left on the far
   * side when only its reply was lost; null when nothing needs undoing.
   */
  buildBeforeResend?(subject: number, ttl: number, ipId: number, tag: number): Buffer | null;
  /** Judges a packet of this module's protocol (`payload`: what follows the network header). */
  matchReply(ip: NetworkHeader, payload: Buffer, sentTags: SentTags): ProbeMatch;
  /**
   * Judges the copy of a probe an ICMP error quotes: its network header and
   * the bytes after it (8 at least by RFC 792, often more). A match's kind
   * is unused: the error's type says what happened.
   */
  matchQuote(quoted: NetworkHeader, transport: Buffer, sentTags: SentTags): ProbeMatch;
  /**
   * The template --trace sends: the same flow and cookies (replies and
   * quotes validate alike), shaped so that what middleboxes do to real
   * traffic shows in the quotes (the TCP SYN: a Linux client's options).
   * Itself when the kind has no such variant.
   */
  forTrace(): ProbeTemplate;
  /**
   * Compares a quote (already matched by matchQuote) with `sent`, the packet
   * build() made for that probe. `ttlLeft` is the TTL the quote should show
   * (1 in a time-exceeded from the hop where the probe expired). Pure.
   */
  compareQuote(sent: Buffer, quoted: QuotedPacket, ttlLeft: number): QuoteComparison;
}

/** A probe kind. */
export interface ProbeModule {
  /** Stable name (options, diagnostics). */
  readonly name: string;
  /** The IP protocol of its IPv4 probes and of the replies it validates (a template's `protocol` gives the flow's own). */
  readonly protocol: number;
  /** Prepares the constant part of a flow's probes once, for either family. Throws TypeError for a flow it cannot send (a programmer error). */
  prepare(flow: ProbeFlow, key: CookieKey): ProbeTemplate;
}
