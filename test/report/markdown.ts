// --format markdown read back with a CommonMark parser (markdown-it, with GFM tables): the cells
// and the Mermaid block as GitHub would see them, hostile names included.
import MarkdownIt from 'markdown-it';
import t from 'tap';
import { codeBlock, escapeMarkdown, formatMarkdown } from '../../src/report/markdown.js';
import type { ExpectationResult } from '../../src/model/expectation.js';
import { articleReport, HOSTILE_NAME, hostileReport, multiReport, tracedReport } from './fixtures.js';

// html: true, as GitHub passes (some) HTML through: an injected tag would show up as an html token.
const parser = new MarkdownIt({ html: true });
type Token = ReturnType<typeof parser.parse>[number];

/** The visible text of an inline token: what a reader sees, escapes resolved. */
function textOf(inline: Token): string {
  return (inline.children ?? []).map((child) => (child.type === 'softbreak' || child.type === 'hardbreak' ? '\n' : child.content)).join('');
}

/** Every table as rows of cell texts (the header row first). */
function tablesOf(tokens: readonly Token[]): string[][][] {
  const tables: string[][][] = [];
  let row: string[] | null = null;
  for (const token of tokens) {
    if (token.type === 'table_open') tables.push([]);
    else if (token.type === 'tr_open') row = [];
    else if (token.type === 'tr_close' && row) tables[tables.length - 1]!.push(row), (row = null);
    else if (token.type === 'inline' && row) row.push(textOf(token));
  }
  return tables;
}

/** The kinds of inline markup used anywhere: only plain text (and the echo line's hard break) is expected. */
function inlineKinds(tokens: readonly Token[]): Set<string> {
  return new Set(tokens.filter((token) => token.type === 'inline').flatMap((token) => (token.children ?? []).map((child) => child.type)));
}

function headingsOf(tokens: readonly Token[]): string[] {
  return tokens.flatMap((token, index) => (token.type === 'heading_open' ? [textOf(tokens[index + 1]!)] : []));
}

const HEADER = ['port', 'state', 'reply', 'from', 'ttl', 'hop', 'answered by', 'explanation'];

t.test("the article's case: a heading and a table of every port, cell by cell", async (t) => {
  const tokens = parser.parse(formatMarkdown(articleReport()), {});
  t.same(headingsOf(tokens), ['ttl-probe db1.example (198.18.4.2)']);
  const tables = tablesOf(tokens);
  t.equal(tables.length, 1);
  const [header, ...rows] = tables[0]!;
  t.same(header, HEADER);
  t.same(
    rows.map((row) => row.slice(0, 7)),
    [
      ['22', 'closed', 'rst', '198.18.4.2', '63 (initial 64)', '2', 'middlebox'],
      ['80', 'closed', 'rst', '198.18.4.2', '61 (initial 64)', '4', 'host'],
      ['443', 'open', 'syn-ack', '198.18.4.2', '61 (initial 64)', '4', 'host'],
      ['3306', 'unreachable', 'icmp 3/13', '198.18.2.2', '63 (initial 64)', '2', 'middlebox'],
      ['8080', 'filtered', '-', '-', '-', '-', 'none'],
    ],
  );
  const explanations = articleReport().targets[0]!.ports.map((port) => port.explanation ?? '');
  t.same(rows.map((row) => row[7]), explanations, 'explanations verbatim');
  t.notOk(tokens.some((token) => token.type === 'fence'), 'no diagram without --trace');
  t.same([...inlineKinds(tokens)].sort(), ['hardbreak', 'text'], 'plain text only');
});

t.test('traced: the path as a Mermaid flowchart, who answers and who last sees which port', async (t) => {
  const tokens = parser.parse(formatMarkdown(tracedReport()), {});
  const fences = tokens.filter((token) => token.type === 'fence');
  t.equal(fences.length, 1);
  t.equal(fences[0]!.info, 'mermaid');
  t.equal(
    fences[0]!.content,
    [
      'flowchart LR',
      '  client(["this machine"])',
      '  hop1["hop 1: 198.18.1.1"]',
      '  hop2["hop 2: no reply<br/>answers 22,3306"]',
      '  hop3["hop 3: 198.18.3.1<br/>last to see 8080"]',
      '  hop4["hop 4: 198.18.4.2 (target)<br/>answers 80,443"]',
      '  client --> hop1 --> hop2 --> hop3 --> hop4',
      '  classDef answers stroke:#1f6feb,stroke-width:2px',
      '  class hop2,hop4 answers',
      '  classDef drops stroke:#d1242f,stroke-dasharray:4',
      '  class hop3 drops',
      '',
    ].join('\n'),
  );
  t.equal(tablesOf(tokens)[0]!.length, 6, 'the table is still there');
  const items = tokens.filter((token) => token.type === 'inline' && tokens[tokens.indexOf(token) - 1]?.type === 'paragraph_open' && tokens[tokens.indexOf(token) - 2]?.type === 'list_item_open');
  t.same(items.map(textOf), [
    'hop 1 198.18.1.1 clamps MSS 1460 -> 1200 (first seen at hop 3)',
    'hop 1 198.18.1.1 strips SACK-permitted, timestamps (first seen at hop 3)',
    'hop 3 198.18.3.1 sets DSCP 0 -> 46 (first seen at hop 4)',
  ], 'one list item per change, as the table says it');
});

