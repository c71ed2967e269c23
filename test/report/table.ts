import t from 'tap';
import type * as Tap from 'tap';
import { formatTable, formatTargetTable, printableName, tableChunks } from '../../src/report/table.js';
import { articleReport, hostileReport, multiReport, tracedReport } from './fixtures.js';

const ARTICLE_TABLE = [
  '  PORT  STATE        REPLY      FROM        TTL  INIT  DIST  HOP  ANSWERED BY',
  '  22    closed       rst        198.18.4.2  63   64    1     2    middlebox',
  '  80    closed       rst        198.18.4.2  61   64    3     4    host',
  '  443   open         syn-ack    198.18.4.2  61   64    3     4    host',
  '  3306  unreachable  icmp 3/13  198.18.2.2  63   64    1     2    middlebox',
  '  8080  filtered     -          -           -    -     -     -    none',
];
const ARTICLE_EXPLANATIONS = [
  '  22: RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered',
  '  3306: ICMP communication administratively prohibited came from hop 2 (198.18.2.2), 2 hops before the host at hop 4: a device on the path answered',
  '  8080: no reply to 2 SYNs: dropped silently on the path or by the host',
  '  ignored 2 packet(s) that failed validation (not ours, or forged)',
];
const ARTICLE_HEAD = ['  echo: 3/3 replies, ttl 61 (initial 64), distance 3, rtt 0.3 ms', '  host: hop 4 (distance 3, from the echo replies)', ''];

t.test('the article: host line from the echoes, a row per port, explanations for what the host did not answer', async (t) => {
  t.same(formatTable(articleReport()).split('\n'), ['ttl-probe db1.example (198.18.4.2)', ...ARTICLE_HEAD, ...ARTICLE_TABLE, '', ...ARTICLE_EXPLANATIONS, '']);
  t.equal(formatTargetTable(articleReport().targets[0]!), formatTable(articleReport()).trimEnd(), 'one target alone: the same section, without the final newline');
});

t.test('traced: the path with what each hop answers or last sees, and a TRACE column', async (t) => {
  t.same(formatTable(tracedReport()).split('\n'), [
    'ttl-probe db1.example (198.18.4.2)',
    ...ARTICLE_HEAD,
    '  path (TCP SYN to port 443, one flow):',
    '    1  198.18.1.1  0.05 ms',
    '    2  *                    <- answers 22,3306',
    '    3  198.18.3.1  0.2 ms   <- last to see 8080',
    '    4  198.18.4.2  0.3 ms   <- answers 80,443',
    '  what the path does to our SYN (from the time-exceeded quotes):',
    '    hop 1 198.18.1.1 clamps MSS 1460 -> 1200 (first seen at hop 3)',
    '    hop 1 198.18.1.1 strips SACK-permitted, timestamps (first seen at hop 3)',
    '    hop 3 198.18.3.1 sets DSCP 0 -> 46 (first seen at hop 4)',
    '',
    '  PORT  STATE        REPLY      FROM        TTL  INIT  DIST  HOP  ANSWERED BY  TRACE',
    '  22    closed       rst        198.18.4.2  63   64    1     2    middlebox    hop 2 (address hidden)',
    '  80    closed       rst        198.18.4.2  61   64    3     4    host         hop 4 198.18.4.2',
    '  443   open         syn-ack    198.18.4.2  61   64    3     4    host         hop 4 198.18.4.2 (unconfirmed)',
    '  3306  unreachable  icmp 3/13  198.18.2.2  63   64    1     2    middlebox    hop 2 198.18.2.2',
    '  8080  filtered     -          -           -    -     -     -    none         dropped after hop 3 198.18.3.1',
    '',
    ...ARTICLE_EXPLANATIONS,
    '',
  ]);
});

t.test('a hostile name stays on its line: control characters escaped, the rest as given', async (t) => {
  const lines = formatTable(hostileReport()).split('\n');
  t.equal(lines[0], 'ttl-probe a"b\\c\\x0ad<e>&f\'g]]>h\\x01i (198.18.4.2)');
  t.same(lines.slice(1), [...ARTICLE_HEAD, ...ARTICLE_TABLE, '', ...ARTICLE_EXPLANATIONS, ''], 'every other line as for the article');
  t.equal(printableName('\u001b[31mred\u009b'), '\\x1b[31mred\\x9b', 'escape sequences (C0 and C1) cannot reach the terminal');
  t.equal(printableName('db1.example'), 'db1.example');
});

