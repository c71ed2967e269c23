/**
 * The report record: what a probe run (or a capture analysis) learned, in the
 * shape of the `--json` output. Field names here are a public contract
 * (schema "ttl-probe/1"); add fields, never rename them.
 */

export const REPORT_SCHEMA = 'ttl-probe/1';

/*
 * Every enumeration of the report, declared once: the TypeScript types, the
 * run-time check of reports read back (report/schema.ts) and the published
 * JSON Schema (model/json-schema.ts -> schema/*.json) all derive from these.
 */
export const PORT_STATES = ['open', 'closed', 'unreachable', 'filtered'] as const;
export type PortState = (typeof PORT_STATES)[number];
export const REPLY_KINDS = ['syn-ack', 'rst', 'icmp-unreachable'] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];
export const ANSWERED_BY = ['host', 'middlebox', 'beyond', 'unknown', 'none'] as const;
export type AnsweredBy = (typeof ANSWERED_BY)[number];
export const REFERENCE_SOURCES = ['echo', 'syn-ack', 'rst', 'none'] as const;
export type ReferenceSource = (typeof REFERENCE_SOURCES)[number];
/** The initial TTLs (and IPv6 hop limits) stacks start with, smallest first. */
export const INITIAL_TTLS = [32, 64, 128, 255] as const;
export type InitialTtl = (typeof INITIAL_TTLS)[number];

/**
 * The header fields --trace compares between the SYN it sent and the copy a
 * router's time-exceeded quotes (tracebox's method), in the order reports list them.
 */
export const CHANGE_FIELDS = [
  'ip.dscp', 'ip.ecn', 'ip.id', 'ip.ttl', 'ip.source',
  'tcp.sourcePort', 'tcp.seq', 'tcp.window', 'tcp.flags', 'tcp.mss', 'tcp.options',
  // IPv6 only (appended: the IPv4 fields keep their order).
  'ip.flowLabel',
] as const;
export type ChangeField = (typeof CHANGE_FIELDS)[number];
/** Which way a TTL rewriter resets the TTL: our probes only, both ways, or not decidable from the evidence. */
export const TTL_REWRITE_DIRECTIONS = ['forward', 'both', 'unknown'] as const;
export type TtlRewriteDirection = (typeof TTL_REWRITE_DIRECTIONS)[number];
/** How a NAT showed itself: a device before the host owns the target's address (vip), or a quote whose addresses or ports differ from what we sent (quote). */
export const NAT_EVIDENCE = ['vip', 'quote'] as const;
export type NatEvidence = (typeof NAT_EVIDENCE)[number];

/** One reply to a port's SYN, with what its TTL says about its sender. */
export interface ReplyReport {
  kind: ReplyKind;
  /** Source address of the reply (for ICMP errors: the router or host that sent the error). */
  from: string;
  ttl: number;
  initialTtl: number;
  /** Routers crossed on the way back. */
  distance: number;
  rttMs: number;
  /** Only for kind icmp-unreachable. */
  icmpType?: number;
  icmpCode?: number;
  /** Only for ICMP errors: the TTL left in the copy of our SYN that the error quotes. */
  quotedTtl?: number;
  /** sent TTL - quotedTtl: routers our SYN crossed before the sender (the sender may count itself). */
  probeDistance?: number;
}

export interface PortReport {
  port: number;
  state: PortState;
  reply: ReplyReport | null;
  answeredBy: AnsweredBy;
  /** traceroute hop of whoever answered (distance + 1); null without a reply. */
  hop: number | null;
  /** How many SYNs were sent to this port. */
  tries: number;
  /** One line for a port not answered by the host; null when the host answered (unless `undermined`). */
  explanation: string | null;
  /** --trace only: the device that answered (its hop and address), confirmed by TTL-limited probes. */
  responder?: { hop: number; address: string | null; confirmed: boolean } | null;
  /** --trace only, silent ports: the last hop whose time-exceeded still came back; the filter is there or on the next link. */
  droppedAfter?: { hop: number; address: string | null; confirmed: boolean } | null;
  /** --trace only, present (true) when a TTL rewriter may have reset the TTLs this verdict rests on; `explanation` says so, even for the host. */
  undermined?: true;
  /** --trace only, `beyond` ports: the device before the host that forwards the port (it owns the target's address). */
  forwardedBy?: { hop: number; address: string } | null;
}

