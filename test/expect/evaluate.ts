import t from 'tap';
import {
  allMet,
  evaluateExpectations,
  evaluateReport,
  expectationSummary,
  formatExpectationLines,
} from '../../src/expect/evaluate.js';
import { formatSeen } from '../../src/model/expectation.js';
import { parseExpectations } from '../../src/expect/expectation.js';
import { articleReport, multiReport } from '../report/fixtures.js';

const article = articleReport().targets[0]!;

t.test('met and unmet, with what was seen instead', async (t) => {
  const results = evaluateExpectations(article, parseExpectations('22=closed@middlebox,443=open@host,80=open@host,8080=filtered,3306=unreachable,22=closed@middlebox'));
  t.same(results, [
    { port: 22, expected: { state: 'closed', answeredBy: 'middlebox' }, seen: { state: 'closed', answeredBy: 'middlebox', hop: 2 }, met: true, message: '22: closed@middlebox (hop 2) as expected' },
    { port: 80, expected: { state: 'open', answeredBy: 'host' }, seen: { state: 'closed', answeredBy: 'host', hop: 4 }, met: false, message: '80: expected open@host, saw closed@host (hop 4)' },
    { port: 443, expected: { state: 'open', answeredBy: 'host' }, seen: { state: 'open', answeredBy: 'host', hop: 4 }, met: true, message: '443: open@host (hop 4) as expected' },
    { port: 3306, expected: { state: 'unreachable' }, seen: { state: 'unreachable', answeredBy: 'middlebox', hop: 2 }, met: true, message: '3306: unreachable@middlebox (hop 2) as expected' },
    { port: 8080, expected: { state: 'filtered' }, seen: { state: 'filtered', answeredBy: 'none', hop: null }, met: true, message: '8080: filtered (no reply) as expected' },
  ]);
});

t.test('the article: the forged RST fails an expectation of the host', async (t) => {
  const [result] = evaluateExpectations(article, parseExpectations('22=closed@host'));
  t.equal(result!.met, false);
  t.equal(result!.message, '22: expected closed@host, saw closed@middlebox (hop 2)');
  const [open] = evaluateExpectations(article, parseExpectations('22=open@host'));
  t.equal(open!.message, '22: expected open@host, saw closed@middlebox (hop 2)');
  const [filtered] = evaluateExpectations(article, parseExpectations('8080=open'));
  t.equal(filtered!.message, '8080: expected open, saw filtered (no reply)');
  const [none] = evaluateExpectations(article, parseExpectations('443=filtered@none'));
  t.equal(none!.message, '443: expected filtered@none, saw open@host (hop 4)');
});

t.test('a state alone accepts any answerer', async (t) => {
  const [result] = evaluateExpectations(article, parseExpectations('22=closed'));
  t.equal(result!.met, true);
  t.same(result!.expected, { state: 'closed' }, 'no answeredBy key when none was expected');
  t.notOk('answeredBy' in result!.expected);
});

t.test('ports without a verdict are unmet, and say why', async (t) => {
  const [notProbed] = evaluateExpectations(article, parseExpectations('25=closed@host'));
  t.same(notProbed, { port: 25, expected: { state: 'closed', answeredBy: 'host' }, seen: null, met: false, message: '25: expected closed@host, but port 25 was not probed' });
  const interrupted = multiReport().targets[2]!;
  const [cut] = evaluateExpectations(interrupted, parseExpectations('22=open'));
  t.same(cut, { port: 22, expected: { state: 'open' }, seen: null, met: false, message: '22: expected open, but the run was interrupted before a verdict' });
  const [unknown] = evaluateExpectations(interrupted, parseExpectations('25=unreachable@middlebox'));
  t.equal(unknown!.message, '25: expected unreachable@middlebox, saw unreachable@unknown (hop 1)');
});

t.test('a whole report, summaries and lines', async (t) => {
  const report = multiReport();
  const same = evaluateReport(report, parseExpectations('443=open@host'));
  t.equal(same.length, 3, 'index-aligned with the targets');
  t.same(same.map((results) => results.map((result) => result.met)), [[true], [true], [false]]);
  t.equal(allMet(same), false);
  t.equal(expectationSummary(same), 'expectations: 2 of 3 met, 1 failed');
  const perTarget = evaluateReport(report, (target, index) => (index === 0 ? parseExpectations('22=closed@middlebox') : []));
  t.same(perTarget.map((results) => results.length), [1, 0, 0]);
  t.equal(allMet(perTarget), true);
  t.equal(expectationSummary(perTarget), 'expectations: all 1 met');
  t.equal(expectationSummary([[], []]), null);
  t.equal(allMet([]), true, 'nothing expected: nothing failed');
  t.same(formatExpectationLines(same[0]!.concat(same[2]!)), [
    '  ok    443: open@host (hop 4) as expected',
    '  FAIL  443: expected open@host, but port 443 was not probed',
  ]);
});

t.test('formatSeen', async (t) => {
  t.equal(formatSeen({ state: 'open', answeredBy: 'beyond', hop: 6 }), 'open@beyond (hop 6)');
  t.equal(formatSeen({ state: 'filtered', answeredBy: 'none', hop: null }), 'filtered (no reply)');
});
