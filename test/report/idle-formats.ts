// `ttl-probe idle --format junit|prometheus`: the idle record of each port in the CI and monitoring formats,
// checked with the tools that consume them (xmllint against our JUnit schema, promtool).
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { formatJunit } from '../../src/report/junit.js';
import { formatPrometheus } from '../../src/report/prometheus.js';
import type { IdleReport, IdleResult } from '../../src/model/idle.js';
import type { Report } from '../../src/model/report.js';
import { articleObservation, reportOf, runTool } from './fixtures.js';

const XSD = fileURLToPath(new URL('./junit.xsd', import.meta.url));

const cut: IdleResult = {
  maxIdleS: 600, resolutionS: 17.6, timeout: { minS: 349, maxS: 352.5 }, ends: 'rst',
  by: { answeredBy: 'middlebox', hop: 2, ttl: 63, address: '198.18.4.2' }, droppedAfter: null,
  unsolicited: [{ atS: 350.1, kind: 'rst', answeredBy: 'middlebox', hop: 2, ttl: 63, address: '198.18.4.2' }],
  survivedS: 349, connections: 90, consistent: true, explanation: 'after 349-352.5 s idle a device at hop 2 forgets the connection and answers with a RST',
  expectation: { minimumS: 600, met: false, seen: 'rst after 349-352.5 s idle' },
};
const survived: IdleResult = {
  maxIdleS: 600, resolutionS: null, timeout: null, ends: null, by: null, droppedAfter: null, unsolicited: [], survivedS: 600, connections: 43, consistent: true,
  explanation: 'every connection survived up to 10 min idle: no idle timeout up to --max-idle',
};

/** The article's target with idle records: 443 cut at 349-352.5 s (expected 600 s: failed), 22 none, 3306 not open with a failed expectation. */
function idleReport(): IdleReport {
  const base = reportOf([articleObservation]);
  return {
    ...base,
    targets: base.targets.map((target) => ({
      ...target,
      ports: target.ports.map((port) => {
        if (port.port === 443) return { ...port, idle: cut };
        if (port.port === 80) return { ...port, idle: survived };
        if (port.port === 3306) return { ...port, idle: null, idleExpectation: { minimumS: 300, met: false, seen: 'the port is not open: no connection to hold idle' } };
        return { ...port, idle: null };
      }),
    })),
  };
}

t.test('junit: a testcase per port; an unmet idle expectation is its failure; the finding in system-out', async (t) => {
  const xml = formatJunit(idleReport() as Report);
  t.match(xml, /<testsuite name="db1\.example \(198\.18\.4\.2\)" hostname="198\.18\.4\.2" tests="5" failures="2" errors="0" skipped="0">/);
  t.match(
    xml,
    /<testcase name="198\.18\.4\.2:443" classname="db1\.example">\n {6}<failure message="443: expected idle &gt;= 600 s, saw rst after 349-352\.5 s idle" type="idle-expectation">443: expected idle &gt;= 600 s, saw rst after 349-352\.5 s idle\nopen@host \(hop 4\)[^\n]*\nidle: after 349-352\.5 s idle a device at hop 2 forgets the connection and answers with a RST<\/failure>/,
  );
  t.match(xml, /<testcase name="198\.18\.4\.2:3306"[^>]*>\n {6}<failure message="3306: expected idle &gt;= 300 s, saw the port is not open: no connection to hold idle" type="idle-expectation">/);
  t.match(xml, /<testcase name="198\.18\.4\.2:80"[^>]*>\n {6}<system-out>closed@host \(hop 4\)[^\n]*\nidle: every connection survived up to 10 min idle/, 'no expectation: passes, its finding told');
  t.match(xml, /<testsuites name="ttl-probe" tests="5" failures="2" errors="0">/);
  const met = idleReport();
  met.targets[0]!.ports[2]!.idle = { ...cut, expectation: { minimumS: 300, met: true, seen: 'rst after 349-352.5 s idle' } };
  t.match(formatJunit(met as Report), /<system-out>[^<]*\n443: idle &gt;= 300 s as expected \(rst after 349-352\.5 s idle\)<\/system-out>/, 'a met idle expectation: told, not failed');
  const lint = runTool('xmllint', ['--noout', '--schema', XSD, '-'], xml, 'libxml2-utils');
  t.equal(lint.status, 0, `valid against the JUnit schema: ${lint.stderr}`);
});

t.test('prometheus: ttl_probe_idle_* series with the target, address and port labels', async (t) => {
  const text = formatPrometheus(idleReport() as Report);
  const base = 'target="db1.example",address="198.18.4.2"';
  const lines = [
    `ttl_probe_idle_max_idle_seconds{${base},port="443"} 600`,
    `ttl_probe_idle_timeout_min_seconds{${base},port="443"} 349`,
    `ttl_probe_idle_timeout_max_seconds{${base},port="443"} 352.5`,
    `ttl_probe_idle_ends{${base},port="443",ends="rst"} 1`,
    `ttl_probe_idle_ends{${base},port="443",ends="drop"} 0`,
    `ttl_probe_idle_ends{${base},port="443",ends="none"} 0`,
    `ttl_probe_idle_ends{${base},port="80",ends="none"} 1`,
    `ttl_probe_idle_ends{${base},port="80",ends="rst"} 0`,
    `ttl_probe_idle_by_hop{${base},port="443",answered_by="middlebox"} 2`,
    `ttl_probe_idle_unsolicited{${base},port="443",kind="rst"} 1`,
    `ttl_probe_idle_connections{${base},port="443"} 90`,
    `ttl_probe_idle_survived_seconds{${base},port="443"} 349`,
    `ttl_probe_idle_survived_seconds{${base},port="80"} 600`,
    `ttl_probe_idle_connections{${base},port="80"} 43`,
    `ttl_probe_idle_expectation_met{${base},port="443",minimum_seconds="600"} 0`,
    `ttl_probe_idle_expectation_met{${base},port="3306",minimum_seconds="300"} 0`,
    `ttl_probe_probe_success{${base}} 0`,
  ];
  for (const line of lines) t.ok(text.split('\n').includes(line), line);
  t.notMatch(text, /ttl_probe_idle_timeout_m(in|ax)_seconds\{[^}]*port="80"/, 'no timeout: no timeout series');
  t.notMatch(text, /ttl_probe_idle_\w+\{[^}]*port="22"/, 'a port without idle record: no idle series');
  const check = runTool('promtool', ['check', 'metrics'], text, 'prometheus');
  t.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
  const plain = formatPrometheus(reportOf([articleObservation]));
  t.notMatch(plain, /ttl_probe_idle_/, 'a probe report has no idle series');
});
