import t from 'tap';
import { countPorts, MAX_PORTS_PER_PROBE, MAX_QUERY_BYTES, parseProbeQuery, targetSyntaxReason } from '../../src/serve/query.js';

t.test('good queries', async (t) => {
  const cases: [string, { target: string; ports: number[]; trace: boolean }][] = [
    ['target=198.18.4.2&ports=22,80,443', { target: '198.18.4.2', ports: [22, 80, 443], trace: false }],
    ['ports=443,22&target=db1.example', { target: 'db1.example', ports: [22, 443], trace: false }],
    ['target=198.18.4.2&ports=22%2C443&trace=1', { target: '198.18.4.2', ports: [22, 443], trace: true }],
    ['target=198.18.4.2&ports=8000-8002&trace=true', { target: '198.18.4.2', ports: [8000, 8001, 8002], trace: true }],
    ['target=198.18.4.2&ports=22&trace=0', { target: '198.18.4.2', ports: [22], trace: false }],
    ['target=198.18.4.2&ports=22&trace=FALSE', { target: '198.18.4.2', ports: [22], trace: false }],
    ['target=+198.18.4.2+&ports=22&', { target: '198.18.4.2', ports: [22], trace: false }],
    ['&&target=198.18.4.2&&ports=1-1024', { target: '198.18.4.2', ports: Array.from({ length: 1024 }, (_, i) => i + 1), trace: false }],
  ];
  for (const [query, expected] of cases) t.same(parseProbeQuery(query), { ok: true, query: expected }, query);
});

t.test('bad queries: a one-line reason each', async (t) => {
  const cases: [string, string][] = [
    ['', 'missing target: /probe?target=HOST&ports=22,443'],
    ['ports=22', 'missing target: /probe?target=HOST&ports=22,443'],
    ['target=&ports=22', 'missing target: /probe?target=HOST&ports=22,443'],
    ['target=198.18.4.2', 'missing ports: /probe?target=HOST&ports=22,443'],
    ['target=198.18.4.2&ports=', 'missing ports: /probe?target=HOST&ports=22,443'],
    ['target=198.18.4.2&ports=99999', 'port 99999 out of range in "99999": ports are 1-65535'],
    ['target=198.18.4.2&ports=0', 'port 0 out of range in "0": ports are 1-65535'],
    ['target=198.18.4.2&ports=ssh', 'invalid port "ssh": expected a number 1-65535 or a range like 8000-8010'],
    ['target=198.18.4.2&ports=443-22', 'port range "443-22" is reversed: write 22-443'],
    ['target=198.18.4.2&ports=1-1025', `too many ports (1025; at most ${MAX_PORTS_PER_PROBE} per probe)`],
    ['target=198.18.4.2&ports=22&trace=yes', 'trace must be 1 or 0 (or true or false), got "yes"'],
    ['target=198.18.4.2&ports=22&trace=', 'trace must be 1 or 0 (or true or false), got ""'],
    ['target=198.18.4.2&ports=22&module=tcp', 'unknown query parameter "module" (expected target, ports and optionally trace)'],
    ['target=198.18.4.2&ports=22&target=198.18.4.3', 'query parameter "target" given more than once'],
    ['target=198.18.4.2&ports=22&ports=443', 'query parameter "ports" given more than once'],
    ['target=%E0%A4%A&ports=22', 'malformed percent-escape in query parameter "target"'],
    ['target=198.18.4.2&ports=22&%zz=1', 'malformed percent-escape in query parameter "%zz"'],
    ['target=255.255.255.255&ports=22', '255.255.255.255 is the broadcast address and cannot be probed'],
    ['target=239.1.2.3&ports=22', '239.1.2.3 is a multicast address (224.0.0.0/4) and cannot be probed'],
    ['target=198.18.4.256&ports=22', '"198.18.4.256" is not an IPv4 address'],
    ['target=ff02::1&ports=22', 'ff02::1 is a multicast address (ff00::/8) and cannot be probed'],
    ['target=db1.example%2Fx&ports=22', 'invalid target "db1.example/x": expected an IPv4 or IPv6 address or a host name'],
    ['target=a%0Ab&ports=22', 'invalid target "a\\x0ab": expected an IPv4 or IPv6 address or a host name'],
  ];
  for (const [query, reason] of cases) {
    const result = parseProbeQuery(query);
    t.same(result, { ok: false, reason }, query || '(empty)');
    if (!result.ok) t.notMatch(result.reason, /\n/, 'one line');
  }
});

