import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from '../clock.js';
import { createIcmpBudget } from '../trace/icmp-budget.js';
import type { TracePlan, TraceProbe } from '../trace/plan.js';
import { farthestTimeExceeded, markSent, outcomeKey, roundBatches, settleBudget, settledDrops, untracked, type TrackedOutcome } from '../trace/rounds.js';
import type { Transport } from '../transport/transport.js';
import type { IdleResult } from '../model/idle.js';
import { buildSegment, canaryFields, checkFields, type ConnectionTuple, type SegmentFields } from './segments.js';

/**
 * Where a connection that now dies in silence is dropped, as intrace does
 * and with --trace's rules (src/trace/rounds.ts): copies of the check
 * segment, TTL 1 up to the hop before the host, each followed at the same
 * TTL by a canary (a SYN on the same 4-tuple, which a firewall that forgot
 * the connection lets through as NEW). The last TTL whose copy still drew a
 * time-exceeded is the drop point; it is confirmed when the canary at the
 * next TTL was answered in the same attempt (that router was answering).
 * Tag = attempt << 8 | TTL, in the IP ID (IPv4) or the flow label (IPv6, which has no IP ID),
 * names the probe in every quote.
 */

/** The check copies' "port" in the trace plan, and the canary's (the plan's path flow). */
const CHECK = 1;
const CANARY = 0;

export interface LocateTarget {
  tuple: ConnectionTuple;
  sndNxt: number;
  rcvNxt: number;
  /** The host's hop: TTLs 1..hostHop-1 are probed. */
  hostHop: number;
}

/** The time-exceeded of one quoted segment, as the engine hands it over. */
export interface QuotedTimeExceeded {
  quotedSequence: number;
  quotedIpId: number;
  from: string;
  receivedAt: number;
}

export interface Locator {
  /** Feeds a time-exceeded quoting a segment of the located connection. */
  onTimeExceeded(event: QuotedTimeExceeded): void;
  /** Runs the rounds; resolves with the drop point (null when no hop answered). */
  run(): Promise<IdleResult['droppedAfter']>;
}

/** The plan of a drop search on `hostHop - 1` routers, in --trace's terms. */
export function locatePlan(hostHop: number): TracePlan {
  const lastRouterHop = Math.max(0, hostHop - 1);
  const probes: TraceProbe[] = [];
  for (let ttl = 1; ttl <= lastRouterHop; ttl++) {
    probes.push({ port: CANARY, ttl, purpose: 'path', needsIcmp: true });
    probes.push({ port: CHECK, ttl, purpose: 'drop', needsIcmp: true });
  }
  return { pathPort: CANARY, hostHop, lastRouterHop, dropPorts: [CHECK], probes };
}

/** The drop point from the outcomes of a locate plan (pure). */
export function dropPointOf(plan: TracePlan, outcomes: ReadonlyMap<string, TrackedOutcome>): IdleResult['droppedAfter'] {
  const hop = farthestTimeExceeded(plan, outcomes).get(CHECK);
  if (hop === undefined) return null;
  const address = outcomes.get(outcomeKey(CHECK, hop))?.timeExceeded?.from ?? null;
  return { hop, address, confirmed: settledDrops(plan, outcomes).has(CHECK) };
}

export function createLocator(transport: Transport, target: LocateTarget, options: { tries: number; timeoutMs: number; signal?: AbortSignal }): Locator {
  const plan = locatePlan(target.hostHop);
  const outcomes = new Map<string, TrackedOutcome>(plan.probes.map((probe) => [outcomeKey(probe.port, probe.ttl), untracked(probe)]));
  const fieldsOf = (probe: TraceProbe, ipId: number): SegmentFields =>
    probe.port === CHECK ? checkFields(target.sndNxt, target.rcvNxt, probe.ttl, ipId) : canaryFields(target.sndNxt, probe.ttl, ipId);
  const checkSequence = checkFields(target.sndNxt, target.rcvNxt, 1, 0).sequence;
  const canarySequence = canaryFields(target.sndNxt, 1, 0).sequence;
  const aborted = (): boolean => options.signal?.aborted === true;
  const pause = (ms: number): Promise<void> => sleep(ms, undefined, { signal: options.signal }).catch(() => undefined);
  return {
    onTimeExceeded(event) {
      const port = event.quotedSequence === checkSequence ? CHECK : event.quotedSequence === canarySequence ? CANARY : null;
      if (port === null) return;
      const outcome = outcomes.get(outcomeKey(port, event.quotedIpId & 0xff));
      if (!outcome) return;
      outcome.timeExceeded ??= { from: event.from, rttMs: event.receivedAt - outcome.sentAt };
      outcome.answeredAttempts.add(event.quotedIpId >>> 8);
    },
    async run() {
      const budget = createIcmpBudget();
      for (let attempt = 1; attempt <= options.tries && !aborted(); attempt++) {
        const batches = roundBatches(plan, outcomes, attempt);
        if (batches.length === 0) break;
        const sent: TrackedOutcome[] = [];
        for (const batch of batches) {
          const hop = batch[0]!.ttl;
          for (let now = monotonicMs(); !aborted() && budget.nextAvailableAt(hop, now) > now; now = monotonicMs()) await pause(budget.nextAvailableAt(hop, now) - now);
          if (aborted()) break;
          for (const probe of batch) {
            const now = monotonicMs();
            const outcome = outcomes.get(outcomeKey(probe.port, probe.ttl))!;
            markSent(outcome, attempt, now);
            budget.spend(probe.ttl, now);
            transport.send(buildSegment(target.tuple, fieldsOf(probe, ((attempt & 0xff) << 8) | probe.ttl)), target.tuple.remoteAddress);
            sent.push(outcome);
          }
        }
        const lastSend = monotonicMs();
        while (!aborted() && monotonicMs() - lastSend < options.timeoutMs && !sent.every((outcome) => outcome.answeredAttempts.has(attempt))) await pause(5);
        // As the tracer: a silent canary means its router is out of tokens; a silent copy spent nothing.
        settleBudget(plan, budget, sent, attempt, monotonicMs());
        if (settledDrops(plan, outcomes).has(CHECK)) break;
      }
      return dropPointOf(plan, outcomes);
    },
  };
}
