import t from 'tap';
import { evaluateReport } from '../../src/expect/evaluate.js';
import { parseExpectations } from '../../src/expect/expectation.js';
import { formatNdjson, ndjsonRecords } from '../../src/report/ndjson.js';
import { articleReport, HOSTILE_NAME, hostileReport, multiReport, reportOf, tracedReport } from './fixtures.js';
import { validateNdjson, validateNdjsonLine } from './validate.js';

t.test('one line per port, carrying target, port, state, answeredBy and hop', async (t) => {
  const text = formatNdjson(articleReport());
  const lines = text.split('\n');
  t.equal(lines.pop(), '', 'every line ends in a newline');
  t.equal(lines.length, 5);
  t.equal(
    lines[0],
    '{"schema":"ttl-probe/1","target":"db1.example","address":"198.18.4.2","port":22,"state":"closed","answeredBy":"middlebox","hop":2,"hostHop":4,' +
      '"reply":{"kind":"rst","from":"198.18.4.2","ttl":63,"initialTtl":64,"distance":1,"rttMs":0.1},"tries":1,' +
      '"explanation":"RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered"}',
  );
  t.equal(
    lines[4],
    '{"schema":"ttl-probe/1","target":"db1.example","address":"198.18.4.2","port":8080,"state":"filtered","answeredBy":"none","hop":null,"hostHop":4,' +
      '"reply":null,"tries":2,"explanation":"no reply to 2 SYNs: dropped silently on the path or by the host"}',
  );
  t.same(lines.map((line) => (JSON.parse(line) as { port: number }).port), [22, 80, 443, 3306, 8080]);
  t.same(validateNdjson(text), [], 'every line matches the line schema');
});

t.test('expectation results ride along on their port', async (t) => {
  const report = multiReport();
  const results = evaluateReport(report, parseExpectations('22=closed@middlebox,443=open@host'));
  const records = ndjsonRecords(report, results);
  t.same(
    records.map((record) => [record.target, record.port, record.state, record.expectation?.met ?? '-']),
    [
      ['db1.example', 22, 'closed', true],
      ['db1.example', 80, 'closed', '-'],
      ['db1.example', 443, 'open', true],
      ['db1.example', 3306, 'unreachable', '-'],
      ['db1.example', 8080, 'filtered', '-'],
      ['198.18.6.2', 22, 'filtered', false],
      ['198.18.6.2', 443, 'open', true],
      ['198.18.8.2', 22, null, false],
      ['198.18.8.2', 25, 'unreachable', '-'],
      ['198.18.8.2', 443, null, false],
    ],
  );
  t.same(records[5]!.expectation, {
    expected: { state: 'closed', answeredBy: 'middlebox' },
    met: false,
    message: '22: expected closed@middlebox, saw filtered (no reply)',
  });
  t.same(records[7], {
    schema: 'ttl-probe/1',
    target: '198.18.8.2',
    address: '198.18.8.2',
    port: 22,
    state: null,
    answeredBy: null,
    hop: null,
    hostHop: null,
    reply: null,
    tries: null,
    explanation: 'interrupted before a verdict',
    expectation: { expected: { state: 'closed', answeredBy: 'middlebox' }, met: false, message: '22: expected closed@middlebox, but the run was interrupted before a verdict' },
  });
  t.equal(records[9]!.explanation, 'not probed');
  t.notOk('expectation' in records[1]!, 'no expectation key without an expectation');
  t.same(validateNdjson(formatNdjson(report, results)), []);
});

t.test('unfinished ports without expectations still get a line', async (t) => {
  const records = ndjsonRecords(multiReport());
  const last = records.filter((record) => record.target === '198.18.8.2');
  t.same(last.map((record) => [record.port, record.state, record.explanation]), [
    [22, null, 'interrupted before a verdict'],
    [25, 'unreachable', last[1]!.explanation],
  ]);
});

t.test('any target name stays one line and round-trips', async (t) => {
  const text = formatNdjson(hostileReport());
  t.equal(text.split('\n').length, 6, '5 lines and the final newline');
  for (const line of text.trimEnd().split('\n')) t.equal((JSON.parse(line) as { target: string }).target, HOSTILE_NAME);
  t.same(validateNdjson(text), []);
});

t.test('--trace findings ride along when present', async (t) => {
  const records = ndjsonRecords(tracedReport());
  t.same(records[0]!.responder, { hop: 2, address: null, confirmed: true });
  t.equal(records[0]!.droppedAfter, null);
  t.same(records[4]!.droppedAfter, { hop: 3, address: '198.18.3.1', confirmed: true });
  t.notOk('responder' in ndjsonRecords(articleReport())[0]!, 'absent without --trace');
  t.same(validateNdjson(formatNdjson(tracedReport())), []);
});

t.test('edge cases', async (t) => {
  t.equal(formatNdjson(reportOf([])), '', 'no targets: no lines');
  t.same(validateNdjson(''), []);
  t.same(validateNdjson('{}'), ['the last line has no newline']);
  t.match(validateNdjson('nope\n')[0], /^line 1: not JSON/);
  t.ok(validateNdjsonLine({ ...ndjsonRecords(articleReport())[0], state: 'shut' }).length > 0, 'the line schema rejects a bad state');
  t.ok(validateNdjsonLine({ ...ndjsonRecords(articleReport())[0], hostHop: undefined }).length > 0, 'the line schema requires hostHop');
  t.same(
    validateNdjsonLine({ ...ndjsonRecords(articleReport())[4], state: null }),
    ['/answeredBy must be null', '/tries must be null', '/ must match "then" schema'],
    'a line without a verdict has nulls',
  );
});
