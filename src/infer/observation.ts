import type { ReplyKind } from '../model/report.js';

/**
 * What was seen for one target, before any inference: the raw facts a live
 * probe or a capture analysis collects. The infer/ functions turn it into a
 * TargetReport.
 */

/** A validated reply to one SYN. */
export interface ObservedReply {
  kind: ReplyKind;
  from: string;
  ttl: number;
  rttMs: number;
  icmpType?: number;
  icmpCode?: number;
  /** For ICMP errors: the TTL in the quoted copy of our SYN and the TTL we sent it with. */
  quotedTtl?: number;
  sentTtl?: number;
}

export interface PortObservation {
  port: number;
  /** SYNs sent. */
  tries: number;
  reply: ObservedReply | null;
  /** False when the run stopped (Ctrl-C) before this port got a reply or used up its tries. */
  finished: boolean;
}

export interface EchoObservation {
  sent: number;
  replies: { ttl: number; rttMs: number }[];
}

export interface TargetObservation {
  target: string;
  address: string;
  echo: EchoObservation;
  ports: PortObservation[];
  ignored: number;
}
