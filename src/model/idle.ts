import type { AnsweredBy, PortReport, Report, TargetReport } from './report.js';
import type { ExpectationResult } from './expectation.js';

/**
 * The record `ttl-probe idle` adds to each port of `targets[].ports[]` (schema
 * ttl-probe/1, field `idle`). Field names are a contract: add, never rename.
 */

/** What ended an idle connection: a RST, a FIN (the host's application closed it), silence, an ICMP error. */
export const IDLE_ENDS = ['rst', 'close', 'drop', 'icmp'] as const;
export type IdleEnd = (typeof IDLE_ENDS)[number];

/** A RST or FIN that arrived by itself while a connection was idle. */
export const UNSOLICITED_KINDS = ['rst', 'close'] as const;
export type UnsolicitedKind = (typeof UNSOLICITED_KINDS)[number];

/** Who sent what ended the connection, judged from its TTL against the host's reference as SYN replies are. */
export interface IdleSender {
  answeredBy: AnsweredBy;
  /** traceroute hop of the sender (distance + 1). */
  hop: number;
  ttl: number;
  /** Source address of the packet (for a RST forged with the host's address, the host's address). */
  address: string | null;
}

export interface IdleUnsolicited {
  /** Idle seconds of its connection when it came. */
  atS: number;
  kind: UnsolicitedKind;
  answeredBy: AnsweredBy;
  hop: number;
  ttl: number;
  address: string;
}

export interface IdleResult {
  /** The longest idle time tried, in seconds (--max-idle). */
  maxIdleS: number;
  /** The resolution asked for at the timeout found (seconds); null when nothing ended. */
  resolutionS: number | null;
  /** The timeout lies in (minS, maxS]: the longest idle survived and the shortest that ended it; null when it survived maxIdleS. */
  timeout: { minS: number; maxS: number } | null;
  ends: IdleEnd | null;
  by: IdleSender | null;
  /** ends = drop: the last hop whose time-exceeded still came back for the dead connection's segments (as --trace's droppedAfter). */
  droppedAfter: { hop: number; address: string | null; confirmed: boolean } | null;
  unsolicited: IdleUnsolicited[];
  /** The longest idle time a connection was checked and found alive after, in seconds; null when none was. */
  survivedS: number | null;
  /** Connections opened to this port. */
  connections: number;
  /** False when the graded checks disagree (a longer idle survived one that ended): the timeout is not sharp. */
  consistent: boolean;
  explanation: string;
  /** --expect-idle only: whether connections survived the idle time asked for. */
  expectation?: IdleExpectationResult;
}

export interface IdleExpectationResult {
  /** The idle time connections must survive, in seconds. */
  minimumS: number;
  met: boolean;
  /** What was seen instead (or that it held). */
  seen: string;
}

/** A port of `ttl-probe idle`'s report: the probe's verdict plus its idle record (null for a port not open). */
export interface IdlePortReport extends PortReport {
  idle: IdleResult | null;
  /** --expect-idle on a port that is not open (idle null): the expectation, failed. */
  idleExpectation?: IdleExpectationResult;
}

export interface IdleTargetReport extends Omit<TargetReport, 'ports'> {
  ports: IdlePortReport[];
  /** An audit file's `expect` for this target (as the probe command's `targets[].expectations`). */
  expectations?: ExpectationResult[];
}

/** `ttl-probe idle --json`: a report of schema ttl-probe/1 whose ports carry `idle`. */
export interface IdleReport extends Omit<Report, 'targets'> {
  targets: IdleTargetReport[];
}
