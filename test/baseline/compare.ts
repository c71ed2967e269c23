import t from 'tap';
import { compareWithBaseline, formatBaselineComparison, formatPortChange } from '../../src/baseline/compare.js';
import type { TargetObservation } from '../../src/infer/observation.js';
import { articleObservation, multiReport, noEchoObservation, noReferenceObservation, reportOf } from '../report/fixtures.js';

/** The article's target after the firewall rule for 22 was removed and 8080 got opened on the host. */
const fixed: TargetObservation = {
  ...articleObservation,
  ports: articleObservation.ports.map((port) => {
    if (port.port === 22) return { ...port, reply: { kind: 'syn-ack', from: '198.18.4.2', ttl: 61, rttMs: 0.2 } };
    if (port.port === 8080) return { ...port, tries: 1, reply: { kind: 'syn-ack', from: '198.18.4.2', ttl: 61, rttMs: 0.2 } };
    return port;
  }),
};

t.test('the same report twice: no change', async (t) => {
  const comparison = compareWithBaseline(multiReport(), multiReport());
  t.equal(comparison.changed, false);
  t.equal(comparison.changeCount, 0);
  t.same(comparison.targets.map((target) => target.change), ['unchanged', 'unchanged', 'unchanged']);
  t.equal(formatBaselineComparison(comparison), 'baseline: no change on 3 targets\n', 'a port without a verdict in both runs is not listed');
  t.equal(formatBaselineComparison(compareWithBaseline(reportOf([articleObservation]), reportOf([articleObservation]))), 'baseline: no change on the target\n');
});

t.test('state, answeredBy and hop changes per port', async (t) => {
  const comparison = compareWithBaseline(reportOf([articleObservation]), reportOf([fixed]));
  t.equal(comparison.changed, true);
  t.equal(comparison.changeCount, 2);
  t.same(comparison.targets[0]!.ports, [
    {
      port: 22,
      change: 'changed',
      before: { state: 'closed', answeredBy: 'middlebox', hop: 2 },
      after: { state: 'open', answeredBy: 'host', hop: 4 },
      fields: ['state', 'answeredBy', 'hop'],
    },
    {
      port: 8080,
      change: 'changed',
      before: { state: 'filtered', answeredBy: 'none', hop: null },
      after: { state: 'open', answeredBy: 'host', hop: 4 },
      fields: ['state', 'answeredBy', 'hop'],
    },
  ]);
  t.equal(
    formatBaselineComparison(comparison),
    [
      'baseline: 2 changes on 1 of 1 target',
      'db1.example (198.18.4.2):',
      '  22: state closed -> open, answeredBy middlebox -> host, hop 2 -> 4',
      '  8080: state filtered -> open, answeredBy none -> host, hop none -> 4',
      '',
    ].join('\n'),
  );
  const back = compareWithBaseline(reportOf([fixed]), reportOf([articleObservation]));
  t.equal(formatPortChange(back.targets[0]!.ports[0]!), '22: state open -> closed, answeredBy host -> middlebox, hop 4 -> 2');
});

t.test('only the hop moved', async (t) => {
  // One more router on the way: every TTL one lower.
  const longer: TargetObservation = {
    ...articleObservation,
    echo: { sent: 3, replies: articleObservation.echo.replies.map((reply) => ({ ...reply, ttl: reply.ttl - 1 })) },
    ports: articleObservation.ports.map((port) => (port.reply ? { ...port, reply: { ...port.reply, ttl: port.reply.ttl - 1 } } : port)),
  };
  const comparison = compareWithBaseline(reportOf([articleObservation]), reportOf([longer]));
  t.same(comparison.targets[0]!.hostHop, { before: 4, after: 5 });
  t.same(comparison.targets[0]!.ports.map((port) => [port.port, port.fields]), [
    [22, ['hop']],
    [80, ['hop']],
    [443, ['hop']],
    [3306, ['hop']],
  ]);
  t.equal(comparison.changeCount, 5);
  t.equal(
    formatBaselineComparison(comparison),
    [
      'baseline: 5 changes on 1 of 1 target',
      'db1.example (198.18.4.2):',
      '  host hop 4 -> 5',
      '  22: hop 2 -> 3',
      '  80: hop 4 -> 5',
      '  443: hop 4 -> 5',
      '  3306: hop 2 -> 3',
      '',
    ].join('\n'),
  );
});

t.test('ports and targets added and removed; addresses', async (t) => {
  const before = reportOf([articleObservation, noEchoObservation]);
  const after = reportOf([
    { ...articleObservation, address: '198.18.4.3', ports: [...articleObservation.ports.filter((port) => port.port !== 3306), { port: 25, tries: 1, finished: true, reply: { kind: 'rst', from: '198.18.4.3', ttl: 61, rttMs: 0.1 } }] },
    noReferenceObservation,
  ]);
  const comparison = compareWithBaseline(before, after);
  t.same(comparison.targets.map((target) => [target.target, target.change]), [
    ['db1.example', 'changed'],
    ['198.18.8.2', 'added'],
    ['198.18.6.2', 'removed'],
  ]);
  t.equal(comparison.targets[0]!.previousAddress, '198.18.4.2');
  t.same(comparison.targets[0]!.ports.map((port) => [port.port, port.change]), [[25, 'added'], [3306, 'removed']]);
  t.same(comparison.targets[1]!.ports.map((port) => [port.port, port.change]), [[25, 'added']], 'an unfinished port of a new target is not listed');
  t.same(comparison.targets[2]!.ports.map((port) => [port.port, port.change]), [[22, 'removed'], [443, 'removed']]);
  t.equal(comparison.changeCount, 5);
  t.equal(
    formatBaselineComparison(comparison),
    [
      'baseline: 5 changes on 3 of 3 targets',
      'db1.example (198.18.4.3):',
      '  address 198.18.4.2 -> 198.18.4.3',
      '  25: new: closed@host (hop 4)',
      '  3306: no longer probed (was unreachable@middlebox (hop 2))',
      '198.18.8.2: new target',
      '198.18.6.2: not in this run (was in the baseline)',
      '',
    ].join('\n'),
  );
});

t.test('ports cut short by an interruption are not compared', async (t) => {
  const interrupted = reportOf([{ ...articleObservation, ports: articleObservation.ports.map((port) => (port.port === 443 ? { ...port, finished: false, reply: null } : port)) }], true);
  const comparison = compareWithBaseline(reportOf([articleObservation]), interrupted);
  t.equal(comparison.changed, false);
  t.same(comparison.targets[0]!.unchecked, [443]);
  t.equal(formatBaselineComparison(comparison), 'baseline: no change on the target\ndb1.example (198.18.4.2): not compared (no verdict this run): 443\n');
});

t.test('a name given twice is matched in order', async (t) => {
  const comparison = compareWithBaseline(reportOf([articleObservation, fixed]), reportOf([articleObservation, fixed]));
  t.equal(comparison.changed, false);
  const swapped = compareWithBaseline(reportOf([articleObservation, fixed]), reportOf([fixed, articleObservation]));
  t.equal(swapped.changeCount, 4);
});
