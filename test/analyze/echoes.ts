import t from 'tap';
import { echoKey, Echoes, MAX_KEPT_ECHOES, MAX_PENDING_ECHOES, nextRandom, reservoirSlot, sampledReplies, type EchoPair } from '../../src/analyze/echoes.js';

const C = '198.18.1.1';
const S = '198.18.4.2';

t.test('a reply answers the request with its identifier and sequence number, once', async (t) => {
  const echoes = new Echoes();
  t.equal(echoes.request(C, S, echoKey(7, 1), 100), true);
  echoes.request(C, S, echoKey(7, 2), 110);
  echoes.reply(C, S, echoKey(7, 2), 61, 115);
  echoes.reply(C, S, echoKey(7, 2), 61, 116);
  echoes.reply(C, S, echoKey(8, 1), 61, 117);
  echoes.reply(C, '198.18.9.9', echoKey(7, 1), 61, 118);
  const pair = echoes.pairs.get(C)!.get(S)!;
  t.match(pair, { sent: 2, received: 1, ignored: 2 }, 'a duplicate and a reply to another identifier are ignored');
  t.same(pair.kept, [{ ttl: 61, rttMs: 5 }]);
  t.equal(echoes.pairs.get(C)!.size, 1, 'a reply from an address never pinged makes no pair');
  t.not(echoKey(1, 0), echoKey(0, 1));
  t.equal(echoKey(null, null), 0);
});

t.test('pending requests are capped: the oldest is given up', async (t) => {
  const echoes = new Echoes();
  for (let sequence = 0; sequence <= MAX_PENDING_ECHOES; sequence++) echoes.request(C, S, echoKey(1, sequence), sequence);
  const pair = echoes.pairs.get(C)!.get(S)!;
  t.equal(pair.pending.size, MAX_PENDING_ECHOES);
  t.equal(pair.pending.has(echoKey(1, 0)), false);
  echoes.request(C, S, echoKey(1, 5), 9999);
  t.equal([...pair.pending.keys()].at(-1), echoKey(1, 5), 'a repeated request restarts its wait');
});

t.test('reservoir sampling', async (t) => {
  t.equal(reservoirSlot(10, 4, 0.25), 2);
  t.equal(reservoirSlot(10, 4, 0.5), -1, 'beyond the sample: dropped');
  const state = { seed: 1 };
  const first = [nextRandom(state), nextRandom(state), nextRandom(state)];
  const again = { seed: 1 };
  t.same([nextRandom(again), nextRandom(again), nextRandom(again)], first, 'the same seed gives the same sample');
  t.ok(first.every((value) => value >= 0 && value < 1));
});

t.test('a large exchange is sampled with the exact TTL proportions', async (t) => {
  const echoes = new Echoes();
  const total = MAX_KEPT_ECHOES * 2;
  for (let i = 0; i < total; i++) {
    echoes.request(C, S, echoKey(1, i), i);
    echoes.reply(C, S, echoKey(1, i), i % 4 === 0 ? 63 : 61, i + 1);
  }
  const pair = echoes.pairs.get(C)!.get(S)!;
  t.equal(pair.kept.length, MAX_KEPT_ECHOES);
  const replies = sampledReplies(pair);
  t.equal(replies.filter((reply) => reply.ttl === 63).length, MAX_KEPT_ECHOES / 4);
  t.equal(replies.filter((reply) => reply.ttl === 61).length, (MAX_KEPT_ECHOES * 3) / 4);
  const small: EchoPair = { requester: C, target: S, sent: 1, received: 1, ignored: 0, pending: new Map(), kept: [{ ttl: 61, rttMs: 1 }], ttlCounts: new Map([[61, 1]]) };
  t.equal(sampledReplies(small), small.kept, 'within the cap: every reply as kept');
  const rare: EchoPair = { ...small, received: 1000, kept: [{ ttl: 61, rttMs: 1 }], ttlCounts: new Map([[61, 999], [63, 1]]) };
  t.same(sampledReplies(rare, 10).filter((reply) => reply.ttl === 63).length, 1, 'a rare TTL keeps at least one reply');
});
