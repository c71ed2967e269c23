import t from 'tap';
import { buildTargetReport } from '../../src/infer/target-report.js';
import type { TargetObservation } from '../../src/infer/observation.js';
import type { TraceOutcome } from '../../src/trace/conclude.js';
import { concludeNat } from '../../src/trace/nat.js';
import { concludeTtlRewrite, unconfirmable } from '../../src/trace/ttl-rewrite.js';

const outcome = (port: number, ttl: number, fields: Partial<TraceOutcome>): TraceOutcome => ({ port, ttl, tries: 1, timeExceeded: null, reply: null, ...fields });
const te = (hop: number) => ({ from: `198.18.${hop}.2`, rttMs: 0.5 });
const HOST = '198.18.4.2';

function target(echoTtl: number, ports: TargetObservation['ports'], address = HOST) {
  return buildTargetReport({ target: address, address, echo: { sent: 3, replies: [{ ttl: echoTtl, rttMs: 1 }] }, ports, ignored: 0 });
}

t.test('no rewrite on an ordinary path', async (t) => {
  const report = target(61, [{ port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: HOST, ttl: 61, rttMs: 1 } }]);
  const outcomes = [outcome(443, 1, { timeExceeded: te(1) }), outcome(443, 2, { timeExceeded: te(2) }), outcome(443, 3, { timeExceeded: te(3) }), outcome(443, 4, { reply: { kind: 'syn-ack', from: HOST, ttl: 61 } })];
  t.equal(concludeTtlRewrite(report, outcomes, []), null);
});

t.test('forward only: a probe with TTL 3 reaches the host at hop 4, the last time-exceeded came from hop 2', async (t) => {
  const report = target(61, [
    { port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: HOST, ttl: 61, rttMs: 1 } },
    { port: 22, tries: 1, finished: true, reply: { kind: 'rst', from: HOST, ttl: 62, rttMs: 1 } },
  ]);
  const outcomes = [outcome(443, 1, { timeExceeded: te(1) }), outcome(443, 2, { timeExceeded: te(2) }), outcome(443, 3, { reply: { kind: 'syn-ack', from: HOST, ttl: 61 } })];
  const rewrite = concludeTtlRewrite(report, outcomes, []);
  t.match(rewrite, { hop: 2, address: '198.18.2.2', direction: 'forward', undermined: [] }, 'the replies are honest: no verdict undermined');
  t.same(unconfirmable(report, rewrite!), [22, 443], 'but no responder past hop 2 can be confirmed by TTL-limited probes');
  t.match(rewrite?.explanation, /TTL 3 reached the host, whose replies show it at hop 4/);
});

t.test('replies look as close as a router our probes crossed: both ways or a shorter return, said so', async (t) => {
  // TTL --ttl-set 64 at hop 2 both ways: every reply arrives with 63 (hop 2), yet router 2 expires our TTL-2 probe.
  const report = target(63, [{ port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: HOST, ttl: 63, rttMs: 1 } }]);
  const outcomes = [outcome(443, 1, { timeExceeded: te(1) }), outcome(443, 2, { timeExceeded: te(2) })];
  const rewrite = concludeTtlRewrite(report, outcomes, []);
  t.match(rewrite, { hop: 2, address: '198.18.2.2', direction: 'unknown', undermined: [443] });
  t.match(rewrite?.explanation, /cannot tell these apart/);
});

t.test('a quote with TTL left above 1 proves the forward reset; with closer replies: both', async (t) => {
  const report = target(63, [{ port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: HOST, ttl: 63, rttMs: 1 } }]);
  const change = { field: 'ip.ttl' as const, sent: 1, seen: 5, after: { hop: 2, address: '198.18.2.2' }, firstSeenAt: 3 };
  const outcomes = [outcome(443, 2, { timeExceeded: te(2) }), outcome(443, 3, { timeExceeded: te(3) })];
  t.match(concludeTtlRewrite(report, outcomes, [change]), { hop: 2, direction: 'both', undermined: [443] });
});

t.test('a VIP: the target answers ping at hop 2, port 443 from hop 4 — no TTL rewrite, NAT at hop 2', async (t) => {
  const vip = '198.18.2.2';
  const report = target(63, [
    { port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: vip, ttl: 61, rttMs: 1 } },
    { port: 22, tries: 1, finished: true, reply: { kind: 'rst', from: vip, ttl: 63, rttMs: 1 } },
  ], vip);
  t.equal(report.ports.find((p) => p.port === 443)?.answeredBy, 'beyond');
  const outcomes = [outcome(22, 1, { timeExceeded: te(1) }), outcome(443, 3, { timeExceeded: te(3) }), outcome(443, 4, { reply: { kind: 'syn-ack', from: vip, ttl: 61 } })];
  t.equal(concludeTtlRewrite(report, outcomes, []), null, "a beyond port's probes pass routers past the VIP: expected");
  const nat = concludeNat(report, outcomes, []);
  t.same(nat.nat, [{ hop: 2, address: vip, evidence: 'vip', detail: 'the device at hop 2 owns 198.18.2.2 and forwards port 443 to a host farther away' }]);
  t.same([...nat.forwardedBy], [[443, { hop: 2, address: vip }]]);
});

t.test('an untranslated quote names the NAT after the last hop that quoted our own source', async (t) => {
  const report = target(61, [{ port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: HOST, ttl: 61, rttMs: 1 } }]);
  const change = { field: 'ip.source' as const, sent: '198.18.1.1', seen: '198.18.9.9', after: { hop: 1, address: '198.18.1.2' }, firstSeenAt: 2 };
  t.same(concludeNat(report, [], [change]).nat, [{ hop: 1, address: '198.18.1.2', evidence: 'quote', detail: 'quotes from hop 2 on show our source address 198.18.1.1 rewritten to 198.18.9.9' }]);
});

t.test('over IPv6 the explanation speaks of the hop limit (HL --hl-set), the reasoning is the same', async (t) => {
  const host6 = '2001:2:0:4::2';
  const report = target(61, [{ port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: host6, ttl: 61, rttMs: 1 } }], host6);
  t.equal(report.family, 6);
  const te6 = (hop: number) => ({ from: `2001:2:0:${hop}::2`, rttMs: 0.5 });
  const outcomes = [outcome(443, 1, { timeExceeded: te6(1) }), outcome(443, 2, { timeExceeded: te6(2) }), outcome(443, 3, { reply: { kind: 'syn-ack', from: host6, ttl: 61 } })];
  const rewrite = concludeTtlRewrite(report, outcomes, []);
  t.match(rewrite, { hop: 2, address: '2001:2:0:2::2', direction: 'forward', undermined: [] });
  t.equal(rewrite?.explanation, "Hop limit of our probes reset at hop 2: a probe sent with hop limit 3 reached the host, whose replies show it at hop 4; the replies' hop limits look honest, but hop-limited probes past hop 2 prove nothing");
  t.notMatch(rewrite?.explanation ?? '', /TTL/);
});
