import t from 'tap';
import { MAX_PROBES_WITHOUT_YES, OUTPUT_FORMATS, PROBE_FLAGS, splitTargets, toProbeOptions } from '../../src/cli/probe-options.js';
import { usageMessage } from '../report/fixtures.js';

t.test('defaults', async (t) => {
  const options = toProbeOptions({ hosts: ['198.18.4.2'] });
  t.same(options, {
    targets: ['198.18.4.2'],
    targetsFile: null,
    ports: [22, 80, 443],
    portsGiven: false,
    expectations: [],
    echoCount: 3,
    tries: 2,
    timeoutMs: 1000,
    rate: 100000,
    sourcePort: null,
    trace: false,
    maxHops: 30,
    format: 'table',
    baseline: null,
    failOnChange: false,
    user: null,
    yes: false,
    family: null,
    allAddresses: false,
    inputList: null,
    exclude: [],
    excludeFile: null,
    summary: false,
  });
});

t.test('-iL, --exclude (commas between targets, not inside octet lists), --exclude-file, --summary', async (t) => {
  t.match(toProbeOptions({ inputList: 'fleet.txt' }), { targets: [], inputList: 'fleet.txt' }, '-iL alone is a target source');
  t.match(toProbeOptions({ hosts: ['198.18.4.0/24'], exclude: ['198.18.4.1,198.18.4.128/25', 'db1.example'], excludeFile: 'x.txt', summary: true }), {
    exclude: ['198.18.4.1', '198.18.4.128/25', 'db1.example'],
    excludeFile: 'x.txt',
    summary: true,
  });
  t.same(splitTargets('198.18.4.1,3,5-7,198.18.5.0/24'), ['198.18.4.1,3,5-7', '198.18.5.0/24']);
  t.same(splitTargets('198.18.1,2.5,db1.example,2001:2::1'), ['198.18.1,2.5', 'db1.example', '2001:2::1']);
  t.same(splitTargets(' a.example , ,b.example'), ['a.example', 'b.example']);
});

t.test('-4, -6 and --all-addresses', async (t) => {
  t.match(toProbeOptions({ hosts: ['db.lab'], ipv4: true }), { family: 4, allAddresses: false });
  t.match(toProbeOptions({ hosts: ['db.lab'], ipv6: true, allAddresses: true }), { family: 6, allAddresses: true });
  t.throws(() => toProbeOptions({ hosts: ['db.lab'], ipv4: true, ipv6: true }), { message: '-4 and -6 contradict each other' });
});

t.test('flags as yargs hands them over (camelCase, strings, repeated)', async (t) => {
  const options = toProbeOptions({
    hosts: ['a.example', 'b.example'],
    targets: 'audit.yaml',
    ports: ['22', '8000-8002'],
    expect: ['22=closed@middlebox', '443=open'],
    echoCount: '0',
    tries: '1',
    timeout: '250',
    rate: ['10', '500'],
    sourcePort: '53',
    trace: true,
    maxHops: '8',
    format: 'markdown',
    baseline: 'old.json',
    failOnChange: true,
    user: 'nobody',
    yes: true,
  });
  t.match(options, {
    targets: ['a.example', 'b.example'],
    targetsFile: 'audit.yaml',
    ports: [22, 8000, 8001, 8002],
    portsGiven: true,
    echoCount: 0,
    tries: 1,
    timeoutMs: 250,
    rate: 500,
    sourcePort: 53,
    trace: true,
    maxHops: 8,
    format: 'markdown',
    baseline: 'old.json',
    failOnChange: true,
    user: 'nobody',
    yes: true,
  });
  t.same(options.expectations.map((e) => e.port), [22, 443]);
  t.equal(toProbeOptions({ hosts: 'x', json: true }).format, 'json');
  t.equal(toProbeOptions({ targets: 'audit.yaml' }).targets.length, 0, '--targets alone is enough');
});

t.test('bad input: exact messages', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{}, 'no target given: ttl-probe HOST [-p PORTS], -iL FILE, or --targets FILE'],
    [{ hosts: ['x'], format: 'yaml' }, '--format must be one of table, json, ndjson, junit, prometheus, markdown, got "yaml"'],
    [{ hosts: ['x'], format: 'table', json: true }, '--json contradicts --format table'],
    [{ hosts: ['x'], failOnChange: true }, '--fail-on-change needs --baseline FILE'],
    [{ hosts: ['x'], baseline: '' }, '--baseline needs a file name'],
    [{ hosts: ['x'], targets: ' ' }, '--targets needs a file name'],
    [{ hosts: ['x'], user: '' }, '--user needs a user name'],
    [{ hosts: ['x'], sourcePort: '0' }, '--source-port must be between 1 and 65535, got 0'],
    [{ hosts: ['x'], maxHops: '256' }, '--max-hops must be between 1 and 255, got 256'],
    [{ hosts: ['x'], echoCount: '101' }, '--echo-count must be between 0 and 100, got 101'],
    [{ hosts: ['x'], rate: '0' }, '--rate must be between 1 and 1000000, got 0'],
    [{ hosts: ['x'], timeout: '60001' }, '--timeout must be between 1 and 60000, got 60001'],
    [{ hosts: ['x'], ports: '0' }, 'port 0 out of range in "0": ports are 1-65535'],
    [{ hosts: ['x'], expect: '' }, 'empty --expect value: expected PORT=STATE[@BY], e.g. 22=closed@middlebox'],
  ];
  for (const [raw, message] of cases) t.equal(usageMessage(() => toProbeOptions(raw)), message, JSON.stringify(raw));
});

t.test('the table documents what it checks', async (t) => {
  t.equal(PROBE_FLAGS.format.choices, OUTPUT_FORMATS);
  t.match(PROBE_FLAGS.yes.describe, String(MAX_PROBES_WITHOUT_YES));
  for (const [key, flag] of Object.entries(PROBE_FLAGS)) t.ok(flag.describe.length > 0 && flag.group.length > 0, `${key}: help text and group`);
});
