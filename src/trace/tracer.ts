import { setTimeout as sleep } from 'node:timers/promises';
import type { TargetReport } from '../model/report.js';
import { classifyReply, type ProbedFlow, type ProbedTarget } from '../probe/classify-reply.js';
import type { ScanSession } from '../scan/engine.js';
import type { Transport } from '../transport/transport.js';
import { concludeTrace, type TraceConclusion, type TraceOutcome } from './conclude.js';
import { createIcmpBudget } from './icmp-budget.js';
import { planTrace, type TracePlan, type TraceProbe } from './plan.js';
import { monotonicMs } from '../clock.js';
import { isPortAnswer, type ProbeTemplate, type QuotedPacket } from '../probe/module.js';
import type { MplsEntry } from '../packet/icmp.js';

export interface TraceOptions {
  maxHops: number;
  /** Rounds at most: the first sends the plan, later ones re-send what is still undecided. */
  tries: number;
  /** Wait for replies after a round's last probe, in ms. */
  timeoutMs: number;
  /** Packets per second at most. */
  rate: number;
  signal?: AbortSignal;
}

/** What a trace learned and the sends the kernel refused while it ran. */
export interface TraceRun {
  conclusion: TraceConclusion;
  sendErrors: number;
}

/** An outcome plus the bookkeeping of which attempts drew a time-exceeded. */
interface Tracked extends TraceOutcome {
  sentAt: number;
  /** Attempt numbers (carried in the IP ID, which ICMP errors quote) that drew a time-exceeded. */
  answeredAttempts: Set<number>;
  sentAttempts: Set<number>;
  /** The first time-exceeded's quote (copied out of the received packet) and the IP ID of the probe it quotes. */
  rawQuote: { quote: QuotedPacket; mpls: MplsEntry[]; ipId: number } | null;
}

const keyOf = (port: number, ttl: number): string => `${port}/${ttl}`;

/** Waits `ms`, or less when the run is aborted (Ctrl-C must not wait for a router's refill or the pacing). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Traces one target after its plain probe: sends the planned TTL-limited
 * port probes (the scan's templates; tag = TTL, so each reply names its
 * probe while the flow stays the same), paced by the routers' ICMP
 * rate-limit model, then concludes path, responders and drop points. Its
 * transport listeners are removed when it ends.
 *
 * Rate limits cannot be assumed away (an earlier run may have drained a
 * router's bucket), so a silent port's "no time-exceeded at TTL t" only counts
 * as a drop when a canary proves router t was answering at that moment: the
 * path flow's probe at TTL t, sent right after the port's probes at t. A
 * router's tokens only go down within such a burst, so if the canary drew an
 * error, every earlier probe that reached the router would have too.
 * Undecided TTLs are re-sent in later rounds, after the router refills.
 */
