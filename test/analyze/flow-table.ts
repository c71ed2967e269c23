import t from 'tap';
import { FlowTable } from '../../src/analyze/flow-table.js';

t.test('both directions find the same connection', async (t) => {
  const table = new FlowTable(8);
  const index = table.insert(0xc6120101, 50000, 0xc6120402, 443);
  t.equal(table.find(0xc6120101, 50000, 0xc6120402, 443), index);
  t.equal(table.find(0xc6120402, 443, 0xc6120101, 50000), index);
  t.equal(table.find(0xc6120402, 443, 0xc6120101, 50001), -1);
  // Equal ports: the addresses decide the order.
  const same = table.insert(0x0a000002, 5000, 0x0a000001, 5000);
  t.equal(table.find(0x0a000001, 5000, 0x0a000002, 5000), same);
  t.equal(table.size, 2);
  table.remove(index);
  t.equal(table.find(0xc6120101, 50000, 0xc6120402, 443), -1);
  t.equal(table.find(0x0a000002, 5000, 0x0a000001, 5000), same);
  t.equal(table.size, 1);
});

t.test('full table', async (t) => {
  const table = new FlowTable(3);
  for (let i = 0; i < 3; i++) t.ok(table.insert(i, 1, 100, 2) >= 0);
  t.equal(table.insert(9, 1, 100, 2), -1);
  t.throws(() => new FlowTable(0), RangeError);
});

t.test('random inserts and removals agree with a Map', async (t) => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const capacity = 500;
  const table = new FlowTable(capacity);
  const oracle = new Map<string, number>();
  const key = (a: number, ap: number, b: number, bp: number): string => (ap < bp || (ap === bp && a <= b) ? `${a}:${ap}-${b}:${bp}` : `${b}:${bp}-${a}:${ap}`);
  let mismatches = 0;
  for (let step = 0; step < 50_000; step++) {
    // Few distinct values, so that probe chains collide and wrap around.
    const a = random(40);
    const ap = random(3);
    const b = random(40);
    const bp = random(3);
    const k = key(a, ap, b, bp);
    const found = table.find(a, ap, b, bp);
    if (found !== (oracle.get(k) ?? -1)) mismatches++;
    if (found >= 0 && random(2) === 0) {
      table.remove(found);
      oracle.delete(k);
    } else if (found < 0 && oracle.size < capacity) {
      oracle.set(k, table.insert(b, bp, a, ap));
    }
    if (table.size !== oracle.size) mismatches++;
  }
  t.equal(mismatches, 0);
  for (const [k, index] of oracle) {
    const [left, right] = k.split('-') as [string, string];
    const [a, ap] = left.split(':').map(Number) as [number, number];
    const [b, bp] = right.split(':').map(Number) as [number, number];
    if (table.find(a, ap, b, bp) !== index) mismatches++;
  }
  t.equal(mismatches, 0, 'every remaining connection is found');
});

t.test('IPv6: the words decide where the 32-bit values are equal; never an IPv4 entry', async (t) => {
  const table = new FlowTable(16);
  // Two IPv6 connections whose addresses have the same 32-bit values (a digest collision) but other words.
  const a = Uint32Array.of(0x20010002, 1, 0, 1, 0x20010002, 4, 0, 2);
  const b = Uint32Array.of(0x20010002, 1, 0, 9, 0x20010002, 4, 0, 2);
  const first = table.insert(7, 50000, 8, 443, a);
  const second = table.insert(7, 50000, 8, 443, b);
  t.not(first, second);
  t.equal(table.find(7, 50000, 8, 443, a), first);
  t.equal(table.find(7, 50000, 8, 443, b), second);
  t.equal(table.find(8, 443, 7, 50000, a, 4), first, 'the reply direction: the source words at 4');
  t.equal(table.find(7, 50000, 8, 443), -1, 'an IPv4 lookup with the same values finds no IPv6 entry');
  const v4 = table.insert(7, 50000, 8, 443);
  t.equal(table.find(7, 50000, 8, 443), v4);
  t.equal(table.find(7, 50000, 8, 443, a), first, 'and the IPv4 entry does not shadow the IPv6 one');
  // Equal ports and equal values: the words order the endpoints, both directions agree.
  const c = Uint32Array.of(0x20010002, 0, 0, 5, 0x20010002, 0, 0, 3);
  const same = table.insert(9, 5000, 9, 5000, c);
  t.equal(table.find(9, 5000, 9, 5000, c, 4), same);
  table.remove(first);
  t.equal(table.find(7, 50000, 8, 443, a), -1);
  t.equal(table.find(7, 50000, 8, 443, b), second);
});
