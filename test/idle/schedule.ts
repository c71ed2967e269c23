import t from 'tap';
import { DEFAULT_RESOLUTION, resolutionAt, type Resolution } from '../../src/idle/duration.js';
import { DEFAULT_MAX_CONNECTIONS, idleSchedule, OPEN_FRACTION, openAtS } from '../../src/idle/schedule.js';

/** Every gap between neighbours (and below the first) within `widening` x the resolution at the lower one. */
function gapsWithin(times: readonly number[], resolution: Resolution, widening: number): boolean {
  let previous = 0;
  for (const time of times) {
    if (time - previous > widening * resolutionAt(resolution, previous) + 0.002) return false;
    previous = time;
  }
  return true;
}

t.test('the default grid: 1 s steps up to 20 s, then 5 % steps, ending at --max-idle', async (t) => {
  const { idleTimes, widening } = idleSchedule(600, DEFAULT_RESOLUTION, DEFAULT_MAX_CONNECTIONS);
  t.equal(widening, 1, 'fits the default cap unwidened');
  t.same(idleTimes.slice(0, 5), [1, 2, 3, 4, 5]);
  t.equal(idleTimes[idleTimes.length - 1], 600, 'the last is --max-idle');
  t.ok(idleTimes.every((time, i) => i === 0 || time > idleTimes[i - 1]!), 'ascending');
  t.ok(gapsWithin(idleTimes, DEFAULT_RESOLUTION, 1), 'no gap wider than the resolution');
  t.ok(idleTimes.length <= DEFAULT_MAX_CONNECTIONS, `${idleTimes.length} connections`);
});

t.test('an absolute resolution: even steps', async (t) => {
  const resolution: Resolution = { kind: 'absolute', seconds: 2 };
  const { idleTimes } = idleSchedule(9, resolution, 100);
  t.same(idleTimes, [2, 4, 6, 8, 9]);
});

t.test('a cap below the grid widens it evenly, and says by how much', async (t) => {
  for (const cap of [2, 10, 40]) {
    const { idleTimes, widening } = idleSchedule(600, DEFAULT_RESOLUTION, cap);
    t.ok(idleTimes.length <= cap, `cap ${cap}: ${idleTimes.length} connections`);
    t.ok(widening > 1, `cap ${cap}: widened ${widening}x`);
    t.ok(gapsWithin(idleTimes, DEFAULT_RESOLUTION, widening), `cap ${cap}: gaps within the widened resolution`);
    t.equal(idleTimes[idleTimes.length - 1], 600);
  }
});

t.test('a --max-idle shorter than one step is tried alone', async (t) => {
  t.same(idleSchedule(0.5, DEFAULT_RESOLUTION, 10).idleTimes, [0.5]);
});

t.test('openings: a fixed fraction of the idle time, so checks come in the order of idle times, none after --max-idle', async (t) => {
  const { idleTimes } = idleSchedule(600, DEFAULT_RESOLUTION, DEFAULT_MAX_CONNECTIONS);
  const checks = idleTimes.map((idle) => openAtS(idle, 600) + idle);
  t.ok(checks.every((check, i) => i === 0 || check >= checks[i - 1]!), 'check times never go back');
  t.ok(checks.every((check, i) => check <= (1 + OPEN_FRACTION) * idleTimes[i]! + 0.001), 'each check by 1.15 x its idle time');
  t.ok(checks.every((check) => check <= 600.001), 'none after --max-idle');
  t.equal(openAtS(600, 600), 0, 'the longest opens at once');
  t.equal(openAtS(100, 600), 15);
});

t.test('programmer errors are RangeErrors', async (t) => {
  t.throws(() => idleSchedule(0, DEFAULT_RESOLUTION, 10), RangeError);
  t.throws(() => idleSchedule(10, DEFAULT_RESOLUTION, 0), RangeError);
});
