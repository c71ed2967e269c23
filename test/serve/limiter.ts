import t from 'tap';
import { createSlotLimiter } from '../../src/serve/limiter.js';

t.test('the limit is checked first, with an exact message', async (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
    t.throws(() => createSlotLimiter(bad), new TypeError(`Expected \`limit\` to be a whole number of at least 1, got ${String(bad)}`));
  }
});

t.test('beyond the limit: refused at once, never queued; slots come back', async (t) => {
  const limiter = createSlotLimiter(2);
  const a = limiter.tryAcquire();
  const b = limiter.tryAcquire();
  t.ok(a && b);
  t.equal(limiter.active, 2);
  t.equal(limiter.tryAcquire(), null, 'third refused');
  t.equal(limiter.active, 2, 'a refusal takes nothing');
  a!();
  a!();
  t.equal(limiter.active, 1, 'releasing twice gives back one slot');
  const c = limiter.tryAcquire();
  t.ok(c);
  t.equal(limiter.tryAcquire(), null);
  b!();
  c!();
  t.equal(limiter.active, 0);
});

t.test('invariant under random use: 0 <= active <= limit', async (t) => {
  const limiter = createSlotLimiter(3);
  const held: (() => void)[] = [];
  let violations = 0;
  for (let i = 0; i < 10_000; i++) {
    if (Math.random() < 0.55) {
      const release = limiter.tryAcquire();
      if (release) held.push(release);
      else if (held.length !== 3) violations++;
    } else if (held.length > 0) {
      held.splice(Math.floor(Math.random() * held.length), 1)[0]!();
    }
    if (limiter.active !== held.length || limiter.active > 3) violations++;
  }
  t.equal(violations, 0);
});
