import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  detectFormat,
  loadTargetsFile,
  MAX_TARGETS_FILE_BYTES,
  parseTargetsFile,
} from '../../src/audit/targets-file.js';
import { usageMessage, usageMessageAsync } from '../report/fixtures.js';

const EXAMPLE = '{"targets":[{"host":"198.18.4.2","ports":"22,443","expect":{"22":"closed@middlebox","443":"open@host"}}]}';

const EXAMPLE_TARGETS = [
  {
    host: '198.18.4.2',
    ports: [22, 443],
    expectations: [
      { port: 22, state: 'closed', answeredBy: 'middlebox' },
      { port: 443, state: 'open', answeredBy: 'host' },
    ],
    idleExpectations: [],
  },
];

t.test('the issue example, in JSON and YAML', async (t) => {
  t.same(parseTargetsFile('audit.json', EXAMPLE), { file: 'audit.json', format: 'json', targets: EXAMPLE_TARGETS });
  const yaml = [
    '# pre-go-live checks',
    'targets:',
    '  - host: 198.18.4.2',
    '    ports: 22,443',
    '    expect:',
    '      22: closed@middlebox',
    '      443: open@host',
    '',
  ].join('\n');
  t.same(parseTargetsFile('targets.yaml', yaml), { file: 'targets.yaml', format: 'yaml', targets: EXAMPLE_TARGETS });
  t.same(parseTargetsFile('targets.yml', yaml).targets, EXAMPLE_TARGETS, '.yml');
  t.same(parseTargetsFile('targets', yaml).format, 'yaml', 'no extension: by content');
  t.same(parseTargetsFile('targets', EXAMPLE).format, 'json', 'no extension: by content');
  t.same(parseTargetsFile('audit.json', `\uFEFF${EXAMPLE}`).targets, EXAMPLE_TARGETS, 'a byte order mark is fine');
});

t.test('ports as a string, a number or a list; defaults', async (t) => {
  const hosts = (ports: string) => parseTargetsFile('a.json', `{"targets":[{"host":"198.18.4.2","ports":${ports}}]}`).targets[0]!.ports;
  t.same(hosts('"443,22,8000-8002"'), [22, 443, 8000, 8001, 8002]);
  t.same(hosts('22'), [22]);
  t.same(hosts('[443, 22, "8000-8001"]'), [22, 443, 8000, 8001]);
  const noPorts = parseTargetsFile('a.json', '{"targets":[{"host":"198.18.4.2"},{"host":"db1.example","expect":{"5432":"open@host"}}]}');
  t.same(noPorts.targets[0]!.ports, [22, 80, 443], 'no ports, no expect: the default ports');
  t.same(noPorts.targets[1]!.ports, [5432], 'no ports: the expected ones');
  const custom = parseTargetsFile('a.json', '{"targets":[{"host":"198.18.4.2"}]}', { defaultPorts: [25] });
  t.same(custom.targets[0]!.ports, [25], 'defaultPorts from the caller (e.g. -p)');
  t.same(parseTargetsFile('a.json', '{"$schema":"x","targets":[{"host":"198.18.4.2","ports":[22],"expect":{}}]}').targets[0]!.expectations, []);
});

t.test('detectFormat', async (t) => {
  t.equal(detectFormat('A.JSON', 'targets: []'), 'json', 'the extension wins');
  t.equal(detectFormat('a.yaml', '{}'), 'yaml');
  t.equal(detectFormat('a.txt', '  \n [1]'), 'json');
  t.equal(detectFormat('a.txt', 'targets:'), 'yaml');
});

