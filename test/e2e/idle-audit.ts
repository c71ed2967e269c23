// `ttl-probe idle --targets FILE` against real kernels: an audit file's expectIdle (and expect) measured
// and judged, in the JUnit and Prometheus formats CI and monitoring read (checked with xmllint and promtool).
import t from 'tap';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idleFirewall } from '../../scripts/lab/topologies.js';
import { assertLabAvailable } from '../helpers/lab-probe.js';
import { runIdleCli, withIdleLab } from '../helpers/idle-lab.js';
import { runTool } from '../report/fixtures.js';
import { CLI } from '../helpers/lab-probe.js';
import type { IdleReport } from '../../src/model/idle.js';
import { validateReport } from '../report/validate.js';

if (assertLabAvailable(t)) {
  // Readable by the user the prober becomes (nobody) once its sockets are open.
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-idle-audit-'));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o644 });
    return path;
  };

  t.test('an audit file: expectIdle measured (a firewall cuts at 4 s), expect checked; junit, prometheus, json; the probe command only notes it', async (t) => {
    const topology = idleFirewall('rst', 4);
    await withIdleLab(topology, [[443, 0]], async (lab, server) => {
      const failing = file('audit.yaml', ['targets:', `  - host: ${topology.target}`, '    ports: 80,443', '    expect: { "80": closed@host }', '    expectIdle: { "443": 8s }', ''].join('\n'));
      const junit = await runIdleCli(lab, ['--targets', failing, '--format', 'junit']);
      t.equal(junit.code, 1, `the path cuts sooner than 8 s: exit 1 ${junit.stderr}`);
      t.match(junit.stdout, /<testsuite name="198\.18\.4\.2" hostname="198\.18\.4\.2" tests="2" failures="1" errors="0" skipped="0">/);
      t.match(junit.stdout, /<testcase name="198\.18\.4\.2:443" classname="198\.18\.4\.2">\n {6}<failure message="443: expected idle &gt;= 8 s, saw rst after [\d.]+-[\d.]+ s idle" type="idle-expectation">/);
      t.match(junit.stdout, /<testcase name="198\.18\.4\.2:80"[^>]*>\n {6}<system-out>closed@host \(hop 4\)[^<]*\n80: closed@host \(hop 4\) as expected<\/system-out>/, 'the file\'s expect holds: a passing testcase');
      t.equal(runTool('xmllint', ['--noout', '-'], junit.stdout, 'libxml2-utils').status, 0, 'well-formed XML (xmllint)');

      const metrics = await runIdleCli(lab, ['--targets', failing, '--format', 'prometheus']);
      t.equal(metrics.code, 1, metrics.stderr);
      const lines = metrics.stdout.split('\n');
      const base = 'target="198.18.4.2",address="198.18.4.2",port="443"';
      t.ok(lines.includes(`ttl_probe_idle_ends{${base},ends="rst"} 1`), 'ends rst');
      t.ok(lines.includes(`ttl_probe_idle_by_hop{${base},answered_by="middlebox"} 2`), 'by the middlebox at hop 2');
      t.ok(lines.includes(`ttl_probe_idle_expectation_met{${base},minimum_seconds="8"} 0`), 'the expectation failed');
      t.ok(lines.includes('ttl_probe_probe_success{target="198.18.4.2",address="198.18.4.2"} 0'));
      const max = Number(lines.find((line) => line.startsWith(`ttl_probe_idle_timeout_max_seconds{${base}}`))?.split(' ')[1]);
      t.ok(max >= 3.8 && max < 5.2, `timeout max holds 4 s: ${max}`);
      const check = runTool('promtool', ['check', 'metrics'], metrics.stdout, 'prometheus');
      t.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);

      const passing = file('audit.json', JSON.stringify({ targets: [{ host: topology.target, expect: { 443: 'open@host' }, expectIdle: { 443: '3s' } }] }));
      const json = await runIdleCli(lab, ['--targets', passing, '--json']);
      t.equal(json.code, 0, `the path keeps 3 s: exit 0 ${json.stderr}`);
      t.same(validateReport(json.report), [], 'the report validates against the published schema');
      t.match((json.report as IdleReport).targets[0]?.expectations, [{ port: 443, met: true, message: '443: open@host (hop 4) as expected' }], 'the file\'s expect, as targets[].expectations');
      const port = (json.report as IdleReport).targets[0]?.ports.find((p) => p.port === 443);
      t.same(port?.idle?.expectation, { minimumS: 3, met: true, seen: 'survived 3 s idle' });
      t.equal(port?.idle?.maxIdleS, 3, 'without --max-idle the file\'s longest expectIdle is the longest idle tried');
      t.same((json.report as IdleReport).targets[0]?.ports.map((p) => p.port), [443], 'no ports: the expected one');

      const tooLong = await runIdleCli(lab, ['--targets', failing, '--max-idle', '5s']);
      t.equal(tooLong.code, 2);
      t.equal(tooLong.stderr, `ttl-probe: ${failing}: targets[0].expectIdle.443: asks for 8 s, longer than --max-idle (5 s) (see ttl-probe --help)\n`);

      const probe = await lab.execInClient(process.execPath, [CLI, '--targets', failing], { timeoutMs: 60_000 });
      t.equal(probe.code, 0, 'the probe command checks the file\'s expect (met) and not its expectIdle');
      t.match(probe.stderr, `ttl-probe: note: ${failing}: 1 expectIdle expectation(s) are checked by \`ttl-probe idle --targets ${failing}\`, not by this probe`);
      t.equal(server.bytes().get(443) ?? 0, 0, 'the server received no byte');
    });
  });
}
