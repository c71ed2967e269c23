import { readFileSync } from 'node:fs';
import t from 'tap';
import { ANALYZE_FLAGS, EXAMPLES, EXIT_CODES, GLOBAL_FLAGS } from '../../src/cli/commands.js';
import { renderManPage, roffText } from '../../src/cli/man-page.js';
import { PROBE_FLAGS } from '../../src/cli/probe-options.js';
import { SERVE_FLAGS } from '../../src/serve/options.js';
import { VERSION } from '../../src/version.js';
import { runTool } from '../report/fixtures.js';

const page = renderManPage(VERSION);
/** The page as `man` shows it (groff, plain text, no hyphenation or overstriking). */
function rendered(): string {
  const run = runTool('groff', ['-man', '-Tutf8', '-P', '-cbou', '-rHY=0', '-rLL=200n', '-ww'], page, 'groff-base');
  if (run.status !== 0) throw new Error(`groff failed: ${run.stderr}`);
  return run.stdout;
}

t.test('groff reads it without a warning', async (t) => {
  const run = runTool('groff', ['-man', '-Tutf8', '-ww', '-z'], page, 'groff-base');
  t.equal(run.status, 0);
  t.equal(run.stderr, '');
});

t.test('every flag of every command, its default and every example', async (t) => {
  const text = rendered();
  for (const table of [PROBE_FLAGS, SERVE_FLAGS, ANALYZE_FLAGS, GLOBAL_FLAGS]) {
    for (const flag of Object.values(table)) t.match(text, `--${flag.name}`, `--${flag.name}`);
  }
  t.match(text, /\n {7}-p, --ports PORTS\n {14}ports and ranges: 22,443, 8000-8010, mixed; repeatable\. Default: 22,80,443\.\n/);
  t.match(text, /\n {7}--timeout MS\n {14}the longest wait .*\(srtt \+ 4 × rttvar, .*Default: 1000\.\n/);
  t.match(text, /\n {7}--format FORMAT\n {14}table, json, ndjson, junit, prometheus or markdown \(markdown: [^\n]*\n?[^\n]*Default: +table\.\n/);
  t.match(renderManPage(VERSION).replace(/\\-/g, '-'), /\n\.B --format FORMAT\ntable or json\. Default: table\.\n/, "analyze's --format");
  for (const [command] of EXAMPLES) t.match(text, command.replace('$0', 'ttl-probe'), command);
  for (const [code, meaning] of EXIT_CODES) t.match(text, new RegExp(`\\n {7}${code} +${meaning.replace(/[()]/g, '\\$&')}\\n`), `exit ${code}`);
  t.match(text, /^TTL-PROBE\(1\) +User Commands +TTL-PROBE\(1\)\n/);
  t.match(text, `ttl-probe ${VERSION}`);
});

t.test('roffText: nothing in a text can become a request or an escape', async (t) => {
  t.equal(roffText('.TH x'), '\\&.TH x');
  t.equal(roffText("'x"), "\\&'x");
  t.equal(roffText('a\\fBb'), 'a\\efBb');
  t.equal(roffText('--json "x"'), '\\-\\-json \\(dqx\\(dq');
  t.equal(roffText('use `--trace`'), 'use \\fB\\-\\-trace\\fR');
  t.equal(roffText('4 × 2'), '4 \\[u00D7] 2');
  t.equal(roffText('one\n.two'), 'one\n\\&.two');
});

t.test('man/ttl-probe.1 is the rendering of the tables (npm run build writes it)', async (t) => {
  t.equal(readFileSync(new URL('../../man/ttl-probe.1', import.meta.url), 'utf8'), page);
});