t.test('syntax errors give file, line and column', async (t) => {
  const cases: [string, string, string][] = [
    ['targets.yaml', 'targets:\n  - host: 198.18.4.2\n   ports: 22\n', 'targets.yaml: line 3, column 1: Sequence item without - indicator'],
    ['targets.yaml', 'targets:\n  - host: 198.18.4.2\n    host: 198.18.4.3\n', 'targets.yaml: line 3, column 5: Map keys must be unique'],
    ['targets.yaml', 'targets:\n- host: a\n---\ntargets: []\n', 'targets.yaml: line 3, column 1: more than one YAML document (---): put all targets in one'],
    ['targets.yaml', 'targets:\n\t- host: a\n', 'targets.yaml: line 2, column 1: Tabs are not allowed as indentation'],
    ['targets.yaml', 'targets: *nothing\n', 'targets.yaml: Unresolved alias (the anchor must be set before the alias): nothing'],
    ['audit.json', '{"targets": [\n  {"host": "198.18.4.2",}\n]}', 'audit.json: line 2, column 25: unexpected \'}\': expected a key in double quotes (a trailing comma?)'],
    ['audit.json', '{"targets": [\n  {"host": "198.18.4.2"},\n]}', "audit.json: line 3, column 1: unexpected ']': expected a value (a trailing comma?)"],
    ['audit.json', '{"targets": [{"host": \'x\'}]}', "audit.json: line 1, column 23: unexpected ''': expected a value (JSON strings take double quotes)"],
    ['audit.json', '{targets: []}', "audit.json: line 1, column 2: unexpected 't': expected a key in double quotes"],
    ['audit.json', '{"targets": []', "audit.json: line 1, column 15: unexpected end of file: a } or more is missing"],
    ['audit.json', '{"targets": [] "x"', "audit.json: line 1, column 16: unexpected '\"': expected ',' or '}'"],
    ['audit.json', '{"targets": []} x', "audit.json: line 1, column 17: unexpected 'x' after the end of the JSON value"],
    ['audit.json', '{"targets": [], "targets": []}', 'audit.json: line 1, column 17: duplicate key "targets"'],
    ['audit.json', '{"targets": "a\nb"}', 'audit.json: line 1, column 15: control character U+000A inside a string (write \\n, \\t or \\u00XX)'],
    ['audit.json', '{"targets": "a\\qb"}', 'audit.json: line 1, column 15: invalid escape \\q inside a string'],
    ['audit.json', '{"targets": "a\\u12"}', 'audit.json: line 1, column 15: invalid \\u escape: expected 4 hex digits'],
    ['audit.json', '{"targets": "abc', 'audit.json: line 1, column 13: unterminated string: no closing "'],
    ['audit.json', '{"targets": 01}', "audit.json: line 1, column 14: unexpected '1': expected ',' or '}'"],
    ['audit.json', '{"targets": -}', 'audit.json: line 1, column 13: invalid number'],
    ['audit.json', '{"targets": nul}', "audit.json: line 1, column 13: unexpected 'n': expected a value"],
    ['audit.json', '{"a": 1} \u0001', 'audit.json: line 1, column 10: unexpected U+0001 after the end of the JSON value'],
  ];
  for (const [file, text, message] of cases) t.equal(usageMessage(() => parseTargetsFile(file, text)), message, JSON.stringify(text));
});

