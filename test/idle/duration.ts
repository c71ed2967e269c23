import t from 'tap';
import { formatDuration, parseDuration, parseResolution, resolutionAt } from '../../src/idle/duration.js';
import { UsageError } from '../../src/errors.js';

t.test('DURATION: seconds, or a number with s, m or h', async (t) => {
  const cases: [string, number][] = [['90', 90], ['90s', 90], ['5m', 300], ['1h', 3600], ['1.5', 1.5], ['2.5m', 150], [' 10S ', 10], ['24h', 86400]];
  for (const [text, seconds] of cases) t.equal(parseDuration(text, 'max-idle'), seconds, text);
});

t.test('bad DURATIONs: one UsageError naming the flag and the value', async (t) => {
  const cases: [string, string][] = [
    ['', '--max-idle must be a duration such as 90, 90s, 5m or 1h (got "")'],
    ['abc', '--max-idle must be a duration such as 90, 90s, 5m or 1h (got "abc")'],
    ['5d', '--max-idle must be a duration such as 90, 90s, 5m or 1h (got "5d")'],
    ['-5', '--max-idle must be a duration such as 90, 90s, 5m or 1h (got "-5")'],
    ['1m30s', '--max-idle must be a duration such as 90, 90s, 5m or 1h (got "1m30s")'],
    ['0', '--max-idle must be more than 0 s (got "0")'],
    ['0s', '--max-idle must be more than 0 s (got "0s")'],
    ['25h', '--max-idle must be at most 24h (got "25h")'],
  ];
  for (const [text, message] of cases) t.throws(() => parseDuration(text, 'max-idle'), new UsageError(message), JSON.stringify(text));
});

t.test('resolution: a DURATION, or a percentage of the value with 1 s at least', async (t) => {
  t.same(parseResolution('2s', 'resolution'), { kind: 'absolute', seconds: 2 });
  t.same(parseResolution('10%', 'resolution'), { kind: 'relative', fraction: 0.1, minimumS: 1 });
  t.equal(resolutionAt(parseResolution('5%', 'resolution'), 600), 30, '5% of 10 min');
  t.equal(resolutionAt(parseResolution('5%', 'resolution'), 4), 1, 'at least 1 s');
  t.equal(resolutionAt(parseResolution('3s', 'resolution'), 600), 3);
  t.throws(() => parseResolution('0.5%', 'resolution'), new UsageError('--resolution as a percentage must be between 1% and 50% (got "0.5%")'));
  t.throws(() => parseResolution('60%', 'resolution'), new UsageError('--resolution as a percentage must be between 1% and 50% (got "60%")'));
  t.throws(() => parseResolution('0.05', 'resolution'), new UsageError('--resolution must be at least 0.1 s (got "0.05")'));
  t.throws(() => parseResolution('fast', 'resolution'), new UsageError('--resolution must be a duration such as 90, 90s, 5m or 1h (got "fast")'));
});

t.test('durations as people write them', async (t) => {
  t.equal(formatDuration(600), '10 min');
  t.equal(formatDuration(3600), '1 h');
  t.equal(formatDuration(8), '8 s');
  t.equal(formatDuration(90), '1.5 min');
  t.equal(formatDuration(12.34), '12.3 s');
});
