import t from 'tap';
import { UsageError } from '../../src/errors.js';
import { DEFAULT_MAX_CONCURRENT, DEFAULT_PROBE_TIMEOUT_MS, parseListen, toServeOptions } from '../../src/serve/options.js';

t.test('--listen', async (t) => {
  t.same(parseListen('127.0.0.1:9799'), { host: '127.0.0.1', port: 9799 });
  t.same(parseListen('0.0.0.0:9799'), { host: '0.0.0.0', port: 9799 });
  t.same(parseListen('localhost:0'), { host: 'localhost', port: 0 });
  t.same(parseListen('[::1]:9799'), { host: '::1', port: 9799 });
  const cases: [string, string][] = [
    [':9799', '--listen :9799: give the address too, e.g. 127.0.0.1:9799 (or 0.0.0.0:9799 for every interface)'],
    ['9799', '--listen must be HOST:PORT (e.g. 127.0.0.1:9799), got "9799"'],
    ['127.0.0.1', '--listen must be HOST:PORT (e.g. 127.0.0.1:9799), got "127.0.0.1"'],
    ['127.0.0.1:http', '--listen must be HOST:PORT (e.g. 127.0.0.1:9799), got "127.0.0.1:http"'],
    ['127.0.0.1:70000', '--listen 127.0.0.1:70000: port 70000 out of range (0-65535)'],
    ['::1:9799', '--listen must be HOST:PORT (e.g. 127.0.0.1:9799), got "::1:9799"'],
  ];
  for (const [value, message] of cases) t.throws(() => parseListen(value), new UsageError(message), value);
});

t.test('defaults', async (t) => {
  const options = toServeOptions({ allow: ['198.18.0.0/15'] });
  t.same(options.listen, { host: '127.0.0.1', port: 9799 }, 'loopback unless told otherwise');
  t.equal(options.maxConcurrent, DEFAULT_MAX_CONCURRENT);
  t.equal(options.maxConcurrent, 4);
  t.equal(options.probeTimeoutMs, DEFAULT_PROBE_TIMEOUT_MS);
  t.equal(options.probeTimeoutMs, 60_000);
  t.match(options, { echoCount: 3, tries: 2, timeoutMs: 1000, maxHops: 30, user: null });
  t.same(options.allow.networks.map((network) => network.text), ['198.18.0.0/15']);
});

t.test('flags as yargs hands them over', async (t) => {
  const options = toServeOptions({
    listen: ['127.0.0.1:1', '127.0.0.1:9115'],
    allow: ['198.18.4.0/24,db1.example', '198.18.9.9'],
    maxConcurrent: '2',
    probeTimeout: '5000',
    timeout: '3000',
    tries: '1',
    echoCount: '0',
    rate: '500',
    maxHops: '8',
    user: 'nobody',
  });
  t.same(options.listen, { host: '127.0.0.1', port: 9115 }, 'the last --listen wins');
  t.same(options.allow.networks.map((network) => network.text), ['198.18.4.0/24', '198.18.9.9/32']);
  t.same(options.allow.names, ['db1.example']);
  t.match(options, { maxConcurrent: 2, probeTimeoutMs: 5000, timeoutMs: 3000, tries: 1, echoCount: 0, rate: 500, maxHops: 8, user: 'nobody' });
});

t.test('bad flags: UsageError naming the value', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{}, 'serve needs at least one --allow CIDR|NAME: the targets it may probe (e.g. --allow 198.18.0.0/15)'],
    [{ allow: [','] }, 'serve needs at least one --allow CIDR|NAME: the targets it may probe (e.g. --allow 198.18.0.0/15)'],
    [{ allow: ['198.18.0.0/15'], maxConcurrent: '0' }, '--max-concurrent must be between 1 and 256, got 0'],
    [{ allow: ['198.18.0.0/15'], maxConcurrent: 'lots' }, '--max-concurrent must be a number, got "lots"'],
    [{ allow: ['198.18.0.0/15'], maxConcurrent: '1.5' }, '--max-concurrent must be a whole number, got 1.5'],
    [{ allow: ['198.18.0.0/15'], probeTimeout: '10' }, '--probe-timeout must be between 100 and 600000, got 10'],
    [{ allow: ['198.18.0.0/15'], timeout: '-1' }, '--timeout must be between 1 and 60000, got -1'],
    [{ allow: ['198.18.0.0/15'], listen: 'nowhere' }, '--listen must be HOST:PORT (e.g. 127.0.0.1:9799), got "nowhere"'],
    [{ allow: ['198.18.0.0/15'], user: '' }, '--user needs a user name'],
  ];
  for (const [raw, message] of cases) t.throws(() => toServeOptions(raw), new UsageError(message), JSON.stringify(raw));
});

t.test('--vantage', async (t) => {
  t.equal(toServeOptions({ allow: ['198.18.0.0/15'] }).vantage, null);
  t.equal(toServeOptions({ allow: ['198.18.0.0/15'], vantage: 'dc-1.rack_2' }).vantage, 'dc-1.rack_2');
  for (const bad of ['', 'a b', 'x'.repeat(65), 'dc"1'])
    t.throws(() => toServeOptions({ allow: ['198.18.0.0/15'], vantage: bad }), new UsageError(`--vantage must be 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(bad)}`), JSON.stringify(bad));
});
