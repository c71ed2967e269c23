import type { TargetReport } from '../model/report.js';

/**
 * Which TTL-limited probes a trace needs, decided from what the plain probe
 * already learned: the host's hop (reference) and each port's reply distance.
 * Only TTLs that decide something are probed, so the routers' ICMP rate
 * limits are spent where they matter.
 */

/** Why a TTL-limited probe is sent. */
export type TracePurpose = 'path' | 'drop' | 'confirm';

export interface TraceProbe {
  port: number;
  ttl: number;
  purpose: TracePurpose;
  /** Whether the answer we need is an ICMP error from the router at hop `ttl` (rate-limited). */
  needsIcmp: boolean;
}

export interface TracePlan {
  /** The port whose flow discovers the path (constant flow, as Paris traceroute). */
  pathPort: number;
  /** The host's hop, when known. */
  hostHop: number | null;
  /** The farthest router hop probed for time-exceeded. */
  lastRouterHop: number;
  /** Silent ports, whose drop point the trace looks for. */
  dropPorts: number[];
  probes: TraceProbe[];
}

/**
 * Plans the trace of one target: every router hop for the path on one flow;
 * every router hop for each silent port (firewalk: where do its probes stop
 * drawing time-exceeded?); and, per answered port, the TTLs around its
 * responder's hop (one less must draw no reply, the hop or one more must).
 * Ordered by priority: path, then drop sweeps, then confirmations.
 */
export function planTrace(target: TargetReport, maxHops: number): TracePlan {
  const hostHop = target.reference.hop;
  const lastRouterHop = Math.max(0, Math.min(maxHops, hostHop === null ? maxHops : hostHop - 1));
  const ports = target.ports;
  const pathPort =
    ports.find((port) => port.answeredBy === 'host')?.port ?? ports.find((port) => port.reply !== null)?.port ?? ports[0]?.port ?? 0;
  const probes: TraceProbe[] = [];
  for (let ttl = 1; ttl <= lastRouterHop; ttl++) probes.push({ port: pathPort, ttl, purpose: 'path', needsIcmp: true });
  for (const port of ports) {
    if (port.answeredBy !== 'none') continue;
    for (let ttl = 1; ttl <= lastRouterHop; ttl++) {
      if (port.port === pathPort) continue;
      probes.push({ port: port.port, ttl, purpose: 'drop', needsIcmp: true });
    }
  }
  for (const port of ports) {
    if (port.hop === null) continue;
    for (const ttl of confirmationTtls(port.hop, port.answeredBy, maxHops)) {
      if (port.port === pathPort && ttl <= lastRouterHop) continue;
      probes.push({ port: port.port, ttl, purpose: 'confirm', needsIcmp: false });
    }
  }
  const dropPorts = ports.filter((port) => port.answeredBy === 'none').map((port) => port.port);
  return { pathPort, hostHop, lastRouterHop, dropPorts, probes };
}

/**
 * TTLs around a responder at `hop`. A device on the path: hop-1 must not
 * reach it; hop (a device answering before its TTL check) or hop+1 (a
 * forwarding firewall, which checks TTL first) must. The host: TTL hop must
 * reach it; that hop-1 does not is already shown by the path sweep, whose
 * probe at hop-1 expires at the last router (probing it again per port would
 * only spend that router's rate-limited errors).
 */
export function confirmationTtls(hop: number, answeredBy: string, maxHops: number): number[] {
  const ttls = answeredBy === 'host' ? [hop] : answeredBy === 'beyond' ? [hop - 1, hop] : [hop - 1, hop, hop + 1];
  return ttls.filter((ttl) => ttl >= 1 && ttl <= Math.max(maxHops, hop + 1));
}
