import { icmpEcho } from './icmp-echo.js';
import type { ProbeModule } from './module.js';
import { tcpSyn } from './tcp-syn.js';

/**
 * Every probe kind, listed explicitly (no discovery, no side effects at
 * import).
 *
 * To add a kind, write one module (src/probe/<kind>.ts) that exports a
 * ProbeModule (src/probe/module.ts) and list it here. It must provide:
 * - `name`, stable, and `protocol`, the IP protocol of its probes and of
 *   the replies it validates — unique in this list, since the classifier
 *   finds a module by protocol (a reply's, or the quoted packet's in an
 *   ICMP error);
 * - `prepare(flow, key)`: the template of one flow, computed once, whose
 *   `build(subject, ttl, ipId, tag)` makes a probe with any TTL (the tracer
 *   sends the same probes TTL-limited), with the flow identifier where
 *   replies carry it back and a keyed cookie covering subject and tag;
 * - `matchReply` and `matchQuote`: accept only what echoes that cookie,
 *   say 'unrelated' for traffic not aimed at this flow, and never throw or
 *   write into the packet (test/fuzz/classify-reply.ts checks this).
 * The engine and the tracer need no change: they schedule (template,
 * subject, ttl, tag) and read the classifier's events.
 */
export const PROBE_MODULES: readonly ProbeModule[] = [tcpSyn, icmpEcho];

/** The module whose probes (and direct replies) use IP protocol `protocol`, or null. */
export function moduleForProtocol(protocol: number): ProbeModule | null {
  for (const module of PROBE_MODULES) if (module.protocol === protocol) return module;
  return null;
}

/** The module named `name`, or null. */
export function moduleNamed(name: string): ProbeModule | null {
  return PROBE_MODULES.find((module) => module.name === name) ?? null;
}

/** What a scan asks of every port unless told otherwise. */
export const DEFAULT_PORT_MODULE: ProbeModule = tcpSyn;
/** Whose replies give a host's own initial TTL unless told otherwise. */
export const DEFAULT_REFERENCE_MODULE: ProbeModule = icmpEcho;
