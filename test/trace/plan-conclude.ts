import t from 'tap';
import { buildTargetReport } from '../../src/infer/target-report.js';
import type { TargetObservation } from '../../src/infer/observation.js';
import { planTrace, confirmationTtls } from '../../src/trace/plan.js';
import { concludeTrace, type TraceOutcome } from '../../src/trace/conclude.js';

// Nine routers, the firewall at hop 6 forging RSTs for 22 and dropping 3306; the host at hop 10.
const observation: TargetObservation = {
  target: 'h',
  address: '198.18.10.2',
  echo: { sent: 3, replies: [{ ttl: 55, rttMs: 1 }] },
  ports: [
    { port: 22, tries: 1, finished: true, reply: { kind: 'rst', from: '198.18.10.2', ttl: 59, rttMs: 1 } },
    { port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: '198.18.10.2', ttl: 55, rttMs: 1 } },
    { port: 3306, tries: 2, finished: true, reply: null },
  ],
  ignored: 0,
};
const target = buildTargetReport(observation);

t.test('the plan probes only the TTLs that decide something', async (t) => {
  const plan = planTrace(target, 30);
  t.equal(plan.pathPort, 443, 'the path rides a port the host answers');
  t.equal(plan.hostHop, 10);
  t.equal(plan.lastRouterHop, 9);
  const of = (purpose: string, port: number) => plan.probes.filter((p) => p.purpose === purpose && p.port === port).map((p) => p.ttl);
  t.same(of('path', 443), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.same(of('drop', 3306), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.same(of('confirm', 22), [5, 6, 7]);
  t.same(of('confirm', 443), [10]);
  t.ok(plan.probes.filter((p) => p.purpose === 'confirm').every((p) => !p.needsIcmp), 'confirmations need no ICMP');
  t.same(confirmationTtls(1, 'middlebox', 30), [1, 2], 'never TTL 0');
  t.equal(planTrace(target, 4).lastRouterHop, 4, '--max-hops caps the sweep');
});

const outcome = (port: number, ttl: number, fields: Partial<TraceOutcome>): TraceOutcome => ({ port, ttl, tries: 1, timeExceeded: null, reply: null, ...fields });
const te = (hop: number) => ({ from: `198.18.${hop}.2`, rttMs: 0.5 });

t.test('conclusions: path, responders, drop points', async (t) => {
  const plan = planTrace(target, 30);
  const outcomes: TraceOutcome[] = [];
  for (let ttl = 1; ttl <= 9; ttl++) outcomes.push(outcome(443, ttl, { timeExceeded: ttl === 4 ? null : te(ttl) }));
  for (let ttl = 1; ttl <= 9; ttl++) outcomes.push(outcome(3306, ttl, { timeExceeded: ttl <= 6 ? te(ttl) : null }));
  outcomes.push(outcome(22, 5, { timeExceeded: te(5) }), outcome(22, 6, { timeExceeded: te(6) }), outcome(22, 7, { reply: { kind: 'rst', from: '198.18.10.2', ttl: 59 } }));
  outcomes.push(outcome(443, 10, { reply: { kind: 'syn-ack', from: '198.18.10.2', ttl: 55 } }));
  const conclusion = concludeTrace(target, plan, outcomes);
  t.same(conclusion.path.map((hop) => hop.address), ['198.18.1.2', '198.18.2.2', '198.18.3.2', '198.18.4.2', '198.18.5.2', '198.18.6.2', '198.18.7.2', '198.18.8.2', '198.18.9.2', '198.18.10.2'], 'a hole on the path flow is filled from another port at that hop');
  t.same(conclusion.responders.get(22), { hop: 6, address: '198.18.6.2', confirmed: true });
  t.same(conclusion.responders.get(443), { hop: 10, address: '198.18.10.2', confirmed: true });
  t.same(conclusion.droppedAfter.get(3306), { hop: 6, address: '198.18.6.2', confirmed: false }, 'no canary evidence given: unconfirmed');
  t.equal(conclusion.responders.get(3306), null);
});

t.test('a reply at a TTL that should not reach the responder leaves it unconfirmed', async (t) => {
  const plan = planTrace(target, 30);
  const conclusion = concludeTrace(target, plan, [
    outcome(22, 5, { reply: { kind: 'rst', from: '198.18.10.2', ttl: 59 } }),
    outcome(22, 7, { reply: { kind: 'rst', from: '198.18.10.2', ttl: 59 } }),
  ]);
  t.match(conclusion.responders.get(22), { hop: 6, confirmed: false });
  t.equal(conclusion.path[0]!.address, null, 'an unanswered hop is null');
  t.equal(conclusion.droppedAfter.get(3306), null, 'no time-exceeded at all: no drop point');
});