t.test('content errors name the place', async (t) => {
  const file = (targets: string) => `{"targets":${targets}}`;
  const cases: [string, string][] = [
    [file('[{"host":"198.18.4.2","ports":"22"},{"host":"198.18.4.3","ports":"22,70000"}]'), 'audit.json: targets[1].ports: port 70000 out of range in "70000": ports are 1-65535'],
    [file('[{"host":"198.18.4.2","ports":[22,70000]}]'), 'audit.json: targets[0].ports: port 70000 out of range in "70000": ports are 1-65535'],
    [file('[{"host":"198.18.4.2","ports":[22,true]}]'), 'audit.json: targets[0].ports[1]: expected a port number or a range like "8000-8010", got true'],
    [file('[{"host":"198.18.4.2","ports":[]}]'), 'audit.json: targets[0].ports: empty port list: give ports like "22,443" or [22, 443]'],
    [file('[{"host":"198.18.4.2","ports":""}]'), 'audit.json: targets[0].ports: empty port list: give ports like 22,443 or 8000-8010'],
    [file('[{"host":"198.18.4.2","ports":22.5}]'), 'audit.json: targets[0].ports: invalid port "22.5": expected a number 1-65535 or a range like 8000-8010'],
    [file('[{"host":"198.18.4.2","ports":{"a":1}}]'), 'audit.json: targets[0].ports: expected ports as "22,443" or [22, 443], got a mapping'],
    [file('[{"host":"198.18.4.2","prots":"22"}]'), 'audit.json: targets[0]: unknown field "prots" (known: host, ports, expect, expectIdle)'],
    [file('[{"ports":"22"}]'), 'audit.json: targets[0]: no "host"'],
    [file('[{"host":4}]'), 'audit.json: targets[0].host: expected an address, a block or a host name as a string, got 4'],
    [file('[{"host":"a b"}]'), 'audit.json: targets[0].host: invalid target "a b": expected an IPv4 or IPv6 address, a block, a range or a host name'],
    [file('[{"host":""}]'), 'audit.json: targets[0].host: empty host'],
    [file('[{"host":"224.0.0.1"}]'), 'audit.json: targets[0].host: 224.0.0.1 is a multicast address (224.0.0.0/4) and cannot be probed'],
    [file('[{"host":"198.18.4.999"}]'), 'audit.json: targets[0].host: "198.18.4.999" is not an IPv4 address'],
    [file('[{"host":"ff02::1"}]'), 'audit.json: targets[0].host: ff02::1 is a multicast address (ff00::/8) and cannot be probed'],
    [file('[{"host":"2001:2::/64"}]'), 'audit.json: targets[0].host: IPv6 block "2001:2::/64" holds 2^64 addresses, more than the limit of 65536 (/112): give a smaller block or a list'],
    [file('[{"host":"198.18.4.0/33"}]'), 'audit.json: targets[0].host: invalid block "198.18.4.0/33": an IPv4 prefix length is 0-32'],
    [file('[{"host":"198.18.4.9-1"}]'), 'audit.json: targets[0].host: invalid range "198.18.4.9-1": octet 4 ("9-1"): 9-1 runs backwards'],
    [file('[{"host":"198.18.4.2","expect":"22=open"}]'), 'audit.json: targets[0].expect: expected a mapping of port to STATE[@BY], e.g. {"22": "closed@middlebox"}, got "22=open"'],
    [file('[{"host":"198.18.4.2","expect":{"ssh":"open"}}]'), 'audit.json: targets[0].expect: key "ssh" is not a port number 1-65535'],
    [file('[{"host":"198.18.4.2","expect":{"0":"open"}}]'), 'audit.json: targets[0].expect: key "0" is not a port number 1-65535'],
    [file('[{"host":"198.18.4.2","expect":{"22":1}}]'), 'audit.json: targets[0].expect.22: expected STATE[@BY] as a string, e.g. "closed@middlebox", got 1'],
    [file('[{"host":"198.18.4.2","expect":{"22":"shut"}}]'), 'audit.json: targets[0].expect.22: invalid expectation "22=shut": state "shut" is not one of open, closed, unreachable, filtered'],
    [file('[{"host":"198.18.4.2","expect":{"22":"closed@firewall"}}]'), 'audit.json: targets[0].expect.22: invalid expectation "22=closed@firewall": "firewall" after @ is not one of host, middlebox, beyond, unknown, none'],
    [file('[{"host":"198.18.4.2","ports":"22,443","expect":{"8080":"filtered"}}]'), 'audit.json: targets[0].expect.8080: port 8080 is not among the ports probed (22,443): add it to ports'],
    [file('[]'), 'audit.json: targets: the list is empty'],
    [file('{"host":"198.18.4.2"}'), 'audit.json: targets: expected a list of targets, got a mapping'],
    [file('["198.18.4.2"]'), 'audit.json: targets[0]: expected a mapping like {"host": "198.18.4.2", "ports": "22,443"}, got "198.18.4.2"'],
    ['{"target":[]}', 'audit.json: unknown field "target" (known: targets, $schema)'],
    ['{}', 'audit.json: no "targets" list at the top: expected {"targets": [{"host": ..., "ports": ...}]}'],
    ['[]', 'audit.json: expected a mapping with a "targets" list at the top, e.g. {"targets": [{"host": ..., "ports": ...}]}, got a list'],
    ['"targets"', 'audit.json: expected a mapping with a "targets" list at the top, e.g. {"targets": [{"host": ..., "ports": ...}]}, got "targets"'],
    ['  \n', 'audit.json: the file is empty: expected {"targets": [{"host": ..., "ports": ...}]}'],
  ];
  for (const [text, message] of cases) t.equal(usageMessage(() => parseTargetsFile('audit.json', text)), message, text);
  t.equal(
    usageMessage(() => parseTargetsFile('t.yaml', 'targets:\n  - host: 198.18.4.2\n    ports: [22, 70000]\n')),
    't.yaml: targets[0].ports: port 70000 out of range in "70000": ports are 1-65535',
  );
  t.equal(usageMessage(() => parseTargetsFile('t.yaml', 'targets:\n  - host: 10\n')), 't.yaml: targets[0].host: expected an address, a block or a host name as a string, got 10');
  t.equal(usageMessage(() => parseTargetsFile('t.yaml', '- host: a\n')), 't.yaml: expected a mapping with a "targets" list at the top, e.g. {"targets": [{"host": ..., "ports": ...}]}, got a list');
});

