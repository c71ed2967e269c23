import t from 'tap';
import type { PathChangeReport } from '../../src/model/report.js';
import { changeLine, pathFindingLines } from '../../src/report/path-changes.js';
import { formatTable } from '../../src/report/table.js';
import { tracedReport } from './fixtures.js';

const change = (field: PathChangeReport['field'], sent: number | string, seen: number | string, hop = 2): PathChangeReport => ({
  field, sent, seen, after: { hop, address: `198.18.${hop}.2` }, firstSeenAt: hop + 1,
});

t.test('one line per change, named after the hop that made it', async (t) => {
  const cases: [PathChangeReport, string][] = [
    [change('tcp.mss', 1460, 1200), 'hop 2 198.18.2.2 clamps MSS 1460 -> 1200 (first seen at hop 3)'],
    [change('tcp.options', 'mss,sack-permitted,timestamp,window-scale=7', 'mss,window-scale=7', 3), 'hop 3 198.18.3.2 strips SACK-permitted, timestamps (first seen at hop 4)'],
    [change('ip.dscp', 0, 46), 'hop 2 198.18.2.2 sets DSCP 0 -> 46 (first seen at hop 3)'],
    [change('ip.dscp', 46, 0), 'hop 2 198.18.2.2 clears DSCP 46 -> 0 (first seen at hop 3)'],
    [change('tcp.flags', 0xc2, 0x02), 'hop 2 198.18.2.2 clears ECE,CWR (no ECN negotiation) in the TCP flags (first seen at hop 3)'],
    [change('tcp.mss', 1460, 'none'), 'hop 2 198.18.2.2 removes the MSS option (first seen at hop 3)'],
    [change('ip.source', '198.18.1.1', '198.18.9.9'), 'hop 2 198.18.2.2 rewrites the source address 198.18.1.1 -> 198.18.9.9 (NAT) (first seen at hop 3)'],
    [{ ...change('tcp.mss', 1460, 1200), after: { hop: 0, address: null }, firstSeenAt: 1 }, 'before hop 1 (on the client side), something clamps MSS 1460 -> 1200 (first seen at hop 1)'],
  ];
  for (const [input, line] of cases) t.equal(changeLine(input), line);
});

t.test('over IPv6: the hop limit by its name, the flow label in hex as tcpdump shows it', async (t) => {
  const v6 = (field: PathChangeReport['field'], sent: number | string, seen: number | string): PathChangeReport => ({
    field, sent, seen, after: { hop: 2, address: '2001:2:0:2::2' }, firstSeenAt: 3,
  });
  t.equal(changeLine(v6('ip.ttl', 1, 5), 6), 'hop 2 2001:2:0:2::2 resets the hop limit (the next quote shows 5 left where 1 was due) (first seen at hop 3)');
  t.equal(changeLine(v6('ip.ttl', 1, 5)), 'hop 2 2001:2:0:2::2 resets the TTL (the next quote shows 5 left where 1 was due) (first seen at hop 3)', 'IPv4 by default');
  t.equal(changeLine(v6('ip.flowLabel', 0x5a5a5, 1), 6), 'hop 2 2001:2:0:2::2 rewrites the flow label 0x5a5a5 -> 0x00001 (first seen at hop 3)');
  t.equal(changeLine(v6('tcp.mss', 1460, 1200), 6), 'hop 2 2001:2:0:2::2 clamps MSS 1460 -> 1200 (first seen at hop 3)');
  const target = { ...tracedReport().targets[0]!, family: 6 as const, changes: [v6('ip.ttl', 1, 5)] };
  t.match(pathFindingLines(target)[0], /resets the hop limit/, "the target's family picks the word");
});

t.test('the table lists them under the path; a clean path says how far it was seen', async (t) => {
  const text = formatTable(tracedReport());
  t.match(text, /what the path does to our SYN \(from the time-exceeded quotes\):\n\s+hop 1 198\.18\.1\.1 clamps MSS 1460 -> 1200 \(first seen at hop 3\)\n\s+hop 1 198\.18\.1\.1 strips SACK-permitted, timestamps/);
  const target = { ...tracedReport().targets[0]!, changes: [] };
  target.path = target.path!.map((hop) => (hop.hop < 4 ? { ...hop, quotedBytes: hop.hop === 2 ? 8 : 40 } : hop));
  t.same(pathFindingLines(target), [
    "our SYN arrives unchanged as far as hop 3's quote shows",
    'hop 2: quote too short to tell (8 bytes of TCP: ports and sequence only)',
  ]);
  t.same(pathFindingLines({ ...target, path: undefined }), [], 'nothing without --trace');
});

t.test('the traced fixture with its changes passes the schema and the run-time check', async (t) => {
  const { validateReport, validateNdjson } = await import('./validate.js');
  const { reportProblems } = await import('../../src/model/report-check.js');
  const { formatNdjson } = await import('../../src/report/ndjson.js');
  const report = JSON.parse(JSON.stringify(tracedReport()));
  t.same(validateReport(report), []);
  t.same(reportProblems(report), []);
  t.same(validateNdjson(formatNdjson(tracedReport())), []);
  const lines = formatNdjson(tracedReport()).trim().split('\n').map((line) => JSON.parse(line));
  t.ok(lines.every((line) => line.pathChanges.length === 3 && line.ttlRewrite === null), 'every line of the traced target carries its changes');
  const broken = JSON.parse(JSON.stringify(report));
  broken.targets[0].changes[0].field = 'tcp.colour';
  t.not(validateReport(broken).length, 0, 'an unknown field name fails the schema');
  t.match(reportProblems(broken), [/changes\[0\]\.field: expected one of ip\.dscp/]);
  delete broken.targets[0].changes;
  t.match(reportProblems(broken), [/changes: expected with path/]);
  t.not(validateReport(broken).length, 0, 'a path without changes fails the schema');
});