export async function traceTarget(transport: Transport, session: ScanSession, target: TargetReport, options: TraceOptions): Promise<TraceRun> {
  const plan = planTrace(target, options.maxHops);
  const plainTemplate = session.templates.get(target.address);
  if (!plainTemplate || plan.probes.length === 0) return { conclusion: concludeTrace(target, plan, []), sendErrors: 0 };
  // Same flow and cookies as the plain probe, shaped like real traffic (TCP: a Linux client's options).
  const template = plainTemplate.forTrace();

  const outcomes = new Map<string, Tracked>();
  const tags = new Map<number, number[]>();
  for (const port of target.ports) tags.set(port.port, [0]);
  for (const probe of plan.probes) {
    outcomes.set(keyOf(probe.port, probe.ttl), {
      port: probe.port, ttl: probe.ttl, tries: 0, timeExceeded: null, reply: null, sentAt: 0, answeredAttempts: new Set(), sentAttempts: new Set(), rawQuote: null,
    });
    tags.get(probe.port)?.push(probe.ttl);
  }
  const flow: ProbedFlow = { template, sentTags: (port) => tags.get(port) ?? null };
  const probed: ProbedTarget = { address: target.address, flows: [flow] };
  const context = { targets: new Map([[target.address, probed]]), sentTtl: 0 };
  let sendErrors = 0;
  const stopErrors = transport.onSendError(() => {
    sendErrors++;
  });
  const stopPackets = transport.onPacket((packet, receivedAt) => {
    const event = classifyReply(packet, context);
    if ((event.type !== 'time-exceeded' && event.type !== 'answer') || event.tag === 0) return;
    const outcome = outcomes.get(keyOf(event.subject, event.tag));
    if (!outcome) return;
    if (event.type === 'time-exceeded') {
      outcome.timeExceeded ??= { from: event.from, rttMs: receivedAt - outcome.sentAt };
      outcome.answeredAttempts.add(event.quotedIpId >> 8);
      // Kept for the comparison at the end (a copy: the transport may reuse the received buffer).
      outcome.rawQuote ??= {
        quote: { header: event.quote.header, transport: Buffer.from(event.quote.transport) },
        mpls: event.mpls,
        ipId: sentIpId(outcome, event.quotedIpId),
      };
    } else if (isPortAnswer(event.kind)) {
      outcome.reply ??= { kind: event.kind, from: event.from, ttl: event.ttl };
    }
  });
  try {
    const budget = createIcmpBudget();
    const interval = 1000 / options.rate;
    let sentCount = 0;
    const aborted = (): boolean => options.signal?.aborted === true;
    const send = (probe: TraceProbe, attempt: number): void => {
      const now = monotonicMs();
      const outcome = outcomes.get(keyOf(probe.port, probe.ttl))!;
      outcome.tries++;
      outcome.sentAt = now;
      outcome.sentAttempts.add(attempt);
      if (probe.ttl <= plan.lastRouterHop) budget.spend(probe.ttl, now);
      // IP ID = attempt << 8 | TTL: the time-exceeded quotes it, so we know which attempt drew it.
      transport.send(template.build(probe.port, probe.ttl, ipIdOf(attempt, probe.ttl), probe.ttl), target.address);
      sentCount++;
    };

    for (let attempt = 1; attempt <= options.tries && !aborted(); attempt++) {
      const batches = attempt === 1 ? firstRound(plan) : retryRound(plan, outcomes);
      if (batches.length === 0) break;
      const sent: Tracked[] = [];
      for (const batch of batches) {
        // A batch expiring at one router goes out back to back once that router can answer all of it.
        const hop = batch[0]!.ttl;
        const needsRouter = hop <= plan.lastRouterHop && batch.some((probe) => probe.needsIcmp);
        while (needsRouter && !aborted()) {
          const now = monotonicMs();
          const wake = budget.nextAvailableAt(hop, now);
          if (wake <= now) break;
          await pause(wake - now, options.signal);
        }
        if (aborted()) break;
        for (const probe of batch) {
          send(probe, attempt);
          sent.push(outcomes.get(keyOf(probe.port, probe.ttl))!);
        }
        if (interval >= 1) await pause(interval * batch.length, options.signal);
        else if (sentCount % Math.max(1, Math.floor(1 / interval)) < batch.length) await pause(1, options.signal);
      }
      const lastSend = monotonicMs();
      while (!aborted() && monotonicMs() - lastSend < options.timeoutMs) {
        if (sent.every((outcome) => outcome.answeredAttempts.has(attempt) || outcome.reply !== null)) break;
        await pause(5, options.signal);
      }
      const roundEnd = monotonicMs();
      for (const outcome of sent) {
        if (outcome.ttl > plan.lastRouterHop || outcome.answeredAttempts.has(attempt)) continue;
        // Silent: the router spent nothing (never reached, or out of tokens). If even the path
        // flow's probe went unanswered, assume the router is out of tokens until it refills.
        if (outcome.port === plan.pathPort) budget.drain(outcome.ttl, roundEnd);
        else budget.refund(outcome.ttl, roundEnd);
      }
    }
    const settled = settledDrops(plan, outcomes);
    const judged = [...outcomes.values()].map((outcome) => withQuote(template, outcome));
    return { conclusion: concludeTrace(target, plan, judged, settled), sendErrors };
  } finally {
    stopPackets();
    stopErrors();
  }
}

