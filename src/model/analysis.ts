import type { CaptureFormat } from './capture.js';
import type { AnsweredBy, PortReport, Report, TargetReport } from './report.js';

/**
 * The `ttl-probe analyze` report: the probe's report record (schema
 * "ttl-probe/1", same targets, ports and verdicts) plus what only a capture
 * can show. Field names are a public contract: add fields, never rename them.
 */

/**
 * A RST inside an established connection whose distance differs from the
 * connection's other packets from the same side: it was most likely sent by
 * a device on the path (a firewall or load balancer that timed the
 * connection out) in that side's name.
 */
export interface MidflowReset {
  /** Source address of the RST (the endpoint it claims to come from). */
  from: string;
  fromPort: number;
  /** The endpoint it was sent to. */
  to: string;
  toPort: number;
  /** Which end of the connection the RST claims to be: the one that was connected to (server) or the one that connected (client). */
  side: 'server' | 'client';
  ttl: number;
  initialTtl: number;
  /** Routers crossed on the way to the capture point. */
  distance: number;
  /** traceroute hop of whoever sent it (distance + 1). */
  hop: number;
  /** Compared with the connection's own packets from that side: middlebox when closer, beyond when farther. */
  answeredBy: AnsweredBy;
  /** The most common TTL of the connection's other packets from the same side, its distance and hop. */
  flowTtl: number;
  flowDistance: number;
  flowHop: number;
  /** Capture time of the RST (ms; Unix epoch for pcap/pcapng). */
  timestampMs: number;
  explanation: string;
}

export interface AnalyzedPortReport extends PortReport {
  /** Resets that cut established connections to this port (at most MAX_LISTED_RESETS; see midflowResetCount). */
  midflowResets: MidflowReset[];
  /** All such resets, including those not listed. */
  midflowResetCount: number;
}

/** A port whose connections were seen only after their handshake (no SYN in the capture), but which was cut by a reset. */
export interface MidflowOnlyPort {
  port: number;
  midflowResets: MidflowReset[];
  midflowResetCount: number;
}

export interface AnalyzedTargetReport extends TargetReport {
  ports: AnalyzedPortReport[];
  /** Ports without a SYN in the capture whose established connections were cut by a reset. */
  midflowOnlyPorts: MidflowOnlyPort[];
}

/** What was read from the capture file. */
export interface CaptureSummary {
  file: string;
  format: CaptureFormat;
  /** Frames (text: packets) read. */
  packets: number;
  /** IPv4 packets decoded. */
  ipv4: number;
  /** Packets of neither IP family (ARP, ...), not analysed. Named before IPv6 was read; kept for compatibility. */
  notIPv4: number;
  /** Packets that could not be decoded and were ignored. */
  undecodable: number;
  /** pcap/pcapng link types seen (LINKTYPE_* numbers). */
  linkTypes: number[];
  /** IPv6 packets decoded (packets = ipv4 + ipv6 + notIPv4 + undecodable). */
  ipv6: number;
  /** Addresses that sent the SYNs (the capture's point of view): the first 100. */
  clients: string[];
  /** How many addresses sent SYNs (at least this many when more than 65536 did). */
  clientCount: number;
  /** SYNs and echo requests left out because the limits on targets (16384), ports (131072) or echo exchanges (16384) were reached. */
  untracked: number;
}

export interface AnalyzeReport extends Report {
  targets: AnalyzedTargetReport[];
  capture: CaptureSummary;
}

/** Resets listed per port at most (all are counted). */
export const MAX_LISTED_RESETS = 100;
