import type { IcmpBudget } from './icmp-budget.js';
import type { TraceOutcome } from './conclude.js';
import type { TracePlan, TraceProbe } from './plan.js';

/**
 * Which probes each round of a trace sends, and which silent ports' drop
 * points are proven. Pure: the tracer records what was sent and answered per
 * attempt, these functions decide from that record.
 *
 * Rate limits cannot be assumed away (an earlier run may have drained a
 * router's bucket), so a silent port's "no time-exceeded at TTL t" only counts
 * as a drop when a canary proves router t was answering at that moment: the
 * path flow's probe at TTL t, sent right after the port's probes at t. A
 * router's tokens only go down within such a burst, so if the canary drew an
 * error, every earlier probe that reached the router would have too.
 */

/** An outcome plus the bookkeeping of which attempts drew a time-exceeded. */
export interface TrackedOutcome extends TraceOutcome {
  sentAt: number;
  /** Attempt numbers (carried in the probe's tag, which every reply and quote names: IPv6 has no IP ID) that drew a time-exceeded. */
  answeredAttempts: Set<number>;
  sentAttempts: Set<number>;
}

/** Outcomes by `outcomeKey(port, ttl)`. */
export type TrackedOutcomes = ReadonlyMap<string, TrackedOutcome>;

export const outcomeKey = (port: number, ttl: number): string => `${port}/${ttl}`;

/** A fresh, unsent outcome for a planned probe. */
export function untracked(probe: TraceProbe): TrackedOutcome {
  return { port: probe.port, ttl: probe.ttl, tries: 0, timeExceeded: null, reply: null, sentAt: 0, answeredAttempts: new Set(), sentAttempts: new Set() };
}

/** Probes of the first round in batches: per TTL the silent ports' probes, then the path probe as canary; then confirmations. */
export function firstRound(plan: TracePlan): TraceProbe[][] {
  const batches: TraceProbe[][] = [];
  for (let ttl = 1; ttl <= plan.lastRouterHop; ttl++) {
    const atTtl = plan.probes.filter((probe) => probe.ttl === ttl && probe.purpose !== 'confirm');
    // Path probe last: it is the canary for the drop probes before it.
    atTtl.sort((a, b) => Number(a.purpose === 'path') - Number(b.purpose === 'path'));
    if (atTtl.length > 0) batches.push(atTtl);
  }
  for (const probe of plan.probes) if (probe.purpose === 'confirm') batches.push([probe]);
  return batches;
}

/** The farthest TTL at which each silent port's probes drew a time-exceeded (absent: none). */
export function farthestTimeExceeded(plan: TracePlan, outcomes: TrackedOutcomes): Map<number, number> {
  const farthest = new Map<number, number>();
  for (const probe of plan.probes) {
    if (probe.purpose !== 'drop' && !(probe.purpose === 'path' && plan.dropPorts.includes(probe.port))) continue;
    const outcome = outcomes.get(outcomeKey(probe.port, probe.ttl));
    if (outcome?.timeExceeded) farthest.set(probe.port, Math.max(probe.ttl, farthest.get(probe.port) ?? 0));
  }
  return farthest;
}

/**
 * Silent ports whose drop point is proven: their probe at TTL m+1 went out in
 * an attempt whose canary at m+1 drew a time-exceeded, or m is the last router.
 */
export function settledDrops(plan: TracePlan, outcomes: TrackedOutcomes): Set<number> {
  const farthest = farthestTimeExceeded(plan, outcomes);
  const settled = new Set<number>();
  for (const port of plan.dropPorts) {
    const m = farthest.get(port) ?? 0;
    if (m >= plan.lastRouterHop) {
      settled.add(port);
      continue;
    }
    const next = outcomes.get(outcomeKey(port, m + 1));
    const canary = port === plan.pathPort ? undefined : outcomes.get(outcomeKey(plan.pathPort, m + 1));
    if (next && canary && [...next.sentAttempts].some((attempt) => canary.answeredAttempts.has(attempt) && canary.sentAttempts.has(attempt))) {
      settled.add(port);
    }
  }
  return settled;
}

/**
 * What is still undecided, in batches: path hops that never answered; for
 * each unsettled silent port its TTLs beyond the farthest time-exceeded, each
 * TTL's batch closed by a canary; confirmations none of which drew a reply.
 */
export function retryRound(plan: TracePlan, outcomes: TrackedOutcomes): TraceProbe[][] {
  const settled = settledDrops(plan, outcomes);
  const farthest = farthestTimeExceeded(plan, outcomes);
  const batches: TraceProbe[][] = [];
  for (let ttl = 1; ttl <= plan.lastRouterHop; ttl++) {
    const drops = plan.dropPorts
      .filter((port) => port !== plan.pathPort && !settled.has(port) && ttl > (farthest.get(port) ?? 0))
      .map((port): TraceProbe => ({ port, ttl, purpose: 'drop', needsIcmp: true }));
    const pathUnanswered = outcomes.get(outcomeKey(plan.pathPort, ttl))?.timeExceeded === null;
    if (drops.length === 0 && !pathUnanswered) continue;
    batches.push([...drops, { port: plan.pathPort, ttl, purpose: 'path', needsIcmp: true }]);
  }
  const confirmPorts = new Set(plan.probes.filter((probe) => probe.purpose === 'confirm').map((probe) => probe.port));
  for (const port of confirmPorts) {
    const probes = plan.probes.filter((probe) => probe.purpose === 'confirm' && probe.port === port);
    if (probes.some((probe) => outcomes.get(outcomeKey(probe.port, probe.ttl))?.reply)) continue;
    for (const probe of probes) batches.push([probe]);
  }
  return batches;
}

/** The batches of round `attempt` (from 1): the whole plan first, then what is still undecided. */
export function roundBatches(plan: TracePlan, outcomes: TrackedOutcomes, attempt: number): TraceProbe[][] {
  return attempt === 1 ? firstRound(plan) : retryRound(plan, outcomes);
}

/** Records that the probe of `outcome` goes out now in round `attempt` (shared by the tracer and idle's locator). */
export function markSent(outcome: TrackedOutcome, attempt: number, now: number): void {
  outcome.tries++;
  outcome.sentAt = now;
  outcome.sentAttempts.add(attempt);
}

/**
 * After round `attempt`, what its silence says of each router's ICMP tokens: a silent path-flow
 * probe (the canary) means its router is out of tokens until it refills; any other silent probe
 * spent nothing. Probes at or past the host (ttl > lastRouterHop) never touch a router's budget.
 */
export function settleBudget(plan: TracePlan, budget: IcmpBudget, sent: readonly TrackedOutcome[], attempt: number, at: number): void {
  for (const outcome of sent) {
    if (outcome.ttl > plan.lastRouterHop || outcome.answeredAttempts.has(attempt)) continue;
    if (outcome.port === plan.pathPort) budget.drain(outcome.ttl, at);
    else budget.refund(outcome.ttl, at);
  }
}