t.test('oversized query strings are refused before they are parsed', async (t) => {
  const padding = 'x'.repeat(MAX_QUERY_BYTES);
  t.same(parseProbeQuery(`target=198.18.4.2&ports=22&${padding}`), { ok: false, reason: `query string too long (${MAX_QUERY_BYTES + 27} bytes; at most ${MAX_QUERY_BYTES})` });
  const exact = `target=198.18.4.2&ports=22${'&'.repeat(MAX_QUERY_BYTES - 26)}`;
  t.equal(exact.length, MAX_QUERY_BYTES);
  t.equal(parseProbeQuery(exact).ok, true, 'exactly the limit is accepted');
  const unknown = parseProbeQuery(`${'y'.repeat(500)}=1&target=198.18.4.2&ports=22`);
  t.ok(!unknown.ok && unknown.reason.length < 140, 'an echoed parameter name is shortened');
});

t.test('port counts are bounded before the list is expanded', async (t) => {
  t.equal(countPorts('22,80,443'), 3);
  t.equal(countPorts('1-1000,500-1500'), 1500, 'overlaps counted once');
  t.equal(countPorts('22,22,22'), 1);
  t.equal(countPorts('0000001-0065535'), 65535, 'leading zeros do not hide a range');
  t.equal(countPorts('ssh,443-22,0,70000'), 0, 'invalid elements are left to the parser');
  const hostile = Array.from({ length: 128 }, () => '1-65535').join(',');
  // Refused without expanding 8 million ports: the query module, loaded with a port parser that
  // records its calls, never hands it the hostile list (a check of what is done, not of how fast).
  const expanded: string[] = [];
  const ports = await import('../../src/target/ports.js');
  const watched = await t.mockImport<typeof import('../../src/serve/query.js')>('../../src/serve/query.js', {
    '../../src/target/ports.js': { ...ports, parsePortList: (text: string) => (expanded.push(text), ports.parsePortList(text)) },
  });
  const result = watched.parseProbeQuery(`target=198.18.4.2&ports=${hostile}`);
  t.same(result, { ok: false, reason: `too many ports (65535; at most ${MAX_PORTS_PER_PROBE} per probe)` });
  t.same(expanded, [], 'refused without expanding 8 million ports');
  t.same(watched.parseProbeQuery('target=198.18.4.2&ports=22,443'), { ok: true, query: { target: '198.18.4.2', ports: [22, 443], trace: false } });
  t.same(expanded, ['22,443'], 'a list within the cap is expanded (so the watch above can see an expansion)');
  t.same(parseProbeQuery('target=198.18.4.2&ports=1-1000,500-1024').ok, true, 'overlapping ranges within the cap are fine');
});

t.test('target syntax', async (t) => {
  t.equal(targetSyntaxReason('198.18.4.2'), null);
  t.equal(targetSyntaxReason('db1.example.'), null);
  t.equal(targetSyntaxReason('[::1]'), null, 'IPv6, also bracketed');
  t.equal(targetSyntaxReason('2001:2:0:4::2'), null);
  t.equal(targetSyntaxReason('::'), ':: is the unspecified address (::) and cannot be probed');
  t.equal(targetSyntaxReason('a'.repeat(254)), `invalid target "${'a'.repeat(61)}...": expected an IPv4 or IPv6 address or a host name`);
  t.equal(targetSyntaxReason('0.0.0.0'), '0.0.0.0 is an unspecified address (0.0.0.0/8) and cannot be probed');
});
