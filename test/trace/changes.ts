import t from 'tap';
import type { ChangeField } from '../../src/model/report.js';
import type { QuoteComparison, QuoteDifference } from '../../src/probe/module.js';
import { concludeChanges, type HopQuote } from '../../src/trace/changes.js';

const ALL: ChangeField[] = ['ip.dscp', 'ip.ecn', 'ip.id', 'ip.ttl', 'ip.source', 'tcp.sourcePort', 'tcp.seq', 'tcp.window', 'tcp.flags', 'tcp.mss', 'tcp.options'];
const SHORT: ChangeField[] = ['tcp.window', 'tcp.flags', 'tcp.mss', 'tcp.options'];

/** A hop's quote: these differences, these fields unseen (a short quote), the rest unchanged. */
function hop(n: number, differences: QuoteDifference[] = [], unseen: ChangeField[] = []): HopQuote {
  const changed = differences.map((d) => d.field);
  const comparison: QuoteComparison = { differences, unseen, unchanged: ALL.filter((f) => !changed.includes(f) && !unseen.includes(f)), quotedBytes: unseen.length > 0 ? 8 : 40 };
  return { hop: n, address: `198.18.${n}.2`, comparison };
}
const MSS = { field: 'tcp.mss', sent: 1460, seen: 1200 } as const;
const DSCP = { field: 'ip.dscp', sent: 0, seen: 46 } as const;

t.test('a clean path: no change', async (t) => {
  t.same(concludeChanges([hop(1), hop(2), hop(3)]), []);
  t.same(concludeChanges([]), [], 'no quotes: nothing claimed');
});

t.test('each change once, after the last hop whose quote still shows what we sent', async (t) => {
  // Linux clamps at hop 2 on the way out: hop 2 quotes 1460, hops 3 and 4 quote 1200.
  t.same(concludeChanges([hop(4, [MSS, DSCP]), hop(1), hop(3, [MSS]), hop(2)]), [
    { field: 'ip.dscp', sent: 0, seen: 46, after: { hop: 3, address: '198.18.3.2' }, firstSeenAt: 4 },
    { field: 'tcp.mss', sent: 1460, seen: 1200, after: { hop: 2, address: '198.18.2.2' }, firstSeenAt: 3 },
  ]);
});

t.test('changed before the first quote: placed after the client itself (hop 0)', async (t) => {
  t.same(concludeChanges([hop(1, [MSS]), hop(2, [MSS])]), [{ ...MSS, after: { hop: 0, address: null }, firstSeenAt: 1 }]);
});

t.test('a 28-byte quote neither hides a change nor claims the field unchanged', async (t) => {
  const changes = concludeChanges([hop(1), hop(2, [], SHORT), hop(3, [MSS])]);
  t.same(changes, [{ ...MSS, after: { hop: 1, address: '198.18.1.2' }, firstSeenAt: 3 }], 'after hop 1, the last that showed the MSS');
});

t.test('a hole in the path (no quote at a hop) moves nothing', async (t) => {
  t.same(concludeChanges([hop(1), hop(3, [MSS])]), [{ ...MSS, after: { hop: 1, address: '198.18.1.2' }, firstSeenAt: 3 }]);
});
