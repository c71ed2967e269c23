import t from 'tap';
import { dropPointOf, locatePlan } from '../../src/idle/locate.js';
import { outcomeKey, untracked, type TrackedOutcome } from '../../src/trace/rounds.js';

/** Outcomes of a plan where `answers(port, ttl)` lists the attempts that drew a time-exceeded. */
function outcomesOf(hostHop: number, answers: (port: number, ttl: number) => number[]): Map<string, TrackedOutcome> {
  const plan = locatePlan(hostHop);
  const outcomes = new Map<string, TrackedOutcome>();
  for (const probe of plan.probes) {
    const outcome = untracked(probe);
    outcome.sentAttempts.add(1);
    for (const attempt of answers(probe.port, probe.ttl)) {
      outcome.answeredAttempts.add(attempt);
      outcome.timeExceeded = { from: `198.18.${probe.ttl}.2`, rttMs: 1 };
    }
    outcomes.set(outcomeKey(probe.port, probe.ttl), outcome);
  }
  return outcomes;
}

const CHECK = 1;

t.test('the plan: the check copy and a canary at every TTL below the host, canary last', async (t) => {
  const plan = locatePlan(4);
  t.equal(plan.lastRouterHop, 3);
  t.same(plan.dropPorts, [CHECK]);
  t.same(plan.probes.map((probe) => [probe.port, probe.ttl]), [[0, 1], [1, 1], [0, 2], [1, 2], [0, 3], [1, 3]]);
});

t.test('dropped after hop 2, proven by the canary answering at hop 3', async (t) => {
  const plan = locatePlan(4);
  const outcomes = outcomesOf(4, (port, ttl) => (port === CHECK && ttl > 2 ? [] : [1]));
  t.same(dropPointOf(plan, outcomes), { hop: 2, address: '198.18.2.2', confirmed: true });
});

t.test('the canary silent at hop 3 too (rate-limited or down): the same hop, unconfirmed', async (t) => {
  const plan = locatePlan(4);
  const outcomes = outcomesOf(4, (_port, ttl) => (ttl > 2 ? [] : [1]));
  t.same(dropPointOf(plan, outcomes), { hop: 2, address: '198.18.2.2', confirmed: false });
});

t.test('time-exceeded up to the last router: dropped by the host or on its link, proven', async (t) => {
  const plan = locatePlan(4);
  t.same(dropPointOf(plan, outcomesOf(4, () => [1])), { hop: 3, address: '198.18.3.2', confirmed: true });
});

t.test('no hop answered the check copies: null', async (t) => {
  const plan = locatePlan(4);
  t.equal(dropPointOf(plan, outcomesOf(4, (port) => (port === CHECK ? [] : [1]))), null);
});
