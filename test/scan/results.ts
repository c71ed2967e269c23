import t from 'tap';
import { assembleObservations } from '../../src/scan/results.js';
import { targetState } from '../helpers/scan-state.js';

t.test('one observation per target as listed, its own ports in order', async (t) => {
  const state = targetState('198.18.4.2', [443, 22, 80]);
  state.ports.get(22)!.tries = 1;
  state.ports.get(22)!.done = true;
  state.ports.get(22)!.reply = { kind: 'rst', from: '198.18.2.2', ttl: 63, rttMs: 1 };
  state.reference.sent = 3;
  state.reference.replies.push({ ttl: 61, rttMs: 2 });
  state.ignored = 4;
  const states = new Map([['198.18.4.2', state]]);
  const observations = assembleObservations([{ target: 'db1', address: '198.18.4.2' }, { target: 'db1-again', address: '198.18.4.2', ports: [80] }], states, [22, 443]);
  t.same(observations, [
    {
      target: 'db1',
      address: '198.18.4.2',
      echo: { sent: 3, replies: [{ ttl: 61, rttMs: 2 }] },
      ports: [
        { port: 22, tries: 1, reply: { kind: 'rst', from: '198.18.2.2', ttl: 63, rttMs: 1 }, finished: true },
        { port: 443, tries: 0, reply: null, finished: false },
      ],
      ignored: 4,
    },
    { target: 'db1-again', address: '198.18.4.2', echo: { sent: 3, replies: [{ ttl: 61, rttMs: 2 }] }, ports: [{ port: 80, tries: 0, reply: null, finished: false }], ignored: 4 },
  ]);
  t.not(observations[0]!.echo.replies, state.reference.replies, 'a copy');
});
