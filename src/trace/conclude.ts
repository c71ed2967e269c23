import type { NatReport, PathChangeReport, PortReport, TargetReport, TtlRewriteReport } from '../model/report.js';
import { distanceOf } from '../infer/ttl.js';
import type { MplsEntry } from '../packet/icmp.js';
import { concludeChanges, type HopQuote } from './changes.js';
import { concludeNat } from './nat.js';
import type { TraceOutcome } from './outcome.js';
import type { TracePlan } from './plan.js';
import { concludeTtlRewrite, unconfirmable } from './ttl-rewrite.js';

export type { TraceOutcome } from './outcome.js';

export interface PathHop {
  hop: number;
  address: string | null;
  rttMs: number | null;
  /** Routers only: bytes of our segment their quote held (null: no quote kept), and MPLS labels. */
  quotedBytes?: number | null;
  mpls?: MplsEntry[];
}

export interface Responder {
  hop: number;
  address: string | null;
  /** True when TTL-limited probes agree: none reached it with TTL hop-1, one did with TTL hop or hop+1. */
  confirmed: boolean;
}

export interface DropPoint {
  hop: number;
  address: string | null;
  /** True when a canary proved the next router was answering when this port's probe should have reached it. */
  confirmed: boolean;
}

export interface TraceConclusion {
  /** The port whose flow discovered the path. */
  pathPort: number;
  path: PathHop[];
  responders: Map<number, Responder | null>;
  droppedAfter: Map<number, DropPoint | null>;
  /** What the path did to our probes (see concludeChanges). */
  changes: PathChangeReport[];
  ttlRewrite: TtlRewriteReport | null;
  nat: NatReport[];
  /** `beyond` ports: the device before the host that forwards them. */
  forwardedBy: Map<number, { hop: number; address: string }>;
}

const key = (port: number, ttl: number): string => `${port}/${ttl}`;

/**
 * From the outcomes of a planned trace: the path (router per hop, the host
 * last), per answered port the device that answered (hop and address) and
 * whether TTL-limited probes confirm it, per silent port the last hop whose
 * time-exceeded still came back (the filter is there or on the next link).
 */
export function concludeTrace(target: TargetReport, plan: TracePlan, outcomes: readonly TraceOutcome[], settledDrops: ReadonlySet<number> = new Set()): TraceConclusion {
  const byKey = new Map(outcomes.map((outcome) => [key(outcome.port, outcome.ttl), outcome]));
  // Router per hop: from the path flow first, then from any port's probe expiring there (the path is shared).
  const routerAt = new Map<number, { from: string; rttMs: number }>();
  // The quote each hop is judged by: the path flow's where it has one (one flow, one treatment), else any port's.
  const quoteAt = new Map<number, TraceOutcome>();
  for (const pass of [true, false]) {
    for (const outcome of outcomes) {
      if (!outcome.timeExceeded || (pass && outcome.port !== plan.pathPort)) continue;
      if (!routerAt.has(outcome.ttl)) routerAt.set(outcome.ttl, outcome.timeExceeded);
      if (outcome.quote && !quoteAt.has(outcome.ttl)) quoteAt.set(outcome.ttl, outcome);
    }
  }
  const path: PathHop[] = [];
  for (let hop = 1; hop <= plan.lastRouterHop; hop++) {
    const router = routerAt.get(hop);
    const quote = quoteAt.get(hop)?.quote;
    path.push({
      hop, address: router?.from ?? null, rttMs: router ? round(router.rttMs) : null,
      ...(router ? { quotedBytes: quote?.comparison.quotedBytes ?? null } : {}),
      ...(quote && quote.mpls.length > 0 ? { mpls: quote.mpls } : {}),
    });
  }
  // Quotes of hops past the last router (confirmation probes expiring further out) count too.
  const hopQuotes: HopQuote[] = [...quoteAt.values()].map((o) => ({ hop: o.ttl, address: o.timeExceeded!.from, comparison: o.quote!.comparison }));
  const changes = concludeChanges(hopQuotes);
  const ttlRewrite = concludeTtlRewrite(target, outcomes, changes);
  const { nat, forwardedBy } = concludeNat(target, outcomes, changes);
  if (plan.hostHop !== null) path.push({ hop: plan.hostHop, address: target.address, rttMs: target.echo.rttMs });

  const responders = new Map<number, Responder | null>();
  const droppedAfter = new Map<number, DropPoint | null>();
  for (const port of target.ports) {
    if (port.hop === null || port.reply === null) {
      responders.set(port.port, null);
      droppedAfter.set(port.port, port.answeredBy === 'none' ? dropPoint(port.port, plan, byKey, settledDrops.has(port.port)) : null);
      continue;
    }
    droppedAfter.set(port.port, null);
    responders.set(port.port, responder(port, target, byKey, routerAt));
  }
  if (ttlRewrite) {
    // A responder past the rewriter was "confirmed" by TTLs the rewriter reset: claim nothing.
    for (const port of unconfirmable(target, ttlRewrite)) {
      const found = responders.get(port);
      if (found) responders.set(port, { ...found, confirmed: false });
    }
  }
  return { pathPort: plan.pathPort, path, responders, droppedAfter, changes, ttlRewrite, nat, forwardedBy };
}

function dropPoint(port: number, plan: TracePlan, byKey: Map<string, TraceOutcome>, confirmed: boolean): DropPoint | null {
  for (let ttl = plan.lastRouterHop; ttl >= 1; ttl--) {
    const outcome = byKey.get(key(port, ttl));
    if (outcome?.timeExceeded) return { hop: ttl, address: outcome.timeExceeded.from, confirmed };
  }
  return null;
}

function responder(
  port: PortReport,
  target: TargetReport,
  byKey: Map<string, TraceOutcome>,
  routerAt: Map<number, { from: string; rttMs: number }>,
): Responder {
  const hop = port.hop!;
  const reply = port.reply!;
  const sameSender = (outcome: TraceOutcome | undefined): boolean =>
    outcome?.reply !== null && outcome?.reply !== undefined && distanceOf(outcome.reply.ttl) === reply.distance;
  const before = byKey.get(key(port.port, hop - 1));
  const at = byKey.get(key(port.port, hop));
  const after = byKey.get(key(port.port, hop + 1));
  // For the host, TTL hop-1 is probed on the path flow only (see confirmationTtls).
  const reachedTooEarly = (hop > 1 && before?.reply !== null && before?.reply !== undefined) || (port.answeredBy === 'host' && hostReachedEarly(byKey, hop));
  const confirmed = !reachedTooEarly && (sameSender(at) || sameSender(after));
  let address: string | null;
  if (port.answeredBy === 'host') address = target.address;
  else if (reply.kind === 'icmp-unreachable') address = reply.from;
  else if (port.answeredBy === 'beyond') address = null; // behind the NAT: its own address never shows
  else address = at?.timeExceeded?.from ?? routerAt.get(hop)?.from ?? null;
  return { hop, address, confirmed };
}

/** Whether any probe with TTL below the host's hop drew a reply from the host's distance. */
function hostReachedEarly(byKey: Map<string, TraceOutcome>, hop: number): boolean {
  for (const outcome of byKey.values()) {
    if (outcome.ttl < hop && outcome.reply !== null && distanceOf(outcome.reply.ttl) === hop - 1) return true;
  }
  return false;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
