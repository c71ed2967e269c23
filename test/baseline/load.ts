import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadBaseline, parseBaseline } from '../../src/baseline/load.js';
import { formatJson } from '../../src/report/json.js';
import { formatNdjson } from '../../src/report/ndjson.js';
import { reportProblems } from '../../src/model/report-check.js';
import { articleReport, hostileReport, multiReport, reportOf, tracedReport, usageMessage, usageMessageAsync } from '../report/fixtures.js';
import { validateReport } from '../report/validate.js';

const HINT = 'give a file written by ttl-probe --json';

t.test('a --json report reads back as it was', async (t) => {
  for (const report of [articleReport(), multiReport(), hostileReport(), reportOf([]), tracedReport()]) {
    t.same(parseBaseline('b.json', formatJson(report)), report);
  }
  const extended = JSON.parse(formatJson(articleReport())) as Record<string, unknown>;
  extended.durationMs = 5;
  t.same(parseBaseline('b.json', JSON.stringify(extended)).targets, articleReport().targets, 'unknown fields are allowed');
});

t.test('not a ttl-probe/1 report: a clear UsageError', async (t) => {
  const json = (change: (report: Record<string, any>) => void) => {
    const report = JSON.parse(formatJson(multiReport())) as Record<string, any>;
    change(report);
    return JSON.stringify(report);
  };
  const cases: [string, string][] = [
    ['', `b.json: the baseline is empty: ${HINT}`],
    ['{"schema": "ttl-probe/1",', `b.json: not a JSON report (line 1, column 26: unexpected end of file: a } or more is missing): ${HINT}`],
    ['hello', `b.json: not a JSON report (line 1, column 1: unexpected 'h': expected a value): ${HINT}`],
    [formatNdjson(multiReport()), `b.json: this is ndjson output (one line per port), not a report: ${HINT}`],
    ['[1]', `b.json: not a ttl-probe/1 report (JSON a list, not an object): ${HINT}`],
    ['null', `b.json: not a ttl-probe/1 report (JSON null, not an object): ${HINT}`],
    ['"x"', `b.json: not a ttl-probe/1 report (JSON a string, not an object): ${HINT}`],
    ['{"targets": []}', `b.json: not a ttl-probe/1 report (no "schema" field): ${HINT}`],
    [json((r) => (r.schema = 'ttl-probe/2')), `b.json: not a ttl-probe/1 report (its schema is "ttl-probe/2"): ${HINT}`],
    ['{"schema": 1}', `b.json: not a ttl-probe/1 report (its schema is 1): ${HINT}`],
    [json((r) => delete r.targets), 'b.json: not a valid ttl-probe/1 report: targets: expected a list of targets, got missing'],
    [json((r) => (r.targets[0].ports[2].state = 'shut')), 'b.json: not a valid ttl-probe/1 report: targets[0].ports[2].state: expected one of open, closed, unreachable, filtered, got "shut"'],
    [json((r) => (r.targets[1].ports[0].hop = 0)), 'b.json: not a valid ttl-probe/1 report: targets[1].ports[0].hop: expected a whole number >= 1, got 0'],
    [json((r) => (delete r.targets[0].ports[0].reply, delete r.targets[0].ports[1].answeredBy)), 'b.json: not a valid ttl-probe/1 report: targets[0].ports[0].reply: expected an object or null, got missing (and 1 more problem)'],
    [json((r) => (r.targets[0].address = 5)), 'b.json: not a valid ttl-probe/1 report: targets[0].address: expected a string, got 5'],
    [json((r) => (r.interrupted = 'no')), 'b.json: not a valid ttl-probe/1 report: interrupted: expected true or false, got "no"'],
    [json((r) => (r.targets[0].ports[0].responder = { hop: 0, address: null, confirmed: true })), 'b.json: not a valid ttl-probe/1 report: targets[0].ports[0].responder: {hop, address, confirmed}: expected a whole number >= 1, got 0'],
  ];
  for (const [text, message] of cases) t.equal(usageMessage(() => parseBaseline('b.json', text)), message, text.slice(0, 60));
});

t.test('the run-time check and the JSON Schema agree on broken reports', async (t) => {
  const breakers: [string, (report: Record<string, any>) => void][] = [
    ['no targets', (r) => delete r.targets],
    ['bad state', (r) => (r.targets[0].ports[0].state = 'shut')],
    ['bad answerer', (r) => (r.targets[0].ports[0].answeredBy = 'firewall')],
    ['port out of range', (r) => (r.targets[0].ports[0].port = 70000)],
    ['string TTL', (r) => (r.targets[0].ports[0].reply.ttl = '63')],
    ['no echo', (r) => delete r.targets[0].echo],
    ['no reference', (r) => delete r.targets[0].reference],
    ['bad reference source', (r) => (r.targets[0].reference.source = 'guess')],
    ['no unfinishedPorts', (r) => delete r.targets[0].unfinishedPorts],
    ['interrupted missing', (r) => delete r.interrupted],
    ['bad reply kind', (r) => (r.targets[0].ports[0].reply.kind = 'ack')],
    ['negative tries', (r) => (r.targets[0].ports[0].tries = -1)],
    ['explanation a number', (r) => (r.targets[0].ports[0].explanation = 3)],
    ['--trace: a path hop 0', (r) => (r.targets[0].path[1].hop = 0)],
    ['--trace: path not a list', (r) => (r.targets[0].path = {})],
    ['--trace: pathPort 0', (r) => (r.targets[0].pathPort = 0)],
    ['--trace: responder without confirmed', (r) => delete r.targets[0].ports[0].responder.confirmed],
    ['--trace: droppedAfter a string', (r) => (r.targets[0].ports[4].droppedAfter = 'hop 3')],
  ];
  for (const [name, breakIt] of breakers) {
    const report = JSON.parse(formatJson(tracedReport())) as Record<string, any>;
    breakIt(report);
    t.not(reportProblems(report).length, 0, `${name}: run-time check rejects`);
    t.not(validateReport(report).length, 0, `${name}: JSON Schema rejects`);
  }
  for (const report of [articleReport(), multiReport(), hostileReport(), tracedReport()]) {
    const wire = JSON.parse(formatJson(report)) as unknown;
    t.same(reportProblems(wire), []);
    t.same(validateReport(wire), []);
  }
});

t.test('loading from disk', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ttl-probe-baseline-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'before.json');
  await writeFile(good, formatJson(multiReport()));
  t.same(await loadBaseline(good), multiReport());
  const missing = join(dir, 'missing.json');
  t.equal(await usageMessageAsync(() => loadBaseline(missing)), `${missing}: cannot read the baseline (ENOENT)`);
  const folder = join(dir, 'folder');
  await mkdir(folder);
  t.equal(await usageMessageAsync(() => loadBaseline(folder)), `${folder}: the baseline is not a regular file`);
  const other = join(dir, 'package.json');
  await writeFile(other, '{"name": "x", "version": "1.0.0"}\n');
  t.equal(await usageMessageAsync(() => loadBaseline(other)), `${other}: not a ttl-probe/1 report (no "schema" field): ${HINT}`);
});
