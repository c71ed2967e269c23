import t from 'tap';
import { createRttEstimator, MIN_TIMEOUT_MS } from '../../src/scan/rtt.js';

t.test('before any sample the timeout is the bound', async (t) => {
  const rtt = createRttEstimator(2000);
  t.equal(rtt.timeoutMs(), 2000);
  t.equal(rtt.samples, 0);
});

t.test('RFC 6298: srtt + 4 * rttvar, from the first sample on', async (t) => {
  const rtt = createRttEstimator(10_000, 0);
  rtt.sample(100);
  t.equal(rtt.timeoutMs(), 100 + 4 * 50, 'first sample: rttvar = rtt / 2');
  rtt.sample(200);
  // rttvar = 0.75 * 50 + 0.25 * |100 - 200| = 62.5; srtt = 0.875 * 100 + 0.125 * 200 = 112.5
  t.equal(rtt.timeoutMs(), 112.5 + 4 * 62.5);
  t.equal(rtt.samples, 2);
});

t.test('clamped between the floor and the bound', async (t) => {
  const fast = createRttEstimator(2000);
  for (let i = 0; i < 20; i++) fast.sample(1);
  t.equal(fast.timeoutMs(), MIN_TIMEOUT_MS, 'a 1 ms path still waits the floor');
  const slow = createRttEstimator(300);
  slow.sample(1000);
  t.equal(slow.timeoutMs(), 300, 'never beyond the user bound');
  const tight = createRttEstimator(50);
  tight.sample(1);
  t.equal(tight.timeoutMs(), 50, 'a bound below the floor lowers the floor');
});

t.test('samples that are not durations are ignored', async (t) => {
  const rtt = createRttEstimator(2000, 0);
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) rtt.sample(bad);
  t.equal(rtt.samples, 0);
  t.equal(rtt.timeoutMs(), 2000);
  rtt.sample(0);
  t.equal(rtt.samples, 1, 'zero is a valid sample (same-host replies)');
  t.equal(rtt.timeoutMs(), 0);
});