const ipIdOf = (attempt: number, ttl: number): number => ((attempt & 0xff) << 8) | ttl;

/** The IP ID of the attempt a quote copies: the quoted one if we sent it (a rewritten ID falls back to the last attempt). */
function sentIpId(outcome: Tracked, quotedIpId: number): number {
  const attempt = quotedIpId >> 8;
  return (quotedIpId & 0xff) === outcome.ttl && outcome.sentAttempts.has(attempt) ? quotedIpId : ipIdOf(Math.max(...outcome.sentAttempts), outcome.ttl);
}

/** The outcome with its quote held against the probe it copies (rebuilt: build() is deterministic), after the run. */
function withQuote(template: ProbeTemplate, outcome: Tracked): Tracked {
  const raw = outcome.rawQuote;
  if (!raw) return outcome;
  const sent = template.build(outcome.port, outcome.ttl, raw.ipId, outcome.ttl);
  // The router at hop `ttl` got the probe with TTL 1 left (Linux quotes it as it arrived).
  return { ...outcome, quote: { comparison: template.compareQuote(sent, raw.quote, 1), mpls: raw.mpls } };
}

/** Probes of the first round in batches: per TTL the silent ports' probes, then the path probe as canary; then confirmations. */
function firstRound(plan: TracePlan): TraceProbe[][] {
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

/** The farthest TTL at which each silent port's probes drew a time-exceeded (0: none). */
function farthestTimeExceeded(plan: TracePlan, outcomes: Map<string, Tracked>): Map<number, number> {
  const farthest = new Map<number, number>();
  for (const probe of plan.probes) {
    if (probe.purpose !== 'drop' && !(probe.purpose === 'path' && plan.dropPorts.includes(probe.port))) continue;
    const outcome = outcomes.get(keyOf(probe.port, probe.ttl));
    if (outcome?.timeExceeded) farthest.set(probe.port, Math.max(probe.ttl, farthest.get(probe.port) ?? 0));
  }
  return farthest;
}

/**
 * Silent ports whose drop point is proven: their probe at TTL m+1 went out in
 * an attempt whose canary at m+1 drew a time-exceeded, or m is the last router.
 */
function settledDrops(plan: TracePlan, outcomes: Map<string, Tracked>): Set<number> {
  const farthest = farthestTimeExceeded(plan, outcomes);
  const settled = new Set<number>();
  for (const port of plan.dropPorts) {
    const m = farthest.get(port) ?? 0;
    if (m >= plan.lastRouterHop) {
      settled.add(port);
      continue;
    }
    const next = outcomes.get(keyOf(port, m + 1));
    const canary = port === plan.pathPort ? undefined : outcomes.get(keyOf(plan.pathPort, m + 1));
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
function retryRound(plan: TracePlan, outcomes: Map<string, Tracked>): TraceProbe[][] {
  const settled = settledDrops(plan, outcomes);
  const farthest = farthestTimeExceeded(plan, outcomes);
  const batches: TraceProbe[][] = [];
  for (let ttl = 1; ttl <= plan.lastRouterHop; ttl++) {
    const drops = plan.dropPorts
      .filter((port) => port !== plan.pathPort && !settled.has(port) && ttl > (farthest.get(port) ?? 0))
      .map((port): TraceProbe => ({ port, ttl, purpose: 'drop', needsIcmp: true }));
    const pathUnanswered = outcomes.get(keyOf(plan.pathPort, ttl))?.timeExceeded === null;
    if (drops.length === 0 && !pathUnanswered) continue;
    batches.push([...drops, { port: plan.pathPort, ttl, purpose: 'path', needsIcmp: true }]);
  }
  const confirmPorts = new Set(plan.probes.filter((probe) => probe.purpose === 'confirm').map((probe) => probe.port));
  for (const port of confirmPorts) {
    const probes = plan.probes.filter((probe) => probe.purpose === 'confirm' && probe.port === port);
    if (probes.some((probe) => outcomes.get(keyOf(probe.port, probe.ttl))?.reply)) continue;
    for (const probe of probes) batches.push([probe]);
  }
  return batches;
}