/** A device on the path: a traceroute hop and its address (null when it never showed; hop 0 is the client itself). */
export interface HopRef {
  hop: number;
  address: string | null;
}

/**
 * One header field the path changed in our SYN, reported once: `after` is the
 * last hop whose quote still showed what we sent (the change is made by that
 * device on its way out, or by the next one), `firstSeenAt` the first hop whose
 * quote shows `seen`. Values are numbers, except addresses and tcp.options
 * (the option list as text, e.g. "mss=1460,sack-permitted,timestamp,window-scale=7").
 */
export interface PathChangeReport {
  field: ChangeField;
  sent: number | string;
  seen: number | string;
  after: HopRef;
  firstSeenAt: number;
}

/** A device that resets the TTL of what it forwards: every reply beyond it looks as close as it. */
export interface TtlRewriteReport {
  /** The last hop whose time-exceeded came back: the rewriter, or the link after it. */
  hop: number;
  address: string | null;
  direction: TtlRewriteDirection;
  /**
   * Ports whose verdict rests on reply TTLs the rewriter may have reset: no confident verdict is claimed for
   * them. [] for direction forward (the replies' TTLs are honest; only the trace's confirmations past the
   * rewriter are void, and those responders are unconfirmed).
   */
  undermined: number[];
  /** Why it was concluded, and what the evidence cannot tell apart. */
  explanation: string;
}

/** A NAT (or a VIP owner) at a hop of the path. */
export interface NatReport {
  hop: number;
  address: string | null;
  evidence: NatEvidence;
  detail: string;
}

/** One hop of a traced path: the router (or, last, the host) at that hop. */
export interface PathHopReport {
  hop: number;
  address: string | null;
  rttMs: number | null;
  /** Bytes of our TCP segment the hop's time-exceeded quoted (RFC 792: 8; Linux: all of it); absent without a quote (the host). */
  quotedBytes?: number | null;
  /** RFC 4884/4950 MPLS label stack entries the hop's time-exceeded carried, top first. */
  mpls?: { label: number; tc: number; s: boolean; ttl: number }[];
}

export interface EchoReport {
  sent: number;
  received: number;
  ttl: number | null;
  initialTtl: number | null;
  distance: number | null;
  rttMs: number | null;
}

export interface ReferenceReport {
  source: ReferenceSource;
  distance: number | null;
  /** traceroute hop of the host (distance + 1); null without a reference. */
  hop: number | null;
}

export const ADDRESS_FAMILIES = [4, 6] as const;
export type AddressFamily = (typeof ADDRESS_FAMILIES)[number];

export interface TargetReport {
  target: string;
  address: string;
  /** The address family probed: 4 or 6. */
  family: AddressFamily;
  echo: EchoReport;
  reference: ReferenceReport;
  ports: PortReport[];
  /** Replies that failed validation (wrong cookie, unprobed port, bad checksum) and were not used. */
  ignored: number;
  /** Ports whose probing was cut short by an interruption: no verdict is claimed for them. */
  unfinishedPorts: number[];
  /** --trace only: the path to the target, hop by hop, the host last. */
  path?: PathHopReport[];
  /** --trace only: the port whose flow discovered the path. */
  pathPort?: number;
  /** --trace only: what the path did to our SYN, one entry per changed field ([] on a clean path). */
  changes?: PathChangeReport[];
  /** --trace only: a TTL rewriter on the path, or null when none showed. */
  ttlRewrite?: TtlRewriteReport | null;
  /** --trace only: NATs and VIP owners seen on the path. */
  nat?: NatReport[];
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  /** True when the run was interrupted (Ctrl-C) and the report is partial. */
  interrupted: boolean;
  targets: TargetReport[];
}