t.test('absurd files are refused cleanly', async (t) => {
  const big = `{"targets":[{"host":"198.18.4.2","ports":"22"}],"$schema":"${'x'.repeat(MAX_TARGETS_FILE_BYTES)}"}`;
  t.equal(usageMessage(() => parseTargetsFile('big.json', big)), `big.json: ${Buffer.byteLength(big)} bytes is larger than the limit of 1048576 (1 MiB) for a targets file`);
  const nested = (depth: number) => `{"targets":[{"host":"198.18.4.2","ports":"22"}],"$schema":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  t.ok(parseTargetsFile('ok.json', nested(32)), '32 levels are fine');
  t.equal(usageMessage(() => parseTargetsFile('deep.json', nested(33))), 'deep.json: line 1, column 90: nesting deeper than 32 levels');
  t.equal(usageMessage(() => parseTargetsFile('deep.json', '['.repeat(1_000_000))), 'deep.json: line 1, column 33: nesting deeper than 32 levels');
  const yamlNested = (depth: number) => `targets:\n- host: 198.18.4.2\n$schema: ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}\n`;
  t.ok(parseTargetsFile('ok.yaml', yamlNested(32)), '32 levels are fine in YAML');
  t.equal(usageMessage(() => parseTargetsFile('deep.yaml', yamlNested(33))), 'deep.yaml: line 3, column 41: nesting deeper than 32 levels');
  // These crash the yaml package's composer (stack, then memory) when not refused first.
  t.equal(usageMessage(() => parseTargetsFile('deep.yaml', `${'- '.repeat(100_000)}x\n`)), 'deep.yaml: line 1, column 65: nesting deeper than 32 levels');
  t.equal(usageMessage(() => parseTargetsFile('deep.yaml', '['.repeat(100_000))), 'deep.yaml: line 1, column 33: nesting deeper than 32 levels');
  const indented = Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
  t.equal(usageMessage(() => parseTargetsFile('deep.yaml', indented)), 'deep.yaml: line 33, column 33: nesting deeper than 32 levels');
  // Aliases: depth grows through them; many of them expand exponentially.
  const aliasDeep = `a: &a ${'['.repeat(20)}${']'.repeat(20)}\nb: ${'['.repeat(20)}*a${']'.repeat(20)}\n`;
  t.equal(usageMessage(() => parseTargetsFile('alias.yaml', aliasDeep)), 'alias.yaml: nesting deeper than 32 levels');
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
  t.equal(
    usageMessage(() => parseTargetsFile('laughs.yaml', laughs.join('\n'))),
    'laughs.yaml: Excessive alias count indicates a resource exhaustion attack',
  );
  const many = `{"targets":[${Array.from({ length: 10001 }, (_, i) => `{"host":"198.18.${i >> 8}.${i & 255}","ports":"22"}`).join(',')}]}`;
  t.equal(usageMessage(() => parseTargetsFile('many.json', many)), 'many.json: targets: 10001 targets, more than the limit of 10000');
  const tenThousand = `{"targets":[${Array.from({ length: 10000 }, (_, i) => `{"host":"198.18.${i >> 8}.${i & 255}","ports":"22"}`).join(',')}]}`;
  t.equal(parseTargetsFile('ok.json', tenThousand).targets.length, 10000, '10000 targets are fine');
  const allPorts = `{"targets":[${Array.from({ length: 16 }, (_, i) => `{"host":"198.18.0.${i + 1}","ports":"1-65535"}`).join(',')}]}`;
  t.equal(usageMessage(() => parseTargetsFile('wide.json', allPorts)), 'wide.json: targets[15].ports: more than 1000000 ports over all targets: split the file');
});

t.test('loading from disk', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ttl-probe-targets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'audit.json');
  await writeFile(good, EXAMPLE);
  t.same((await loadTargetsFile(good)).targets, EXAMPLE_TARGETS);
  const yaml = join(dir, 'targets.yaml');
  await writeFile(yaml, 'targets:\n  - host: 198.18.4.2\n    ports: 22,443\n    expect: {22: closed@middlebox, 443: open@host}\n');
  t.same((await loadTargetsFile(yaml)).targets, EXAMPLE_TARGETS);
  const missing = join(dir, 'nope.json');
  t.equal(await usageMessageAsync(() => loadTargetsFile(missing)), `${missing}: cannot read the targets file (ENOENT)`);
  const folder = join(dir, 'folder.json');
  await mkdir(folder);
  t.equal(await usageMessageAsync(() => loadTargetsFile(folder)), `${folder}: not a regular file`);
  const big = join(dir, 'big.json');
  await writeFile(big, Buffer.alloc(MAX_TARGETS_FILE_BYTES + 1, 0x20));
  t.equal(await usageMessageAsync(() => loadTargetsFile(big)), `${big}: 1048577 bytes is larger than the limit of 1048576 (1 MiB) for a targets file`);
  const latin1 = join(dir, 'latin1.yaml');
  await writeFile(latin1, Buffer.from([0x74, 0x3a, 0x20, 0xe9, 0x0a]));
  t.equal(await usageMessageAsync(() => loadTargetsFile(latin1)), `${latin1}: not UTF-8 text`);
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'targets:\n  - host: 198.18.4.2\n    ports: 70000\n');
  t.equal(await usageMessageAsync(() => loadTargetsFile(bad)), `${bad}: targets[0].ports: port 70000 out of range in "70000": ports are 1-65535`);
});

t.test('hosts may be IPv6 addresses, blocks and ranges, and a host may be named twice', async (t) => {
  const parsed = parseTargetsFile(
    'audit.yaml',
    'targets:\n  - host: 2001:2:0:4::2\n    ports: "22"\n  - host: 198.18.4.0/30\n    ports: "443"\n  - host: 198.18.4.1-3\n  - host: db1.example\n    ports: "22"\n  - host: DB1.example\n    ports: "443"\n',
  );
  t.same(
    parsed.targets.map((target) => [target.host, target.ports]),
    [
      ['2001:2:0:4::2', [22]],
      ['198.18.4.0/30', [443]],
      ['198.18.4.1-3', [22, 80, 443]],
      ['db1.example', [22]],
      ['DB1.example', [443]],
    ],
  );
});

t.test('expectIdle: the idle time a port must survive (ttl-probe idle --targets), its ports probed', async (t) => {
  const yaml = ['targets:', '  - host: 198.18.4.2', '    ports: 22,443,9000', '    expectIdle:', '      9000: 300s', '      443: ">=5m"', '      22: 90', ''].join('\n');
  t.same(parseTargetsFile('audit.yaml', yaml).targets[0]!.idleExpectations, [
    { port: 22, minimumS: 90 },
    { port: 443, minimumS: 300 },
    { port: 9000, minimumS: 300 },
  ], 'a DURATION, >=DURATION as on the command line, or seconds; sorted by port');
  const only = parseTargetsFile('a.json', '{"targets":[{"host":"198.18.4.2","expect":{"22":"closed"},"expectIdle":{"443":"1h"}}]}').targets[0]!;
  t.same(only.ports, [22, 443], 'no ports: those of expect and expectIdle');
  t.same(only.idleExpectations, [{ port: 443, minimumS: 3600 }]);
  const cases: [string, string][] = [
    ['{"targets":[{"host":"198.18.4.2","ports":"22","expectIdle":{"443":"5m"}}]}', 'a.json: targets[0].expectIdle.443: port 443 is not among the ports probed (22): add it to ports'],
    ['{"targets":[{"host":"198.18.4.2","expectIdle":{"443":"soon"}}]}', 'a.json: targets[0].expectIdle.443: the idle time must be a duration such as 90, 90s, 5m or 1h (got "soon")'],
    ['{"targets":[{"host":"198.18.4.2","expectIdle":{"443":"2d"}}]}', 'a.json: targets[0].expectIdle.443: the idle time must be a duration such as 90, 90s, 5m or 1h (got "2d")'],
    ['{"targets":[{"host":"198.18.4.2","expectIdle":{"443":0}}]}', 'a.json: targets[0].expectIdle.443: the idle time must be more than 0 s (got "0")'],
    ['{"targets":[{"host":"198.18.4.2","expectIdle":{"443":"25h"}}]}', 'a.json: targets[0].expectIdle.443: the idle time must be at most 24h (got "25h")'],
    ['{"targets":[{"host":"198.18.4.2","expectIdle":{"443":true}}]}', 'a.json: targets[0].expectIdle.443: expected an idle time such as "5m" or 300, got true'],
    ['{"targets":[{"host":"198.18.4.2","expectIdle":{"https":"5m"}}]}', 'a.json: targets[0].expectIdle: key "https" is not a port number 1-65535'],
    ['{"targets":[{"host":"198.18.4.2","expectIdle":"443>=5m"}]}', 'a.json: targets[0].expectIdle: expected a mapping of port to the idle time it must survive, e.g. {"443": "5m"}, got "443>=5m"'],
    ['{"targets":[{"host":"198.18.4.2","expect-idle":{"443":"5m"}}]}', 'a.json: targets[0]: unknown field "expect-idle" (known: host, ports, expect, expectIdle)'],
  ];
  for (const [text, message] of cases) t.equal(usageMessage(() => parseTargetsFile('a.json', text)), message, message);
});