t.test('several targets, interrupted: sections apart, unfinished ports named, the report marked partial', async (t) => {
  const text = formatTable(multiReport());
  const sections = text.split('\nttl-probe ');
  t.equal(sections.length, 3);
  t.same(`ttl-probe ${sections[1]}`.split('\n'), [
    'ttl-probe 198.18.6.2',
    '  echo: 0/3 replies',
    '  host: hop 3 (distance 2, from the farthest SYN-ACK: no echo reply)',
    '',
    '  PORT  STATE     REPLY    FROM        TTL  INIT  DIST  HOP  ANSWERED BY',
    '  22    filtered  -        -           -    -     -     -    none',
    '  443   open      syn-ack  198.18.6.2  126  128   2     3    host',
    '',
    '  22: no reply to 3 SYNs: dropped silently on the path or by the host',
    '',
  ]);
  t.same(`ttl-probe ${sections[2]}`.split('\n'), [
    'ttl-probe 198.18.8.2',
    '  echo: 0/1 replies',
    '  host: no echo reply, SYN-ACK or RST: cannot tell who answers',
    '',
    '  PORT  STATE        REPLY      FROM        TTL  INIT  DIST  HOP  ANSWERED BY',
    '  25    unreachable  icmp 3/10  198.18.8.1  255  255   0     1    unknown',
    '',
    '  25: ICMP communication with destination host administratively prohibited came from hop 1 (198.18.8.1); no echo reply, SYN-ACK or RST from the host to compare with: cannot tell who answered',
    '',
    '  interrupted before a verdict: 22',
    '',
    'interrupted: the report above is partial',
    '',
  ]);
  t.equal(formatTable({ ...multiReport(), targets: [] }), 'interrupted: the report above is partial\n', 'interrupted before any target: the mark alone');
  t.equal(formatTable({ ...articleReport(), targets: [] }), '', 'nothing probed, not interrupted: nothing');
});

t.test('the chunks make the same text, a line at a time', async (t) => {
  const chunks = [...tableChunks(multiReport())];
  t.equal(chunks.join(''), formatTable(multiReport()));
  t.ok(chunks.every((chunk) => chunk.endsWith('\n')), 'each chunk ends a line (a writer may flush between them)');
  t.ok(chunks.length >= formatTable(multiReport()).split('\n').length - 3, 'a line at a time, not the whole text at once');
});

/** The columns of a block of table lines stay aligned: every cell of every row starts where its header does. */
function assertAligned(t: Tap.Test, lines: readonly string[], headerIndex: number, what: string): void {
  const header = lines[headerIndex]!;
  const starts: number[] = [];
  for (let i = 1; i < header.length; i++) if (header[i] !== ' ' && header[i - 1] === ' ' && header[i - 2] === ' ') starts.push(i);
  let rows = 0;
  for (const row of lines.slice(headerIndex + 1)) {
    if (row.trim() === '' || !/^ {2,4}\S/.test(row) || /^ +\d+: /.test(row)) break;
    rows++;
    for (const start of starts) {
      if (start >= row.length) continue;
      t.ok(row[start] !== ' ' && row[start - 1] === ' ' && row[start - 2] === ' ', `${what}: "${row.trim()}" has a cell at column ${start} (under "${header.slice(start).split('  ')[0]}")`);
    }
  }
  t.ok(rows > 0, `${what}: rows checked`);
}

t.test('IPv6: the longest addresses keep every column aligned (ports, trace, path)', async (t) => {
  // The longest RFC 5952 form: eight groups of four digits, 39 characters, one per address of the report.
  let text = JSON.stringify(tracedReport());
  const seen = new Map<string, string>();
  text = text.replace(/198\.18\.\d+\.\d+/g, (address) => {
    if (!seen.has(address)) seen.set(address, `2001:2abc:${(seen.size + 1).toString(16).padStart(4, 'f')}:ffff:eeee:dddd:cccc:bbbb`);
    return seen.get(address)!;
  });
  const report = JSON.parse(text) as ReturnType<typeof tracedReport>;
  report.targets[0]!.family = 6;
  const lines = formatTable(report).split('\n');
  t.ok(lines.some((line) => line.includes('2001:2abc:fff1:ffff:eeee:dddd:cccc:bbbb')), 'the long addresses are printed whole');
  assertAligned(t, lines, lines.findIndex((line) => line.trimStart().startsWith('PORT')), 'port table');
  const path = lines.findIndex((line) => line.includes('path ('));
  const arrows = lines.slice(path + 1).filter((line) => line.includes('<-')).map((line) => line.indexOf('<-'));
  t.ok(arrows.length >= 2, 'path rows with a marker');
  t.equal(new Set(arrows).size, 1, 'the path markers line up');
});
