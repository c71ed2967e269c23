import t from 'tap';
import type { TracePlan, TraceProbe } from '../../src/trace/plan.js';
import { farthestTimeExceeded, firstRound, markSent, outcomeKey, retryRound, roundBatches, settleBudget, settledDrops, untracked, type TrackedOutcome } from '../../src/trace/rounds.js';
import type { IcmpBudget } from '../../src/trace/icmp-budget.js';

// Three routers before the host; 443 answered by the host (the path flow), 3306 silent, 22 answered at hop 2.
const probe = (port: number, ttl: number, purpose: TraceProbe['purpose']): TraceProbe => ({ port, ttl, purpose, needsIcmp: purpose !== 'confirm' });
const plan: TracePlan = {
  pathPort: 443,
  hostHop: 4,
  lastRouterHop: 3,
  dropPorts: [3306],
  probes: [
    probe(443, 1, 'path'), probe(443, 2, 'path'), probe(443, 3, 'path'),
    probe(3306, 1, 'drop'), probe(3306, 2, 'drop'), probe(3306, 3, 'drop'),
    probe(22, 1, 'confirm'), probe(22, 2, 'confirm'), probe(22, 3, 'confirm'),
    probe(443, 4, 'confirm'),
  ],
};

const te = (ttl: number) => ({ from: `198.18.${ttl}.2`, rttMs: 0.5 });
/** Outcomes as the tracer records them: `sent` attempts per probe, `answered` attempts that drew a time-exceeded. */
function record(entries: { port: number; ttl: number; sent: number[]; answered?: number[]; reply?: boolean }[]): Map<string, TrackedOutcome> {
  const outcomes = new Map<string, TrackedOutcome>();
  for (const p of plan.probes) outcomes.set(outcomeKey(p.port, p.ttl), untracked(p));
  for (const entry of entries) {
    const outcome = outcomes.get(outcomeKey(entry.port, entry.ttl))!;
    outcome.tries = entry.sent.length;
    for (const attempt of entry.sent) outcome.sentAttempts.add(attempt);
    for (const attempt of entry.answered ?? []) outcome.answeredAttempts.add(attempt);
    if ((entry.answered ?? []).length > 0) outcome.timeExceeded = te(entry.ttl);
    if (entry.reply) outcome.reply = { kind: 'rst', from: '198.18.4.2', ttl: 62 };
  }
  return outcomes;
}
const shape = (batches: TraceProbe[][]) => batches.map((batch) => batch.map((p) => `${p.port}@${p.ttl}`).join(' '));

t.test('the first round: per TTL the silent ports, then the path probe as their canary; then each confirmation alone', async (t) => {
  t.same(shape(firstRound(plan)), ['3306@1 443@1', '3306@2 443@2', '3306@3 443@3', '22@1', '22@2', '22@3', '443@4']);
  const noRouters: TracePlan = { ...plan, lastRouterHop: 0, probes: plan.probes.filter((p) => p.purpose === 'confirm') };
  t.same(shape(firstRound(noRouters)), ['22@1', '22@2', '22@3', '443@4'], 'no router hop: confirmations only');
});

t.test('the farthest time-exceeded per silent port', async (t) => {
  const outcomes = record([{ port: 3306, ttl: 1, sent: [1], answered: [1] }, { port: 3306, ttl: 2, sent: [1], answered: [1] }, { port: 443, ttl: 3, sent: [1], answered: [1] }]);
  t.same([...farthestTimeExceeded(plan, outcomes)], [[3306, 2]], 'the path port counts only when it is silent itself');
  const allSilent: TracePlan = { ...plan, dropPorts: [443, 3306] };
  t.same([...farthestTimeExceeded(allSilent, outcomes)].sort(), [[3306, 2], [443, 3]], 'a silent path port: its own sweep tells its drop point');
  t.same([...farthestTimeExceeded(plan, record([]))], [], 'nothing answered: no entry');
});

