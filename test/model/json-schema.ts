import t from 'tap';
import { formatJson } from '../../src/report/json.js';
import type { Report } from '../../src/model/report.js';
import { articleReport, hostileReport, multiReport, reportOf, tracedReport } from '../report/fixtures.js';
import { reportSchema, validateReport } from '../report/validate.js';

/** A fresh, mutable copy of a report as it goes over the wire. */
function wire(report: Report): Record<string, any> {
  return JSON.parse(formatJson(report)) as Record<string, any>;
}

t.test('reports built by the inference validate', async (t) => {
  t.same(validateReport(wire(articleReport())), [], 'the article case');
  t.same(validateReport(wire(multiReport())), [], 'no echo, no reference, interrupted');
  t.same(validateReport(wire(hostileReport())), [], 'any target name');
  t.same(validateReport(wire(reportOf([]))), [], 'no targets');
  t.same(validateReport(wire(reportOf([], true))), [], 'interrupted before any target');
  t.same(validateReport(wire(tracedReport())), [], '--trace: path, responders, drop points');
});

t.test('--trace fields are checked when present', async (t) => {
  const cases: [string, (report: Record<string, any>) => void, string][] = [
    ['a path hop 0', (r) => (r.targets[0].path[0].hop = 0), '/targets/0/path/0/hop must be >= 1'],
    ['a path hop without address', (r) => delete r.targets[0].path[0].address, "/targets/0/path/0 must have required property 'address'"],
    ['pathPort 0', (r) => (r.targets[0].pathPort = 0), '/targets/0/pathPort must be >= 1'],
    ['a responder without confirmed', (r) => delete r.targets[0].ports[0].responder.confirmed, "/targets/0/ports/0/responder must have required property 'confirmed'"],
    ['droppedAfter a number', (r) => (r.targets[0].ports[4].droppedAfter = 3), '/targets/0/ports/4/droppedAfter must be object'],
  ];
  for (const [name, breakIt, problem] of cases) {
    const report = wire(tracedReport());
    breakIt(report);
    const problems = validateReport(report);
    t.ok(problems.includes(problem), `${name}: ${problem}`, { problems });
  }
});

t.test('extra fields are allowed (add, never rename)', async (t) => {
  const report = wire(articleReport());
  report.durationMs = 120;
  report.targets[0].vantage = 'lab';
  report.targets[0].ports[0].tags = ['ssh'];
  report.targets[0].ports[0].reply.ipId = 7;
  t.same(validateReport(report), []);
});

t.test('broken reports are rejected, saying where', async (t) => {
  const cases: [string, (report: Record<string, any>) => void, string][] = [
    ['another schema', (r) => (r.schema = 'ttl-probe/2'), '/schema must be equal to constant'],
    ['no schema', (r) => delete r.schema, "/ must have required property 'schema'"],
    ['no interrupted', (r) => delete r.interrupted, "/ must have required property 'interrupted'"],
    ['targets not a list', (r) => (r.targets = {}), '/targets must be array'],
    ['a target without address', (r) => delete r.targets[0].address, "/targets/0 must have required property 'address'"],
    ['a bad address', (r) => (r.targets[0].address = '198.18.4.256'), '/targets/0/address must match pattern'],
    ['no unfinishedPorts', (r) => delete r.targets[0].unfinishedPorts, "/targets/0 must have required property 'unfinishedPorts'"],
    ['a renamed field', (r) => ((r.targets[0].ports[0].answered_by = r.targets[0].ports[0].answeredBy), delete r.targets[0].ports[0].answeredBy), "/targets/0/ports/0 must have required property 'answeredBy'"],
    ['an unknown state', (r) => (r.targets[0].ports[0].state = 'shut'), '/targets/0/ports/0/state must be equal to one of the allowed values'],
    ['an unknown answerer', (r) => (r.targets[0].ports[0].answeredBy = 'firewall'), '/targets/0/ports/0/answeredBy must be equal to one of the allowed values'],
    ['port 0', (r) => (r.targets[0].ports[0].port = 0), '/targets/0/ports/0/port must be >= 1'],
    ['port 70000', (r) => (r.targets[0].ports[0].port = 70000), '/targets/0/ports/0/port must be <= 65535'],
    ['a string port', (r) => (r.targets[0].ports[0].port = '22'), '/targets/0/ports/0/port must be integer'],
    ['hop 0', (r) => (r.targets[0].ports[0].hop = 0), '/targets/0/ports/0/hop must be >= 1'],
    ['TTL 256', (r) => (r.targets[0].ports[0].reply.ttl = 256), '/targets/0/ports/0/reply/ttl must be <= 255'],
    ['initial TTL 100', (r) => (r.targets[0].ports[0].reply.initialTtl = 100), '/targets/0/ports/0/reply/initialTtl must be equal to one of the allowed values'],
    ['a reply without kind', (r) => delete r.targets[0].ports[0].reply.kind, "/targets/0/ports/0/reply must have required property 'kind'"],
    ['negative rtt', (r) => (r.targets[0].ports[0].reply.rttMs = -1), '/targets/0/ports/0/reply/rttMs must be >= 0'],
    ['filtered with a reply', (r) => (r.targets[0].ports[0].state = 'filtered'), '/targets/0/ports/0/reply must be null'],
    ['a reply-less closed port', (r) => (r.targets[0].ports[4].state = 'closed'), '/targets/0/ports/4/reply must be object'],
    ['open from a RST', (r) => (r.targets[0].ports[1].state = 'open'), '/targets/0/ports/1/reply/kind must be equal to constant'],
    ['the host answered but an explanation is null', (r) => (r.targets[0].ports[0].explanation = null), '/targets/0/ports/0/explanation must be string'],
    ['echo replies without a TTL', (r) => (r.targets[0].echo.ttl = null), '/targets/0/echo/ttl must be integer'],
    ['no reference but a hop', (r) => (r.targets[0].reference.source = 'none'), '/targets/0/reference/distance must be null'],
    ['unknown reference source', (r) => (r.targets[0].reference.source = 'guess'), '/targets/0/reference/source must be equal to one of the allowed values'],
    ['negative ignored', (r) => (r.targets[0].ignored = -1), '/targets/0/ignored must be >= 0'],
    ['unfinished port 0', (r) => (r.targets[0].unfinishedPorts = [0]), '/targets/0/unfinishedPorts/0 must be >= 1'],
  ];
  for (const [name, breakIt, problem] of cases) {
    const report = wire(articleReport());
    breakIt(report);
    const problems = validateReport(report);
    t.ok(problems.some((found) => found === problem || found.startsWith(`${problem} `)), `${name}: ${problem}`, { problems });
  }
  t.not(validateReport(null).length, 0, 'null');
  t.not(validateReport('{}').length, 0, 'a string');
});

t.test('the schema file itself', async (t) => {
  t.equal(reportSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const required = (reportSchema.$defs as Record<string, { required?: string[] }>);
  t.same(reportSchema.required, ['schema', 'interrupted', 'targets']);
  t.same(required.target!.required, ['target', 'address', 'family', 'echo', 'reference', 'ports', 'ignored', 'unfinishedPorts']);
  t.same(required.portReport!.required, ['port', 'state', 'reply', 'answeredBy', 'hop', 'tries', 'explanation']);
  t.same(required.reply!.required, ['kind', 'from', 'ttl', 'initialTtl', 'distance', 'rttMs']);
  t.same(required.echo!.required, ['sent', 'received', 'ttl', 'initialTtl', 'distance', 'rttMs']);
  t.same(required.reference!.required, ['source', 'distance', 'hop']);
});
