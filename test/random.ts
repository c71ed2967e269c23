import t from 'tap';
import { randomBytes, randomInt } from '../src/random.js';

t.test('randomBytes gives the asked length, and two draws differ', async (t) => {
  const a = randomBytes(32);
  const b = randomBytes(32);
  t.equal(a.length, 32);
  t.equal(randomBytes(0).length, 0);
  t.notSame(a, b, 'two 256-bit draws are never equal');
  t.notSame(a, Buffer.alloc(32), 'not all zero');
});

t.test('randomInt stays in [min, max) and reaches every value about equally often', async (t) => {
  const counts = new Map<number, number>();
  const draws = 8000;
  for (let i = 0; i < draws; i++) {
    const value = randomInt(10, 18);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  t.same([...counts.keys()].sort((a, b) => a - b), [10, 11, 12, 13, 14, 15, 16, 17], 'every value of the range, nothing outside');
  // Chi-square with 7 degrees of freedom: above 40 has probability below 1e-6 for a uniform source.
  const expected = draws / 8;
  const chiSquare = [...counts.values()].reduce((sum, seen) => sum + (seen - expected) ** 2 / expected, 0);
  t.ok(chiSquare < 40, `uniform (chi-square ${chiSquare.toFixed(1)})`);
  for (let i = 0; i < 200; i++) {
    const port = randomInt(32768, 61000);
    if (port < 32768 || port >= 61000 || !Number.isInteger(port)) t.fail(`out of range: ${port}`);
  }
  t.equal(randomInt(5, 6), 5, 'a range of one value');
  // A range that does not divide 2**32: 3 * 2**30. Without rejection sampling, words at or above it
  // would fold onto [0, 2**30) and half the draws would land there instead of a third.
  let low = 0;
  const samples = 6000;
  for (let i = 0; i < samples; i++) if (randomInt(0, 3 * 2 ** 30) < 2 ** 30) low++;
  t.ok(Math.abs(low / samples - 1 / 3) < 0.05, `a third of the draws below 2**30 (${(low / samples).toFixed(3)})`);
  const wide = randomInt(0, 2 ** 32);
  t.ok(wide >= 0 && wide < 2 ** 32 && Number.isInteger(wide), 'the full 32-bit range');
});

t.test('randomInt refuses ranges it cannot draw from', async (t) => {
  t.throws(() => randomInt(5, 5), new RangeError('randomInt: need integers min < max with max - min <= 2**32 (got 5, 5)'));
  t.throws(() => randomInt(0, 2 ** 32 + 1), RangeError);
  t.throws(() => randomInt(0.5, 3), RangeError);
});