t.test('a hostile target name: one heading, the table intact, no markup of its own', async (t) => {
  const markdown = formatMarkdown(hostileReport());
  const tokens = parser.parse(markdown, {});
  const visibleName = 'a"b\\c\\nd<e>&f\'g]]>h\\u0001i';
  t.same(headingsOf(tokens), [`ttl-probe ${visibleName} (198.18.4.2)`], 'the newline and the control character shown, not acted on');
  t.same(tablesOf(tokens)[0]![0], HEADER);
  t.equal(tablesOf(tokens)[0]!.length, 6);
  t.notOk(tokens.some((token) => token.type === 'html_block'), 'no HTML block');
  t.same([...inlineKinds(tokens)].sort(), ['hardbreak', 'text'], 'no HTML, code, link or emphasis');
});

t.test('escapeMarkdown: a table cell stays one cell, whatever it holds', async (t) => {
  const nasty = ['a|b', 'x`y`z', '<script>alert(1)</script>', '*bold* _it_ ~~s~~', '[link](http://x) ![i](y)', 'line\nbreak\r\n', '&amp; &#124;', '$x$', 'back\\slash|', HOSTILE_NAME];
  const table = ['| cell | after |', '| --- | --- |', ...nasty.map((text) => `| ${escapeMarkdown(text)} | end |`)].join('\n');
  const tokens = parser.parse(table, {});
  const rows = tablesOf(tokens).flat().slice(1);
  t.equal(rows.length, nasty.length);
  rows.forEach((row, index) => {
    const shown = nasty[index]!.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\u0001/g, '\\u0001');
    t.same(row, [shown, 'end'], JSON.stringify(nasty[index]));
  });
  t.same([...inlineKinds(tokens)], ['text']);
});

t.test('several targets, expectations and an interrupted run', async (t) => {
  const report = multiReport();
  const results: ExpectationResult[] = [
    { port: 22, expected: { state: 'closed', answeredBy: 'middlebox' }, seen: { state: 'closed', answeredBy: 'middlebox', hop: 2 }, met: true, message: '22: closed@middlebox (hop 2) as expected' },
    { port: 443, expected: { state: 'open' }, seen: { state: 'open', answeredBy: 'host', hop: 4 }, met: false, message: '443: expected <closed>, saw open@host | (hop 4)' },
  ];
  const markdown = formatMarkdown(report, [results, [], []]);
  const tokens = parser.parse(markdown, {});
  t.same(headingsOf(tokens), ['ttl-probe db1.example (198.18.4.2)', 'ttl-probe 198.18.6.2', 'ttl-probe 198.18.8.2']);
  t.equal(tablesOf(tokens).length, 3);
  const items = tokens.flatMap((token, index) => (token.type === 'list_item_open' ? [tokens[index + 2]!] : []));
  t.same(items.map(textOf), ['met: 22: closed@middlebox (hop 2) as expected', 'not met: 443: expected <closed>, saw open@host | (hop 4)']);
  t.match(markdown, /\nInterrupted before a verdict: 22\n/);
  t.match(markdown, /\n\*\*Interrupted\*\*: the report above is partial\.\n$/);
  t.equal(formatMarkdown({ ...report, targets: [], interrupted: false }), '', 'no targets: nothing');
});

t.test('codeBlock: fenced longer than any backtick run inside', async (t) => {
  const text = 'db1 ``` changed\n````x';
  const tokens = parser.parse(`${codeBlock(text, 'text')}after\n`, {});
  const fence = tokens.find((token) => token.type === 'fence');
  t.equal(fence?.content, `${text}\n`);
  t.equal(fence?.info, 'text');
  t.ok(tokens.some((token) => token.type === 'inline' && token.content === 'after'), 'the block ends where it should');
});
