import { setTimeout as sleep } from 'node:timers/promises';
import type { TargetReport } from '../model/report.js';
import { classifyReply, type ProbedFlow, type ProbedTarget } from '../probe/classify-reply.js';
import type { ScanSession } from '../scan/engine.js';
import type { Transport } from '../transport/transport.js';
import { concludeTrace, type TraceConclusion, type TraceOutcome } from './conclude.js';
import { createIcmpBudget } from './icmp-budget.js';
import { planTrace, type TraceProbe } from './plan.js';
import { markSent, outcomeKey, roundBatches, settleBudget, settledDrops, untracked, type TrackedOutcome } from './rounds.js';
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

/** An outcome plus the first time-exceeded's quote (copied out of the received packet) and the tag of the probe it quotes. */
interface Tracked extends TrackedOutcome {
  rawQuote: { quote: QuotedPacket; mpls: MplsEntry[]; tag: number } | null;
}

/** Waits `ms`, or less when the run is aborted (Ctrl-C must not wait for a router's refill or the pacing). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Traces one target after its plain probe: sends the planned TTL-limited
 * port probes (the scan's templates in their trace form, forTrace(): a TCP
 * SYN with a Linux client's options; tag = attempt << 8 | TTL, so each reply
 * names its probe while the flow stays the same), paced by the routers' ICMP
 * rate-limit model, then concludes path, responders, drop points and what the
 * path did to the probes (each first time-exceeded's quote held against the
 * probe it copies: changes, TTL rewriter, NAT). Its
 * transport listeners are removed when it ends. Undecided TTLs are re-sent in
 * later rounds (rounds.ts: what each round sends, and the canary rule that
 * proves a drop point), after the router refills.
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
    outcomes.set(outcomeKey(probe.port, probe.ttl), { ...untracked(probe), rawQuote: null });
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
    const outcome = outcomes.get(outcomeKey(event.subject, event.tag & 0xff));
    if (!outcome) return;
    if (event.type === 'time-exceeded') {
      outcome.timeExceeded ??= { from: event.from, rttMs: receivedAt - outcome.sentAt };
      outcome.answeredAttempts.add(event.tag >>> 8);
      // Kept for the comparison at the end (a copy: the transport may reuse the received buffer). The
      // tag is cookie-checked, so it names the attempt sent even where a middlebox rewrote the IP ID.
      outcome.rawQuote ??= {
        quote: { header: event.quote.header, transport: Buffer.from(event.quote.transport) },
        mpls: event.mpls,
        tag: event.tag,
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
      markSent(outcomes.get(outcomeKey(probe.port, probe.ttl))!, attempt, now);
      if (probe.ttl <= plan.lastRouterHop) budget.spend(probe.ttl, now);
      // Tag = attempt << 8 | TTL: the cookie covers it and every reply names it, so we know which
      // attempt drew a time-exceeded in either family (the IP ID, same value, shows it in captures).
      const tag = ((attempt & 0xff) << 8) | probe.ttl;
      const sentTags = tags.get(probe.port);
      if (sentTags && !sentTags.includes(tag)) sentTags.push(tag);
      transport.send(template.build(probe.port, probe.ttl, tag, tag), target.address);
      sentCount++;
    };

    for (let attempt = 1; attempt <= options.tries && !aborted(); attempt++) {
      const batches = roundBatches(plan, outcomes, attempt);
      if (batches.length === 0) break;
      const sent: TrackedOutcome[] = [];
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
          sent.push(outcomes.get(outcomeKey(probe.port, probe.ttl))!);
        }
        if (interval >= 1) await pause(interval * batch.length, options.signal);
        else if (sentCount % Math.max(1, Math.floor(1 / interval)) < batch.length) await pause(1, options.signal);
      }
      const lastSend = monotonicMs();
      while (!aborted() && monotonicMs() - lastSend < options.timeoutMs) {
        if (sent.every((outcome) => outcome.answeredAttempts.has(attempt) || outcome.reply !== null)) break;
        await pause(5, options.signal);
      }
      // Silent: the router spent nothing (never reached, or out of tokens). If even the path
      // flow's probe went unanswered, assume the router is out of tokens until it refills.
      settleBudget(plan, budget, sent, attempt, monotonicMs());
    }
    const settled = settledDrops(plan, outcomes);
    const judged = [...outcomes.values()].map((outcome) => withQuote(template, outcome));
    return { conclusion: concludeTrace(target, plan, judged, settled), sendErrors };
  } finally {
    stopPackets();
    stopErrors();
  }
}

/** The outcome with its quote held against the probe it copies (rebuilt: build() is deterministic), after the run. */
function withQuote(template: ProbeTemplate, outcome: Tracked): Tracked {
  const raw = outcome.rawQuote;
  if (!raw) return outcome;
  // Sent with IP ID = tag (send() above).
  const sent = template.build(outcome.port, outcome.ttl, raw.tag, raw.tag);
  // The router at hop `ttl` got the probe with TTL 1 left (Linux quotes it as it arrived).
  return { ...outcome, quote: { comparison: template.compareQuote(sent, raw.quote, 1), mpls: raw.mpls } };
}
