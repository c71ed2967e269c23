import t from 'tap';
import { echoKey, Echoes } from '../../src/analyze/echoes.js';
import { Handshakes, SynSenders } from '../../src/analyze/handshakes.js';
import type { LooseReset, ObservedReset } from '../../src/analyze/resets.js';
import { assembleResult, MAX_LISTED_CLIENTS, targetAnalysis } from '../../src/analyze/result.js';

const C = '198.18.1.1';
const S = '198.18.4.2';

t.test('a target: ports in order, echo exchanges summed, ignored answers of both kinds', async (t) => {
  const handshakes = new Handshakes();
  const p443 = handshakes.port(S, 443)!;
  p443.tries = 1;
  p443.reply = { kind: 'syn-ack', from: S, ttl: 61, rttMs: 1 };
  handshakes.port(S, 22)!.tries = 2;
  const target = handshakes.target(S)!;
  target.ignored = 1;
  const echoes = new Echoes();
  echoes.request(C, S, echoKey(1, 1), 0);
  echoes.reply(C, S, echoKey(1, 1), 61, 2);
  echoes.reply(C, S, echoKey(1, 9), 61, 3);
  echoes.request('198.18.1.2', S, echoKey(1, 1), 0);
  const pairs = [echoes.pairs.get(C)!.get(S)!, echoes.pairs.get('198.18.1.2')!.get(S)!];
  const analysis = targetAnalysis(target, pairs, new Map());
  t.same(analysis.observation.ports.map((port) => [port.port, port.tries, port.reply?.kind ?? null, port.finished]), [[22, 2, null, true], [443, 1, 'syn-ack', true]]);
  t.same(analysis.observation.echo, { sent: 2, replies: [{ ttl: 61, rttMs: 2 }] });
  t.equal(analysis.observation.ignored, 2, "the target's own and the echo reply answering nothing");
  t.equal(analysis.echoReceived, 1);
});

const reset = (from: string, fromPort: number): ObservedReset => ({ from, fromPort, to: '', toPort: 0, side: 'client', ttl: 63, flowTtl: 61, timestampMs: 0 });

t.test('the result: clients, echo exchanges of clients only, loose resets placed at their server', async (t) => {
  const handshakes = new Handshakes();
  const synSenders = new SynSenders();
  handshakes.port(S, 22);
  synSenders.note(C);
  const echoes = new Echoes();
  echoes.request(C, S, echoKey(1, 1), 0);
  echoes.request('198.18.7.7', '198.18.7.8', echoKey(1, 1), 0);
  const looseResets: LooseReset[] = [
    { reset: reset(S, 22), a: C, aPort: 50000, b: S, bPort: 22 },
    { reset: reset('198.18.5.5', 50001), a: '198.18.5.5', aPort: 50001, b: '198.18.6.6', bPort: 8080 },
  ];
  const result = assembleResult({ handshakes, synSenders, echoes, looseResets, untracked: 3 });
  t.same(result.clients, [C]);
  t.equal(result.clientCount, 1);
  t.equal(result.untracked, 3);
  t.same(result.targets.map((target) => target.observation.address), [S, '198.18.6.6'], 'an echo exchange of a non-client adds no target');
  t.equal(result.targets[0]!.resets.get(22)!.count, 1, 'a port the SYNs went to: among its resets');
  t.equal(looseResets[0]!.reset.side, 'server', 'the side is decided once the server is known');
  t.equal(result.targets[1]!.midflowOnly.get(8080)!.count, 1, 'a port no SYN went to: mid-flow only');
  t.equal(looseResets[1]!.reset.side, 'client');
});

t.test('without SYNs, every echo requester is a client', async (t) => {
  const echoes = new Echoes();
  for (let i = 0; i < MAX_LISTED_CLIENTS + 5; i++) echoes.request(`198.18.1.${i}`, S, echoKey(1, 1), 0);
  const result = assembleResult({ handshakes: new Handshakes(), synSenders: new SynSenders(), echoes, looseResets: [], untracked: 0 });
  t.equal(result.clients.length, MAX_LISTED_CLIENTS, 'listed up to the cap');
  t.equal(result.clientCount, MAX_LISTED_CLIENTS + 5);
  t.same(result.targets.map((target) => target.observation.echo.sent), [MAX_LISTED_CLIENTS + 5]);
});