t.test('a drop point is settled only when the canary answered in an attempt that also carried the next probe', async (t) => {
  const droppedAfter2 = [{ port: 3306, ttl: 1, sent: [1], answered: [1] }, { port: 3306, ttl: 2, sent: [1], answered: [1] }, { port: 3306, ttl: 3, sent: [1] }];
  t.same([...settledDrops(plan, record([...droppedAfter2, { port: 443, ttl: 3, sent: [1], answered: [1] }]))], [3306], 'the canary at TTL 3 answered: router 3 was answering, 3306 died before it');
  t.same([...settledDrops(plan, record([...droppedAfter2, { port: 443, ttl: 3, sent: [1] }]))], [], 'the canary was silent too: router 3 may have been out of tokens');
  t.same(
    [...settledDrops(plan, record([...droppedAfter2, { port: 443, ttl: 3, sent: [1, 2], answered: [2] }]))],
    [],
    'the canary answered only in a later attempt, one that did not carry 3306 at TTL 3',
  );
  t.same(
    [...settledDrops(plan, record([{ port: 3306, ttl: 1, sent: [1], answered: [1] }, { port: 3306, ttl: 2, sent: [1], answered: [1] }, { port: 3306, ttl: 3, sent: [1], answered: [1] }]))],
    [3306],
    'time-exceeded up to the last router: settled without a canary',
  );
  t.same([...settledDrops(plan, record([{ port: 3306, ttl: 1, sent: [1] }, { port: 443, ttl: 1, sent: [1], answered: [1] }]))], [3306], 'dropped before router 1, proven by the canary at 1');
  t.same([...settledDrops(plan, record([]))], [], 'nothing sent yet: nothing settled');
});

t.test('a retry round re-sends only what is undecided', async (t) => {
  const firstAttempt = record([
    { port: 443, ttl: 1, sent: [1], answered: [1] }, { port: 443, ttl: 2, sent: [1] }, { port: 443, ttl: 3, sent: [1], answered: [1] },
    { port: 3306, ttl: 1, sent: [1], answered: [1] }, { port: 3306, ttl: 2, sent: [1] }, { port: 3306, ttl: 3, sent: [1] },
    { port: 22, ttl: 1, sent: [1] }, { port: 22, ttl: 2, sent: [1], reply: true }, { port: 22, ttl: 3, sent: [1], reply: true },
    { port: 443, ttl: 4, sent: [1] },
  ]);
  t.same(
    shape(retryRound(plan, firstAttempt)),
    ['3306@2 443@2', '3306@3 443@3', '443@4'],
    "3306 beyond its farthest time-exceeded, each TTL closed by a canary; the path's silent hop 2; the confirmation that drew nothing; not 22, which drew a reply",
  );
  const settled = record([
    { port: 443, ttl: 1, sent: [1], answered: [1] }, { port: 443, ttl: 2, sent: [1], answered: [1] }, { port: 443, ttl: 3, sent: [1], answered: [1] },
    { port: 3306, ttl: 1, sent: [1], answered: [1] }, { port: 3306, ttl: 2, sent: [1] }, { port: 3306, ttl: 3, sent: [1] },
    { port: 22, ttl: 2, sent: [1], reply: true }, { port: 443, ttl: 4, sent: [1], reply: true },
  ]);
  t.same(shape(retryRound(plan, settled)), [], 'path complete, 3306 settled by the canary at 2, every confirmation answered: nothing to re-send');
});

t.test('the round bookkeeping shared by the tracer and idle\'s locator: markSent, roundBatches, settleBudget', async (t) => {
  const outcomes = record([]);
  const first = outcomes.get(outcomeKey(443, 1))!;
  markSent(first, 1, 100);
  markSent(first, 2, 250);
  t.same({ tries: first.tries, sentAt: first.sentAt, sentAttempts: [...first.sentAttempts] }, { tries: 2, sentAt: 250, sentAttempts: [1, 2] });
  t.same(roundBatches(plan, outcomes, 1), firstRound(plan), 'round 1: the whole plan');
  t.same(roundBatches(plan, outcomes, 2), retryRound(plan, outcomes), 'later: what is undecided');
  const calls: string[] = [];
  const budget: IcmpBudget = {
    available: () => true, spend: () => undefined, nextAvailableAt: (_hop, now) => now,
    refund: (hop) => void calls.push(`refund ${hop}`), drain: (hop) => void calls.push(`drain ${hop}`),
  };
  const sent = record([
    { port: 443, ttl: 1, sent: [1], answered: [1] },
    { port: 443, ttl: 2, sent: [1] },
    { port: 3306, ttl: 3, sent: [1] },
    { port: 443, ttl: 4, sent: [1] },
  ]);
  settleBudget(plan, budget, [sent.get('443/1')!, sent.get('443/2')!, sent.get('3306/3')!, sent.get('443/4')!], 1, 1000);
  t.same(calls, ['drain 2', 'refund 3'], 'answered: nothing; a silent canary drains its router; any other silent probe is refunded; at the host: no router');
});
