import t from 'tap';
import { evaluateIdleExpectation, parseIdleExpectations } from '../../src/idle/expectation.js';
import { UsageError } from '../../src/errors.js';
import type { IdleResult } from '../../src/model/idle.js';

t.test('PORT>=DURATION, repeatable and comma-joined', async (t) => {
  t.same(parseIdleExpectations(['9000>=300s', '443>=5m,22>=90']), [{ port: 9000, minimumS: 300 }, { port: 443, minimumS: 300 }, { port: 22, minimumS: 90 }]);
  t.same(parseIdleExpectations([' 443 >= 1h ']), [{ port: 443, minimumS: 3600 }]);
});

t.test('bad expectations: one UsageError naming the part', async (t) => {
  t.throws(() => parseIdleExpectations(['443=5m']), new UsageError('--expect-idle must be PORT>=DURATION, e.g. 443>=5m (got "443=5m")'));
  t.throws(() => parseIdleExpectations(['70000>=5m']), new UsageError('--expect-idle must be PORT>=DURATION, e.g. 443>=5m (got "70000>=5m")'));
  t.throws(() => parseIdleExpectations(['443>=soon']), new UsageError('--expect-idle must be a duration such as 90, 90s, 5m or 1h (got "soon")'));
  t.throws(() => parseIdleExpectations(['443>=5m,443>=6m']), new UsageError('--expect-idle names port 443 twice'));
});

const result = (timeout: IdleResult['timeout'], explanation = 'x', survivedS: number | null = timeout?.minS ?? null): IdleResult => ({
  maxIdleS: 600, resolutionS: 1, timeout, ends: timeout ? 'rst' : null, by: null, droppedAfter: null, unsolicited: [], survivedS, connections: 3, consistent: true, explanation,
});

t.test('met only when a connection survived the idle time asked for', async (t) => {
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, result({ minS: 349, maxS: 352 })), { minimumS: 300, met: true, seen: 'rst after 349-352 s idle' });
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, result({ minS: 240, maxS: 250 })), { minimumS: 300, met: false, seen: 'rst after 240-250 s idle' });
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, result({ minS: 290, maxS: 305 })), { minimumS: 300, met: false, seen: 'rst after 290-305 s idle' }, 'cut within the interval: not proven');
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, result(null, 'every connection survived up to 10 min idle', 600)), { minimumS: 300, met: true, seen: 'survived 600 s idle' });
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, result(null, 'interrupted before any idle connection ended', 240)), { minimumS: 300, met: false, seen: 'the search did not get that far' });
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, result(null, 'interrupted before any idle connection ended', 300)), { minimumS: 300, met: true, seen: 'survived 300 s idle' }, 'interrupted after a connection survived the time asked: met');
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, result(null, 'undetermined: no connection was checked after 10 min idle', null)), { minimumS: 300, met: false, seen: 'the search did not get that far' });
  t.same(evaluateIdleExpectation({ port: 443, minimumS: 300 }, null), { minimumS: 300, met: false, seen: 'the port is not open: no connection to hold idle' });
});
