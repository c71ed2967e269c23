import { fileURLToPath } from 'node:url';
import t from 'tap';
import { evaluateReport } from '../../src/expect/evaluate.js';
import { parseExpectations } from '../../src/expect/expectation.js';
import { escapeXmlAttribute, escapeXmlText, formatJunit } from '../../src/report/junit.js';
import { articleObservation, hostileReport, multiReport, reportOf, runTool, tracedReport } from './fixtures.js';

const XSD = fileURLToPath(new URL('./junit.xsd', import.meta.url));

/** xmllint's verdict: well-formed (and valid against our JUnit schema when `schema`). */
function xmllint(xml: string, schema: boolean): { ok: boolean; output: string } {
  const args = schema ? ['--noout', '--schema', XSD, '-'] : ['--noout', '-'];
  const run = runTool('xmllint', args, xml, 'libxml2-utils');
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const small = reportOf([{ ...articleObservation, ports: articleObservation.ports.filter((port) => port.port === 22 || port.port === 443) }]);

t.test('one testsuite per target, one testcase per port, a failure per unmet expectation', async (t) => {
  const results = evaluateReport(small, parseExpectations('22=closed@host,443=open@host'));
  t.equal(
    formatJunit(small, results),
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="ttl-probe" tests="2" failures="1" errors="0">',
      '  <testsuite name="db1.example (198.18.4.2)" hostname="198.18.4.2" tests="2" failures="1" errors="0" skipped="0">',
      '    <properties>',
      '      <property name="address" value="198.18.4.2"/>',
      '      <property name="reference" value="echo"/>',
      '      <property name="host.hop" value="4"/>',
      '      <property name="echo.replies" value="3/3"/>',
      '      <property name="ignored" value="2"/>',
      '    </properties>',
      '    <testcase name="198.18.4.2:22" classname="db1.example">',
      '      <failure message="22: expected closed@host, saw closed@middlebox (hop 2)" type="expectation">22: expected closed@host, saw closed@middlebox (hop 2)',
      'closed@middlebox (hop 2): RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered</failure>',
      '      <system-out>closed@middlebox (hop 2): RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered</system-out>',
      '    </testcase>',
      '    <testcase name="198.18.4.2:443" classname="db1.example">',
      '      <system-out>open@host (hop 4)',
      '443: open@host (hop 4) as expected</system-out>',
      '    </testcase>',
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n'),
  );
});

t.test('several targets: unprobed and interrupted ports', async (t) => {
  const report = multiReport();
  const results = evaluateReport(report, (target) => (target.address === '198.18.8.2' ? parseExpectations('443=open') : []));
  const xml = formatJunit(report, results);
  t.match(xml, '<testsuites name="ttl-probe" tests="10" failures="1" errors="0">');
  t.match(xml, '<testsuite name="198.18.8.2" hostname="198.18.8.2" tests="3" failures="1" errors="0" skipped="1">');
  t.match(xml, '<testcase name="198.18.8.2:22" classname="198.18.8.2">\n      <skipped message="interrupted before a verdict"/>\n    </testcase>');
  t.match(xml, '<testcase name="198.18.8.2:443" classname="198.18.8.2">\n      <failure message="443: expected open, but port 443 was not probed" type="expectation">443: expected open, but port 443 was not probed</failure>\n    </testcase>');
  t.equal((xml.match(/<testcase /g) ?? []).length, 10);
  t.equal((xml.match(/<testsuite /g) ?? []).length, 3);
  const lint = xmllint(xml, true);
  t.ok(lint.ok, 'xmllint: well-formed and valid against the JUnit schema', { output: lint.output });
});

t.test('escaping', async (t) => {
  t.equal(escapeXmlText('a<b>&c"d\'e'), 'a&lt;b&gt;&amp;c"d\'e');
  t.equal(escapeXmlAttribute('a<b>&c"d\'e\tf\ng\rh'), 'a&lt;b&gt;&amp;c&quot;d&apos;e&#9;f&#10;g&#13;h');
  t.equal(escapeXmlText('x\u0000y\u0001z\u001f\uFFFEw\uD800v\u{1F600}'), 'x\uFFFDy\uFFFDz\uFFFD\uFFFDw\uFFFDv\u{1F600}', 'characters XML cannot carry');
  const xml = formatJunit(hostileReport(), evaluateReport(hostileReport(), parseExpectations('22=open')));
  t.match(xml, '<testsuite name="a&quot;b\\c&#10;d&lt;e&gt;&amp;f&apos;g]]&gt;h\uFFFDi (198.18.4.2)"');
  t.match(xml, 'classname="a&quot;b\\c&#10;d&lt;e&gt;&amp;f&apos;g]]&gt;h\uFFFDi"');
  for (const schema of [false, true]) {
    const lint = xmllint(xml, schema);
    t.ok(lint.ok, `xmllint ${schema ? 'with the schema' : 'well-formedness'}: a hostile target name`, { output: lint.output });
  }
});

t.test('xmllint runs and can fail (so the checks above mean something)', async (t) => {
  t.notOk(xmllint('<testsuites><testsuite name="a&b"/></testsuites>', false).ok, 'a bare & is not well-formed');
  t.notOk(xmllint('<testsuites name="x" tests="1" failures="0" errors="0"><testcase name="a" classname="b"/></testsuites>', true).ok, 'a testcase outside a testsuite is invalid');
  t.ok(xmllint(formatJunit(reportOf([])), true).ok, 'an empty report');
  t.equal(formatJunit(reportOf([])), '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ttl-probe" tests="0" failures="0" errors="0"/>\n');
});

t.test('--trace findings go to system-out', async (t) => {
  const xml = formatJunit(tracedReport());
  t.match(xml, '<system-out>closed@middlebox (hop 2): RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered\ntrace: answered at hop 2, confirmed</system-out>');
  t.match(xml, '\ntrace: dropped after hop 3 (198.18.3.1), confirmed</system-out>');
  t.match(xml, 'open@host (hop 4)\ntrace: answered at hop 4 (198.18.4.2), not confirmed</system-out>');
});

t.test('every fixture passes xmllint', async (t) => {
  for (const [name, report] of [['article', small], ['multi', multiReport()], ['hostile', hostileReport()], ['traced', tracedReport()]] as const) {
    const xml = formatJunit(report, evaluateReport(report, parseExpectations('22=closed@middlebox,443=open@host,8080=filtered')));
    const lint = xmllint(xml, true);
    t.ok(lint.ok, name, { output: lint.output });
  }
});
