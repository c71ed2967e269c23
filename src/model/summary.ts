import type { AnsweredBy, PortState, ReplyKind } from './report.js';

/**
 * The fleet summary (`summary` in `--json`, the table's "summary" section, `--summary`): per port,
 * the targets grouped by who answered it. Field names are a contract, as in report.ts.
 */

/** How a device is told apart from another at the same hop: the kind of reply and its sender's initial TTL (and ICMP type/code). */
export interface ReplySignature {
  kind: ReplyKind;
  initialTtl: number;
  icmpType?: number;
  icmpCode?: number;
}

/** Targets that got the same answer on one port from the same answerer. */
export interface SummaryGroup {
  /** host: each target itself; middlebox / beyond: one device on the path (or past it); unknown: a reply without a reference; none: silent. */
  answeredBy: AnsweredBy;
  /** Targets in the group. */
  hosts: number;
  /** How many of them saw each state (only states seen). */
  states: Partial<Record<PortState, number>>;
  /** The device's hop (middlebox, beyond); null for host, unknown and none, whose hops vary or do not exist. */
  hop: number | null;
  /** The device's address when known: the ICMP sender, or with --trace the traced responder; silent ports with --trace: where they were last seen. Null otherwise. */
  address: string | null;
  /** middlebox / beyond / unknown: the reply signature the device is told apart by; null otherwise. */
  signature: ReplySignature | null;
  /** none with --trace: the hop after which the probes vanish (null: not traced, or not even hop 1 answered). */
  droppedAfterHop: number | null;
}

export interface PortSummary {
  port: number;
  /** Targets probed on this port (with a verdict). */
  hosts: number;
  /** Largest group first. */
  groups: SummaryGroup[];
}

export interface FleetSummary {
  /** Targets in the report. */
  targets: number;
  /** Ports in ascending order. */
  ports: PortSummary[];
}
