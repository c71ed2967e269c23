import type { NatReport, PathChangeReport, TargetReport } from '../model/report.js';
import type { TraceOutcome } from './outcome.js';

/** What the NAT evidence adds to a trace: findings, and per `beyond` port the device that forwards it. */
export interface NatConclusion {
  nat: NatReport[];
  forwardedBy: Map<number, { hop: number; address: string }>;
}

/**
 * NATs and VIP owners on the path. Pure.
 * - vip: the target's own address answers from a hop before the host that
 *   answers some port (a time-exceeded from it, or its echo replies at the
 *   reference hop while a port's reply comes from farther: a load balancer or
 *   DNAT owns the address and forwards the port);
 * - quote: a quote whose source address or port differs from what we sent
 *   (a NAT that does not translate the quoted packet back; Linux does, so a
 *   Linux SNAT never shows here).
 */
export function concludeNat(target: TargetReport, outcomes: readonly TraceOutcome[], changes: readonly PathChangeReport[]): NatConclusion {
  const nat: NatReport[] = [];
  const forwardedBy = new Map<number, { hop: number; address: string }>();
  const beyond = target.ports.filter((port) => port.answeredBy === 'beyond' && port.hop !== null);
  const farthest = Math.max(0, ...beyond.map((port) => port.hop!));
  // The nearest hop at which the target's own address shows: its echo replies (the reference), or a time-exceeded
  // from it. Linux's DNAT rewrites the source of a time-exceeded from a router behind it to the VIP too (the
  // error is RELATED to the translated flow), so such errors name the VIP at hops past its owner: take the nearest.
  const ownHops = outcomes.filter((o) => o.timeExceeded?.from === target.address).map((o) => o.ttl);
  if (target.reference.hop !== null) ownHops.push(target.reference.hop);
  const vipHop = ownHops.length > 0 ? Math.min(...ownHops) : null;
  if (beyond.length > 0 && vipHop !== null && vipHop < farthest) {
    const ports = beyond.map((port) => port.port);
    nat.push({
      hop: vipHop,
      address: target.address,
      evidence: 'vip',
      detail: `the device at hop ${vipHop} owns ${target.address} and forwards port${ports.length > 1 ? 's' : ''} ${ports.join(',')} to a host farther away`,
    });
    for (const port of beyond) if (port.hop! > vipHop) forwardedBy.set(port.port, { hop: vipHop, address: target.address });
  }
  for (const change of changes) {
    if (change.field !== 'ip.source' && change.field !== 'tcp.sourcePort') continue;
    const what = change.field === 'ip.source' ? 'source address' : 'source port';
    nat.push({
      hop: change.after.hop,
      address: change.after.address,
      evidence: 'quote',
      detail: `quotes from hop ${change.firstSeenAt} on show our ${what} ${change.sent} rewritten to ${change.seen}`,
    });
  }
  return { nat, forwardedBy };
}
