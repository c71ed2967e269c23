import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIPv4 } from '../packet/address.js';
import { buildSyn } from '../probe/tcp-syn.js';
import type { TargetReport } from '../report/model.js';
import { classifyReply, type ProbedTarget } from '../scan/classify-reply.js';
import type { ScanSession } from '../scan/engine.js';
import type { Transport } from '../transport/transport.js';
import { concludeTrace, type TraceConclusion, type TraceOutcome } from './conclude.js';
import { createIcmpBudget } from './icmp-budget.js';
import { planTrace, type TraceProbe } from './plan.js';

export interface TraceOptions {
  maxHops: number;
  /** Rounds at most: the first sends the plan, later ones re-send what went unanswered. */
  tries: number;
  /** Wait for replies after a round's last probe, in ms. */
  timeoutMs: number;
  /** Packets per second at most. */
  rate: number;
  signal?: AbortSignal;
}

/**
 * Traces one target after its plain probe: sends the planned TTL-limited
 * SYNs (tag = TTL, so each reply names its probe while the flow stays the
 * same), pacing each router's ICMP errors by the rate-limit model and
 * re-sending what went unanswered, then concludes path, responders and drop
 * points.
 */
export async function traceTarget(transport: Transport, session: ScanSession, target: TargetReport, options: TraceOptions): Promise<TraceConclusion> {
  const plan = planTrace(target, options.maxHops);
  const template = session.templates.get(target.address);
  if (!template || plan.probes.length === 0) return concludeTrace(target, plan, []);

  const outcomes = new Map<string, TraceOutcome & { sentAt: number }>();
  const tags = new Map<number, number[]>();
  for (const port of target.ports) tags.set(port.port, [0]);
  for (const probe of plan.probes) {
    outcomes.set(`${probe.port}/${probe.ttl}`, { port: probe.port, ttl: probe.ttl, tries: 0, timeExceeded: null, reply: null, sentAt: 0 });
    tags.get(probe.port)?.push(probe.ttl);
  }
  const probed: ProbedTarget = {
    address: target.address,
    addressValue: parseIPv4(target.address) ?? 0,
    template,
    sentTags: (port) => tags.get(port) ?? null,
  };
  const context = { key: session.key, echoIdentifier: session.echoIdentifier, targets: new Map([[target.address, probed]]), sentTtl: 0 };
  transport.onPacket((packet, receivedAt) => {
    const event = classifyReply(packet, context);
    if ((event.type !== 'time-exceeded' && event.type !== 'port') || event.tag === 0) return;
    const outcome = outcomes.get(`${event.port}/${event.tag}`);
    if (!outcome) return;
    if (event.type === 'time-exceeded') {
      outcome.timeExceeded ??= { from: event.from, rttMs: receivedAt - outcome.sentAt };
    } else {
      outcome.reply ??= { kind: event.reply.kind, from: event.reply.from, ttl: event.reply.ttl };
    }
  });

  const budget = createIcmpBudget();
  const interval = 1000 / options.rate;
  let ipId = 0;
  const aborted = (): boolean => options.signal?.aborted === true;
  const send = (probe: TraceProbe, now: number): void => {
    const outcome = outcomes.get(`${probe.port}/${probe.ttl}`)!;
    outcome.tries++;
    outcome.sentAt = now;
    if (probe.ttl <= plan.lastRouterHop) budget.spend(probe.ttl, now);
    ipId = (ipId + 1) & 0xffff;
    // The IP ID repeats the TTL so a capture shows which hop a probe was for.
    transport.send(buildSyn(template, session.key, { destinationPort: probe.port, ttl: probe.ttl, ipId: (probe.ttl << 8) | (ipId & 0xff), tag: probe.ttl }), target.address);
  };

  let round = plan.probes;
  for (let attempt = 1; attempt <= options.tries && round.length > 0 && !aborted(); attempt++) {
    const waiting = [...round];
    let lastSend = performance.now();
    while (waiting.length > 0 && !aborted()) {
      const now = performance.now();
      const index = waiting.findIndex((probe) => !probe.needsIcmp || probe.ttl > plan.lastRouterHop || budget.available(probe.ttl, now));
      if (index === -1) {
        const wake = Math.min(...waiting.map((probe) => budget.nextAvailableAt(probe.ttl, now)));
        await sleep(Math.max(1, wake - now));
        continue;
      }
      send(waiting.splice(index, 1)[0]!, now);
      lastSend = now;
      if (interval >= 1) await sleep(interval);
      else if (ipId % Math.max(1, Math.floor(1 / interval)) === 0) await sleep(1);
    }
    const sentThisRound = round.map((probe) => outcomes.get(`${probe.port}/${probe.ttl}`)!);
    while (!aborted() && performance.now() - lastSend < options.timeoutMs) {
      if (sentThisRound.every((outcome) => outcome.timeExceeded !== null || outcome.reply !== null)) break;
      await sleep(5);
    }
    const roundEnd = performance.now();
    for (const outcome of sentThisRound) {
      if (outcome.timeExceeded === null && outcome.ttl <= plan.lastRouterHop) budget.refund(outcome.ttl, roundEnd);
    }
    round = retries(plan.probes, outcomes);
  }
  return concludeTrace(target, plan, [...outcomes.values()]);
}

/**
 * Probes worth re-sending: path hops with no answer; for a silent port, the
 * one TTL after its farthest time-exceeded (was it dropped there, or did the
 * rate limit eat the answer? Probes beyond a real drop point never reach a
 * router, so re-sending more only costs time); confirmations of a port none
 * of whose probes drew a reply.
 */
function retries(probes: readonly TraceProbe[], outcomes: Map<string, TraceOutcome>): TraceProbe[] {
  const answered = (probe: TraceProbe): boolean => {
    const outcome = outcomes.get(`${probe.port}/${probe.ttl}`);
    return outcome !== undefined && (outcome.timeExceeded !== null || outcome.reply !== null);
  };
  const farthestTimeExceeded = new Map<number, number>();
  for (const outcome of outcomes.values()) {
    if (outcome.timeExceeded) farthestTimeExceeded.set(outcome.port, Math.max(outcome.ttl, farthestTimeExceeded.get(outcome.port) ?? 0));
  }
  const confirmAnswered = new Set<number>();
  for (const probe of probes) if (probe.purpose === 'confirm' && outcomes.get(`${probe.port}/${probe.ttl}`)?.reply) confirmAnswered.add(probe.port);
  return probes.filter((probe) => {
    if (answered(probe)) return false;
    switch (probe.purpose) {
      case 'path':
        return true;
      case 'drop':
        return probe.ttl === (farthestTimeExceeded.get(probe.port) ?? 0) + 1;
      default:
        return !confirmAnswered.has(probe.port);
    }
  });
}
