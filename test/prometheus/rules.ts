// The shipped rules file (prometheus/ttl-probe-rules.yml): valid for promtool, its unit tests pass,
// a broken rule makes them fail, and every series and label it uses is one the exporter writes.
import t from 'tap';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPrometheus, withConstantLabels } from '../../src/report/prometheus.js';
import { multiReport, runTool } from '../report/fixtures.js';

const RULES = fileURLToPath(new URL('../../prometheus/ttl-probe-rules.yml', import.meta.url));
const TESTS = fileURLToPath(new URL('../../prometheus/ttl-probe-rules.test.yml', import.meta.url));

function promtool(args: string[]): { ok: boolean; output: string } {
  const run = runTool('promtool', args, '', 'prometheus');
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

t.test('promtool check rules and promtool test rules', async (t) => {
  const check = promtool(['check', 'rules', RULES]);
  t.ok(check.ok, check.output);
  t.match(check.output, /SUCCESS: 6 rules found/);
  const tested = promtool(['test', 'rules', TESTS]);
  t.ok(tested.ok, tested.output);
});

t.test('the unit tests catch a broken alert', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-rules-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(TESTS, join(dir, 'ttl-probe-rules.test.yml'));
  const rules = readFileSync(RULES, 'utf8');
  const broken = rules.replace('changes(ttl_probe_port_hop[30m]) > 0', 'changes(ttl_probe_port_hop[30m]) > 1');
  t.not(broken, rules, 'the rule to break is there');
  writeFileSync(join(dir, 'ttl-probe-rules.yml'), broken);
  const tested = promtool(['test', 'rules', join(dir, 'ttl-probe-rules.test.yml')]);
  t.notOk(tested.ok, 'promtool test rules fails');
  t.match(tested.output, /TtlProbeResponderHopChanged/);
});

t.test('the rules use only series and labels the exporter writes', async (t) => {
  const exposition = withConstantLabels(formatPrometheus(multiReport()), [['vantage', 'a']]);
  const written = new Set(exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => /^[a-z_:]+/.exec(line)![0]));
  const labels = new Set([...exposition.matchAll(/[{,]([a-z_]+)="/g)].map((match) => match[1]!));
  const rules = readFileSync(RULES, 'utf8');
  const used = new Set([...rules.matchAll(/\b(ttl_probe_[a-z_]+)\b/g)].map((match) => match[1]!));
  t.ok(used.size >= 2);
  for (const name of used) t.ok(written.has(name), `${name} is written`);
  const usedLabels = new Set([...rules.matchAll(/\$labels\.([a-z_]+)|by \(([a-z_, ]+)\)|\{([a-z_]+)=/g)].flatMap((match) => (match[1] ?? match[3] ?? match[2]!).split(',').map((name) => name.trim())));
  for (const name of usedLabels) t.ok(labels.has(name), `label ${name} is written`);
});
