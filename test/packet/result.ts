import t from 'tap';
import { decoded, failed, type Decoded } from '../../src/packet/result.js';

t.test('decoded wraps a value', async (t) => {
  t.same(decoded(42), { ok: true, value: 42 });
  t.same(decoded({ a: 1 }), { ok: true, value: { a: 1 } });
});

t.test('failed carries the reason', async (t) => {
  const r: Decoded<number> = failed('IHL too small (4 < 5)');
  t.same(r, { ok: false, reason: 'IHL too small (4 < 5)' });
  t.equal(r.ok, false);
});
