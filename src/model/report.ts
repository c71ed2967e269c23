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
  /** One line for a port not answered by the host; null when the host answered. */
  explanation: string | null;
  /** --trace only: the device that answered (its hop and address), confirmed by TTL-limited probes. */
  responder?: { hop: number; address: string | null; confirmed: boolean } | null;
  /** --trace only, silent ports: the last hop whose time-exceeded still came back; the filter is there or on the next link. */
  droppedAfter?: { hop: number; address: string | null; confirmed: boolean } | null;
}

/** One hop of a traced path: the router (or, last, the host) at that hop. */
export interface PathHopReport {
  hop: number;
  address: string | null;
  rttMs: number | null;
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
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  /** True when the run was interrupted (Ctrl-C) and the report is partial. */
  interrupted: boolean;
  targets: TargetReport[];
}
