import t from 'tap';
import { DEFAULT_RESOLUTION } from '../../src/idle/duration.js';
import { idleResult, searchDecided, summarize, type ConnectionOutcome } from '../../src/idle/outcome.js';
import type { IdleSender } from '../../src/model/idle.js';

const firewall: IdleSender = { answeredBy: 'middlebox', hop: 2, ttl: 63, address: '198.18.4.2' };
const host: IdleSender = { answeredBy: 'host', hop: 4, ttl: 61, address: '198.18.4.2' };
const alive = (idleS: number): ConnectionOutcome => ({ kind: 'alive', idleS });
const ended = (idleS: number, how: 'rst' | 'close' | 'drop' | 'icmp', sender: IdleSender | null = firewall, unsolicited = false): ConnectionOutcome => ({ kind: 'ended', idleS, how, sender, unsolicited });

t.test('the interval: longest survived below the shortest end', async (t) => {
  const summary = summarize([alive(1), alive(2), alive(3), ended(4, 'rst'), ended(5, 'rst')]);
  t.same(summary.timeout, { minS: 3, maxS: 4 });
  t.equal(summary.ends, 'rst');
  t.same(summary.by, firewall);
  t.equal(summary.consistent, true);
});

t.test('nothing ended: null', async (t) => {
  const summary = summarize([alive(1), alive(2), { kind: 'failed', idleS: 3, reason: 'connect: ECONNREFUSED' }]);
  t.equal(summary.timeout, null);
  t.equal(summary.ends, null);
  t.equal(summary.by, null);
});

t.test('an end before any survival: (0, first]', async (t) => {
  t.same(summarize([ended(1, 'drop', null), ended(2, 'drop', null)]).timeout, { minS: 0, maxS: 1 });
});

t.test('failed connections prove nothing either way', async (t) => {
  t.same(summarize([alive(1), { kind: 'failed', idleS: 2, reason: 'x' }, ended(3, 'rst')]).timeout, { minS: 1, maxS: 3 });
});

t.test('a longer idle that survived a shorter end: not consistent, the interval still from the shortest end', async (t) => {
  const summary = summarize([alive(1), ended(2, 'drop', null), alive(3)]);
  t.same(summary.timeout, { minS: 1, maxS: 2 });
  t.equal(summary.consistent, false);
});

t.test('an unsolicited FIN at 3.01 s idle ends it then, whatever the planned idle time', async (t) => {
  const summary = summarize([alive(1), alive(2), ended(3.01, 'close', host, true), ended(3.02, 'close', host, true)]);
  t.same(summary.timeout, { minS: 2, maxS: 3.01 });
  t.equal(summary.ends, 'close');
  t.same(summary.by, host);
});

t.test('decided once every idle time below the shortest end has its outcome', async (t) => {
  const times = [1, 2, 3, 4, 5];
  t.notOk(searchDecided(times, new Map([[1, alive(1)], [3, ended(3, 'rst')]])), '2 is still open');
  t.ok(searchDecided(times, new Map([[1, alive(1)], [2, alive(2)], [3, ended(3, 'rst')]])), '4 and 5 no longer matter');
  t.notOk(searchDecided(times, new Map(times.slice(0, 4).map((idle) => [idle, alive(idle)]))), 'no end: every one is needed');
  t.ok(searchDecided(times, new Map(times.map((idle) => [idle, alive(idle)]))));
});

t.test('the result and its explanation', async (t) => {
  const base = { maxIdleS: 600, resolution: DEFAULT_RESOLUTION, unsolicited: [], connections: 9, interrupted: false };
  const rst = idleResult({ ...base, outcomes: [alive(348), ended(352.5, 'rst')], droppedAfter: null });
  t.same(rst.timeout, { minS: 348, maxS: 352.5 });
  t.equal(rst.resolutionS, 17.63, '5% of the timeout');
  t.equal(rst.explanation, 'after 348-352.5 s idle a device at hop 2 forgets the connection and answers with a RST');
  const drop = idleResult({ ...base, outcomes: [alive(3), ended(4, 'drop', null)], droppedAfter: { hop: 2, address: '198.18.2.2', confirmed: true } });
  t.equal(drop.by, null);
  t.same(drop.droppedAfter, { hop: 2, address: '198.18.2.2', confirmed: true });
  t.equal(drop.explanation, 'after 3-4 s idle a device after hop 2 (198.18.2.2) forgets the connection and drops its packets silently');
  const unconfirmed = idleResult({ ...base, outcomes: [ended(4, 'drop', null)], droppedAfter: { hop: 1, address: '198.18.1.2', confirmed: false } });
  t.match(unconfirmed.explanation, /after hop 1 \(198\.18\.1\.2\) \(unconfirmed\)/);
  const close = idleResult({ ...base, outcomes: [alive(2), ended(3, 'close', host, true)], droppedAfter: null });
  t.equal(close.explanation, 'after 2-3 s idle the host (hop 4) itself closes it (FIN)');
  t.equal(close.droppedAfter, null, 'droppedAfter only for drops');
  const failedAll = idleResult({ ...base, outcomes: [{ kind: 'failed', idleS: 600, reason: 'connect: ECONNREFUSED' }, alive(300)], droppedAfter: null });
  t.equal(failedAll.timeout, null);
  t.equal(failedAll.explanation, 'undetermined: no connection was checked after 10 min idle (the longest survived 5 min); connect: ECONNREFUSED', 'never a survival claimed that was not seen');
  const none = idleResult({ ...base, outcomes: [alive(600)], droppedAfter: null });
  t.equal(none.timeout, null);
  t.equal(none.resolutionS, null);
  t.equal(none.explanation, 'every connection survived up to 10 min idle: no idle timeout up to --max-idle');
  t.equal(idleResult({ ...base, outcomes: [], droppedAfter: null, interrupted: true }).explanation, 'interrupted before any idle connection ended');
  const unsharp = idleResult({ ...base, outcomes: [ended(4, 'rst'), alive(5)], droppedAfter: null });
  t.match(unsharp.explanation, /not sharp/);
});
