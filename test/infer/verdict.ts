import t from 'tap';
import { answeredByOf, explain, stateOf } from '../../src/infer/verdict.js';

t.test('state from the reply kind', async (t) => {
  t.equal(stateOf('syn-ack'), 'open');
  t.equal(stateOf('rst'), 'closed');
  t.equal(stateOf('icmp-unreachable'), 'unreachable');
  t.equal(stateOf(null), 'filtered');
});

t.test('answeredBy compares with the reference distance', async (t) => {
  const cases: [number | null, number | null, string][] = [
    [3, 3, 'host'], [1, 3, 'middlebox'], [0, 3, 'middlebox'], [3, 1, 'beyond'], [2, null, 'unknown'], [null, 3, 'none'], [null, null, 'none'],
  ];
  for (const [reply, reference, want] of cases) t.equal(answeredByOf(reply, reference), want, `${reply} vs ${reference}`);
});

t.test('explanations', async (t) => {
  t.equal(
    explain({ answeredBy: 'middlebox', kind: 'rst', replyDistance: 1, referenceDistance: 3, referenceSource: 'echo', tries: 1 }),
    'RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered',
  );
  t.equal(
    explain({ answeredBy: 'middlebox', kind: 'icmp-unreachable', replyDistance: 1, referenceDistance: 2, referenceSource: 'echo', tries: 1, detail: 'communication administratively prohibited', from: '198.18.2.2' }),
    'ICMP communication administratively prohibited came from hop 2 (198.18.2.2), one hop before the host at hop 3: a device on the path answered',
  );
  t.match(explain({ answeredBy: 'beyond', kind: 'syn-ack', replyDistance: 3, referenceDistance: 1, referenceSource: 'echo', tries: 1 }), /hop 4, 2 hops beyond hop 2 where the target answers ping: the port is forwarded past it/);
  t.equal(explain({ answeredBy: 'none', kind: null, replyDistance: null, referenceDistance: 3, referenceSource: 'echo', tries: 2 }), 'no reply to 2 SYNs: dropped silently on the path or by the host');
  t.match(explain({ answeredBy: 'unknown', kind: 'icmp-unreachable', replyDistance: 1, referenceDistance: null, referenceSource: 'none', tries: 1 }), /cannot tell who answered/);
  t.equal(explain({ answeredBy: 'host', kind: 'syn-ack', replyDistance: 3, referenceDistance: 3, referenceSource: 'echo', tries: 1 }), null);
});
