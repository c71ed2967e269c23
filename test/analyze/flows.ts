import t from 'tap';
import {
  bitsAfterSegment,
  CLIENT,
  CLOSED,
  CLOSED_LINGER_MS,
  ESTABLISHED,
  FIN_CLIENT,
  FIN_SERVER,
  Flows,
  IDLE_MS,
  isConnectionAttempt,
  isFinishedBothWays,
  isStale,
  isSynRetransmission,
  MAX_PENDING_SYNS,
  SERVER,
  SYN_SEEN,
  tallyTtl,
} from '../../src/analyze/flows.js';
import { TcpFlag } from '../../src/packet/tcp.js';

const { SYN, ACK, RST, FIN, PSH } = TcpFlag;

t.test('a connection attempt is a SYN without ACK or RST', async (t) => {
  const cases: [string, number, boolean][] = [
    ['SYN', SYN, true],
    ['SYN with FIN (still an attempt)', SYN | FIN, true],
    ['SYN-ACK', SYN | ACK, false],
    ['SYN with RST', SYN | RST, false],
    ['ACK', ACK, false],
    ['RST', RST, false],
  ];
  for (const [name, flags, expected] of cases) t.equal(isConnectionAttempt(flags), expected, name);
});

t.test('a SYN retransmission: the same client, nothing but SYNs seen', async (t) => {
  t.equal(isSynRetransmission(SYN_SEEN, true), true);
  t.equal(isSynRetransmission(SYN_SEEN, false), false, 'another client on the tuple starts a connection');
  t.equal(isSynRetransmission(SYN_SEEN | ESTABLISHED, true), false, 'after the handshake a SYN starts a new connection');
  t.equal(isSynRetransmission(SYN_SEEN | CLOSED, true), false, 'after a RST as well');
  t.equal(isSynRetransmission(ESTABLISHED, true), false, 'a connection seen without its SYN');
  t.equal(isSynRetransmission(SYN_SEEN | FIN_CLIENT, true), true, 'a FIN bit alone does not end the handshake phase');
});

t.test('state after a segment: ACK establishes, FIN marks its side, both FINs finish', async (t) => {
  t.equal(bitsAfterSegment(SYN_SEEN, ACK, CLIENT), SYN_SEEN | ESTABLISHED);
  t.equal(bitsAfterSegment(SYN_SEEN, PSH, CLIENT), SYN_SEEN, 'no ACK: not established');
  t.equal(bitsAfterSegment(ESTABLISHED, FIN | ACK, CLIENT), ESTABLISHED | FIN_CLIENT);
  t.equal(bitsAfterSegment(ESTABLISHED, FIN | ACK, SERVER), ESTABLISHED | FIN_SERVER);
  t.equal(isFinishedBothWays(ESTABLISHED | FIN_CLIENT), false);
  t.equal(isFinishedBothWays(bitsAfterSegment(ESTABLISHED | FIN_CLIENT, FIN | ACK, SERVER)), true);
});

t.test('stale: closed longer than the linger, or idle longer than IDLE_MS', async (t) => {
  t.equal(isStale(CLOSED, 1000, 1000, 1000 + CLOSED_LINGER_MS), false, 'exactly at the linger: still there');
  t.equal(isStale(CLOSED, 1000, 1000, 1001 + CLOSED_LINGER_MS), true);
  t.equal(isStale(ESTABLISHED, 1000, 1000, 1001 + CLOSED_LINGER_MS), false, 'open: the linger does not apply');
  t.equal(isStale(ESTABLISHED, 0, 1000, 1000 + IDLE_MS), false);
  t.equal(isStale(ESTABLISHED, 0, 1000, 1001 + IDLE_MS), true);
});

t.test('TTL tally keeps the two most common values', async (t) => {
  const ttls = new Uint8Array(2);
  const counts = new Uint32Array(2);
  const tally = (...values: number[]) => {
    for (const value of values) tallyTtl(ttls, counts, 0, value);
    return [ttls[0], counts[0], ttls[1], counts[1]];
  };
  t.same(tally(61, 61), [61, 2, 0, 0]);
  t.same(tally(63), [61, 2, 63, 1], 'an odd TTL goes second');
  t.same(tally(63, 63), [63, 3, 61, 2], 'overtaking the first swaps them');
  t.same(tally(100), [63, 3, 100, 1], 'a third value replaces the second, never the first');
});

t.test('connections: both directions, sides, pending SYNs, eviction', async (t) => {
  const flows = new Flows<string>(2);
  flows.nowMs = 10;
  const a = flows.open(1, 50000, 2, 443);
  t.equal(flows.find(2, 443, 1, 50000), a, 'the reply direction finds it');
  t.equal(flows.sideOf(a, 1, 50000), CLIENT);
  t.equal(flows.sideOf(a, 2, 443), SERVER);
  t.equal(flows.commonTtl(a, SERVER), -1, 'nothing counted yet');
  flows.tally(a, SERVER, 61);
  t.equal(flows.commonTtl(a, SERVER), 61);
  t.equal(flows.commonTtl(a, CLIENT), -1, 'the sides are counted apart');

  for (let sequence = 1; sequence <= MAX_PENDING_SYNS + 1; sequence++) flows.addPending(a, sequence, sequence, 64);
  t.equal(flows.pendingCount[a], MAX_PENDING_SYNS);
  t.same([...flows.pendingSeq.subarray(flows.firstPending(a), flows.lastPending(a) + 1)], [2, 3, 4, 5], 'the oldest SYN gives way');
  flows.clearPending(a);
  t.equal(flows.pendingCount[a], 0);

  flows.close(a);
  flows.nowMs = 20;
  flows.close(a);
  t.equal(flows.closedMs[a], 10, 'the linger counts from the first close');
  flows.nowMs = 11 + CLOSED_LINGER_MS;
  t.equal(flows.find(1, 50000, 2, 443), -1, 'a closed connection is forgotten after the linger');

  const b = flows.open(3, 1, 4, 2);
  flows.tag[b] = 'b';
  const c = flows.open(5, 1, 6, 2);
  flows.touch(c);
  const d = flows.open(7, 1, 8, 2);
  t.equal(flows.find(7, 1, 8, 2), d, 'a full table makes room');
  t.equal([flows.find(3, 1, 4, 2), flows.find(5, 1, 6, 2)].filter((index) => index >= 0).length, 1, 'one connection gave way');
  t.equal(flows.tag[d], null, 'a new connection starts without the old tag');
});

t.test('IPv6: the client is told apart by its words', async (t) => {
  const flows = new Flows<null>(4);
  const words = Uint32Array.of(0x20010002, 1, 0, 1, 0x20010002, 4, 0, 2);
  // The same 32-bit value for both endpoints and the same port: only the words tell the sides apart.
  const index = flows.open(5, 7000, 5, 7000, words, 0);
  t.equal(flows.find(5, 7000, 5, 7000, words, 4), index);
  t.equal(flows.sideOf(index, 5, 7000, words, 0), CLIENT);
  t.equal(flows.sideOf(index, 5, 7000, words, 4), SERVER);
  t.ok(flows.isClient(index, 5, 7000, words, 0));
});
