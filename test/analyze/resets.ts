import t from 'tap';
import { addReset, isOddReset, looseResetOf, resetOf, serverEndpoint, type LooseReset, type ObservedReset, type PortResets } from '../../src/analyze/resets.js';
import { MAX_LISTED_RESETS } from '../../src/model/analysis.js';

const reset: ObservedReset = { from: '198.18.4.2', fromPort: 22, to: '198.18.1.1', toPort: 50000, side: 'server', ttl: 63, flowTtl: 61, timestampMs: 1 };

t.test('a reset is odd when its distance differs from its side of the connection', async (t) => {
  t.equal(isOddReset(63, 61), true, 'the article: forged one router out, the host three');
  t.equal(isOddReset(61, 61), false);
  t.equal(isOddReset(125, 61), false, 'both three routers away (initial 128 and 64): the same distance');
  t.equal(isOddReset(63, -1), false, 'nothing to compare with');
});

t.test('resets per port: the first MAX_LISTED_RESETS listed, all counted', async (t) => {
  const map = new Map<number, PortResets>();
  for (let i = 0; i < MAX_LISTED_RESETS + 3; i++) addReset(map, 22, { ...reset, timestampMs: i });
  addReset(map, 80, reset);
  t.equal(map.get(22)!.count, MAX_LISTED_RESETS + 3);
  t.equal(map.get(22)!.listed.length, MAX_LISTED_RESETS);
  t.equal(map.get(22)!.listed[0]!.timestampMs, 0, 'the first ones');
  t.equal(map.get(80)!.count, 1);
});

t.test('the server of a connection seen without its SYN', async (t) => {
  const loose: LooseReset = { reset, a: '198.18.1.1', aPort: 50000, b: '198.18.4.2', bPort: 22 };
  const neither = { target: false, client: false };
  t.equal(serverEndpoint(loose, neither, { target: true, client: false }), 'b', 'a known target');
  t.equal(serverEndpoint(loose, { target: true, client: false }, neither), 'a', 'a known target, even on the high port');
  t.equal(serverEndpoint(loose, { target: false, client: true }, neither), 'b', 'not the client');
  t.equal(serverEndpoint(loose, neither, { target: false, client: true }), 'a', 'not the client, even on the high port');
  t.equal(serverEndpoint(loose, neither, neither), 'b', 'nothing known: the lower port');
  t.equal(serverEndpoint({ ...loose, aPort: 22, bPort: 22 }, neither, neither), 'a', 'equal ports: the first sender');
});

t.test('a reset from a packet, and the endpoints of a connection seen without its SYN', async (t) => {
  const packet = {
    timestampMs: 5,
    source: '198.18.4.2',
    destination: '198.18.1.1',
    family: 4 as const,
    sourceValue: 0,
    destinationValue: 0,
    addressWords: null,
    ttl: 63,
    protocol: 6,
    laterFragment: false,
    tcp: { sourcePort: 22, destinationPort: 50000, sequence: 0, acknowledgment: 0, flags: 0x04 },
    icmp: null,
  };
  const fromServer = resetOf(packet, false, 61);
  t.same(fromServer, { from: '198.18.4.2', fromPort: 22, to: '198.18.1.1', toPort: 50000, side: 'server', ttl: 63, flowTtl: 61, timestampMs: 5 });
  t.same(looseResetOf(fromServer, false, 50000, 22), { reset: fromServer, a: '198.18.1.1', aPort: 50000, b: '198.18.4.2', bPort: 22 }, "the connection's first sender first");
  const fromClient = resetOf(packet, true, 61);
  t.equal(fromClient.side, 'client');
  t.same(looseResetOf(fromClient, true, 22, 50000), { reset: fromClient, a: '198.18.4.2', aPort: 22, b: '198.18.1.1', bPort: 50000 });
});
