import t from 'tap';
import { evaluateReport } from '../../src/expect/evaluate.js';
import { parseExpectations } from '../../src/expect/expectation.js';
import { escapeHelp, escapeLabelValue, formatPrometheus, withConstantLabels } from '../../src/report/prometheus.js';
import { articleObservation, HOSTILE_NAME, hostileReport, multiReport, reportOf, runTool, tracedReport } from './fixtures.js';

/** promtool's verdict on an exposition: parse errors and lint problems both fail. */
function promtool(text: string): { ok: boolean; output: string } {
  const run = runTool('promtool', ['check', 'metrics'], text, 'prometheus');
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const one = reportOf([{ ...articleObservation, ignored: 0, ports: articleObservation.ports.filter((port) => port.port === 22) }]);

t.test('the exposition of one port, exactly', async (t) => {
  const results = evaluateReport(one, parseExpectations('22=closed@host'));
  t.equal(
    formatPrometheus(one, results, { durationSeconds: 1.5 }),
    [
      '# HELP ttl_probe_probe_success Whether the probe of the target completed with a verdict for every port and every expectation held (1) or not (0).',
      '# TYPE ttl_probe_probe_success gauge',
      'ttl_probe_probe_success{target="db1.example",address="198.18.4.2"} 0',
      '# HELP ttl_probe_probe_duration_seconds How long the probe run took.',
      '# TYPE ttl_probe_probe_duration_seconds gauge',
      'ttl_probe_probe_duration_seconds 1.5',
      '# HELP ttl_probe_echo_replies ICMP echo replies received from the target.',
      '# TYPE ttl_probe_echo_replies gauge',
      'ttl_probe_echo_replies{target="db1.example",address="198.18.4.2"} 3',
      '# HELP ttl_probe_echo_requests ICMP echo requests sent to the target.',
      '# TYPE ttl_probe_echo_requests gauge',
      'ttl_probe_echo_requests{target="db1.example",address="198.18.4.2"} 3',
      '# HELP ttl_probe_echo_ttl TTL of the echo replies as received (the most common value).',
      '# TYPE ttl_probe_echo_ttl gauge',
      'ttl_probe_echo_ttl{target="db1.example",address="198.18.4.2"} 61',
      '# HELP ttl_probe_echo_distance Routers the echo replies crossed on the way back (initial TTL - received TTL).',
      '# TYPE ttl_probe_echo_distance gauge',
      'ttl_probe_echo_distance{target="db1.example",address="198.18.4.2"} 3',
      '# HELP ttl_probe_echo_rtt_seconds Median round-trip time of the echo replies.',
      '# TYPE ttl_probe_echo_rtt_seconds gauge',
      'ttl_probe_echo_rtt_seconds{target="db1.example",address="198.18.4.2"} 0.0003',
      '# HELP ttl_probe_host_hop Traceroute hop of the target host, from the reference replies (label source: echo, syn-ack or rst).',
      '# TYPE ttl_probe_host_hop gauge',
      'ttl_probe_host_hop{target="db1.example",address="198.18.4.2",source="echo"} 4',
      '# HELP ttl_probe_ignored_packets Replies that failed validation (not ours, or forged) and were not used.',
      '# TYPE ttl_probe_ignored_packets gauge',
      'ttl_probe_ignored_packets{target="db1.example",address="198.18.4.2"} 0',
      '# HELP ttl_probe_port_state State of the port as a state set: 1 for the state seen (open, closed, unreachable, filtered), 0 for the others.',
      '# TYPE ttl_probe_port_state gauge',
      'ttl_probe_port_state{target="db1.example",address="198.18.4.2",port="22",state="open"} 0',
      'ttl_probe_port_state{target="db1.example",address="198.18.4.2",port="22",state="closed"} 1',
      'ttl_probe_port_state{target="db1.example",address="198.18.4.2",port="22",state="unreachable"} 0',
      'ttl_probe_port_state{target="db1.example",address="198.18.4.2",port="22",state="filtered"} 0',
      '# HELP ttl_probe_port_answered_by Who answered the SYN to the port as a state set: 1 for host, middlebox (a device on the path), beyond (past the host), unknown or none (no reply), 0 for the others.',
      '# TYPE ttl_probe_port_answered_by gauge',
      'ttl_probe_port_answered_by{target="db1.example",address="198.18.4.2",port="22",answered_by="host"} 0',
      'ttl_probe_port_answered_by{target="db1.example",address="198.18.4.2",port="22",answered_by="middlebox"} 1',
      'ttl_probe_port_answered_by{target="db1.example",address="198.18.4.2",port="22",answered_by="beyond"} 0',
      'ttl_probe_port_answered_by{target="db1.example",address="198.18.4.2",port="22",answered_by="unknown"} 0',
      'ttl_probe_port_answered_by{target="db1.example",address="198.18.4.2",port="22",answered_by="none"} 0',
      '# HELP ttl_probe_port_hop Traceroute hop of the device that answered the port (reply distance + 1).',
      '# TYPE ttl_probe_port_hop gauge',
      'ttl_probe_port_hop{target="db1.example",address="198.18.4.2",port="22"} 2',
      '# HELP ttl_probe_port_tries SYNs sent to the port.',
      '# TYPE ttl_probe_port_tries gauge',
      'ttl_probe_port_tries{target="db1.example",address="198.18.4.2",port="22"} 1',
      '# HELP ttl_probe_reply_ttl TTL of the reply to the port as received.',
      '# TYPE ttl_probe_reply_ttl gauge',
      'ttl_probe_reply_ttl{target="db1.example",address="198.18.4.2",port="22",kind="rst",from="198.18.4.2"} 63',
      '# HELP ttl_probe_reply_initial_ttl Initial TTL the reply most likely left its sender with (32, 64, 128 or 255).',
      '# TYPE ttl_probe_reply_initial_ttl gauge',
      'ttl_probe_reply_initial_ttl{target="db1.example",address="198.18.4.2",port="22",kind="rst",from="198.18.4.2"} 64',
      '# HELP ttl_probe_reply_distance Routers the reply crossed on the way back (initial TTL - received TTL).',
      '# TYPE ttl_probe_reply_distance gauge',
      'ttl_probe_reply_distance{target="db1.example",address="198.18.4.2",port="22",kind="rst",from="198.18.4.2"} 1',
      '# HELP ttl_probe_reply_rtt_seconds Round-trip time of the reply to the port.',
      '# TYPE ttl_probe_reply_rtt_seconds gauge',
      'ttl_probe_reply_rtt_seconds{target="db1.example",address="198.18.4.2",port="22",kind="rst",from="198.18.4.2"} 0.0001',
      '# HELP ttl_probe_expectation_met Whether the expectation on the port (label expected: STATE[@BY]) held (1) or not (0).',
      '# TYPE ttl_probe_expectation_met gauge',
      'ttl_probe_expectation_met{target="db1.example",address="198.18.4.2",port="22",expected="closed@host"} 0',
      '',
    ].join('\n'),
  );
});

/** The samples of one metric family, as "labels value" strings. */
function samples(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => line.slice(name.length));
}

t.test('state sets: exactly one 1 per port', async (t) => {
  const report = multiReport();
  const text = formatPrometheus(report);
  for (const target of report.targets) {
    for (const port of target.ports) {
      const prefix = `{target="${target.target}",address="${target.address}",port="${port.port}",`;
      const states = samples(text, 'ttl_probe_port_state').filter((line) => line.startsWith(prefix));
      t.equal(states.length, 4, `${target.target}:${port.port} has all four states`);
      t.same(states.filter((line) => line.endsWith(' 1')), [`${prefix}state="${port.state}"} 1`]);
      const answerers = samples(text, 'ttl_probe_port_answered_by').filter((line) => line.startsWith(prefix));
      t.equal(answerers.length, 5);
      t.same(answerers.filter((line) => line.endsWith(' 1')), [`${prefix}answered_by="${port.answeredBy}"} 1`]);
    }
  }
  t.same(samples(text, 'ttl_probe_port_hop').filter((line) => line.includes('198.18.6.2')), ['{target="198.18.6.2",address="198.18.6.2",port="443"} 3'], 'no hop sample without a reply');
  t.same(samples(text, 'ttl_probe_probe_success').map((line) => line.slice(-1)), ['1', '1', '0'], 'the interrupted target failed');
  t.same(samples(text, 'ttl_probe_echo_distance').length, 1, 'no echo distance without echo replies');
  t.same(samples(text, 'ttl_probe_probe_duration_seconds'), [], 'no duration unless measured');
  t.notMatch(text, /^# TYPE ttl_probe_expectation_met/m, 'no family without samples');
});

t.test('every family appears once, its samples together', async (t) => {
  const text = formatPrometheus(multiReport(), evaluateReport(multiReport(), parseExpectations('22=closed@middlebox,443=open@host')));
  const names = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => /^[a-z_]+/.exec(line)![0]);
  const runs = names.filter((name, i) => i === 0 || names[i - 1] !== name);
  t.same(runs, [...new Set(runs)], 'no family is split');
  for (const name of new Set(names)) {
    t.equal(text.split(`# TYPE ${name} gauge\n`).length, 2, `${name}: one TYPE line`);
    t.ok(name.startsWith('ttl_probe_'), `${name}: prefixed`);
  }
  t.same(samples(text, 'ttl_probe_expectation_met'), [
    '{target="db1.example",address="198.18.4.2",port="22",expected="closed@middlebox"} 1',
    '{target="db1.example",address="198.18.4.2",port="443",expected="open@host"} 1',
    '{target="198.18.6.2",address="198.18.6.2",port="22",expected="closed@middlebox"} 0',
    '{target="198.18.6.2",address="198.18.6.2",port="443",expected="open@host"} 1',
    '{target="198.18.8.2",address="198.18.8.2",port="22",expected="closed@middlebox"} 0',
    '{target="198.18.8.2",address="198.18.8.2",port="443",expected="open@host"} 0',
  ]);
  t.same(samples(text, 'ttl_probe_probe_success').map((line) => line.slice(-1)), ['1', '0', '0']);
});

t.test('--trace findings', async (t) => {
  const text = formatPrometheus(tracedReport());
  t.same(samples(text, 'ttl_probe_port_responder_confirmed'), [
    '{target="db1.example",address="198.18.4.2",port="22"} 1',
    '{target="db1.example",address="198.18.4.2",port="80"} 1',
    '{target="db1.example",address="198.18.4.2",port="443"} 0',
    '{target="db1.example",address="198.18.4.2",port="3306"} 1',
  ]);
  t.same(samples(text, 'ttl_probe_port_dropped_after_hop'), ['{target="db1.example",address="198.18.4.2",port="8080"} 3']);
  t.same(samples(formatPrometheus(multiReport()), 'ttl_probe_port_dropped_after_hop'), [], 'absent without --trace');
  t.same(samples(text, 'ttl_probe_path_change'), [
    '{target="db1.example",address="198.18.4.2",field="tcp.mss",after_hop="1"} 1',
    '{target="db1.example",address="198.18.4.2",field="tcp.options",after_hop="1"} 1',
    '{target="db1.example",address="198.18.4.2",field="ip.dscp",after_hop="3"} 1',
  ], 'a series per change');
  t.same(samples(formatPrometheus(multiReport()), 'ttl_probe_path_change'), [], 'absent without --trace');
  const rewritten = tracedReport();
  rewritten.targets[0]!.ttlRewrite = { hop: 2, address: '198.18.2.2', direction: 'unknown', undermined: [80, 443], explanation: 'x' };
  const rewrittenText = formatPrometheus(rewritten);
  t.same(samples(rewrittenText, 'ttl_probe_ttl_rewrite_hop'), ['{target="db1.example",address="198.18.4.2",direction="unknown"} 2']);
  t.same(samples(rewrittenText, 'ttl_probe_port_undermined'), [
    '{target="db1.example",address="198.18.4.2",port="80"} 1',
    '{target="db1.example",address="198.18.4.2",port="443"} 1',
  ]);
});

t.test('escaping per the text format', async (t) => {
  t.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  t.equal(escapeHelp('a"b\\c\nd'), 'a"b\\\\c\\nd');
  const text = formatPrometheus(hostileReport());
  t.match(text, `ttl_probe_probe_success{target="a\\"b\\\\c\\nd<e>&f'g]]>h\u0001i",address="198.18.4.2"} 1\n`);
  t.equal(text.split('\n').filter((line) => line.includes(HOSTILE_NAME)).length, 0, 'no raw newline or quote in a label');
});

t.test('promtool check metrics accepts every output', async (t) => {
  const cases: [string, string][] = [
    ['one port with an expectation and a duration', formatPrometheus(one, evaluateReport(one, parseExpectations('22=closed@host')), { durationSeconds: 0.25 })],
    ['several targets, interrupted, expectations', formatPrometheus(multiReport(), evaluateReport(multiReport(), parseExpectations('22=closed@middlebox,443=open@host,25=unreachable')))],
    ['--trace findings', formatPrometheus(tracedReport())],
    ['a hostile target name', formatPrometheus(hostileReport(), evaluateReport(hostileReport(), parseExpectations('22=closed@middlebox')))],
  ];
  for (const [name, text] of cases) {
    const check = promtool(text);
    t.ok(check.ok, name, { output: check.output });
  }
});

t.test('promtool runs and can fail (so the check above means something)', async (t) => {
  t.notOk(promtool('# TYPE x gauge\nx{a="b"c"} 1\n').ok, 'a bad label value');
  t.notOk(promtool('ttl_probe_things_total 1\n').ok, 'no HELP');
  t.equal(formatPrometheus(reportOf([])), '', 'an empty report gives an empty exposition');
  t.ok(promtool('').ok, 'which promtool accepts');
});

t.test('constant labels (the exporter\'s --vantage) go first on every sample, comments untouched', async (t) => {
  const text = '# HELP a_b x\n# TYPE a_b gauge\na_b 1\na_b{} 2\nc{port="22",x="y"} 3\n';
  t.equal(withConstantLabels(text, [['vantage', 'dc-1']]), '# HELP a_b x\n# TYPE a_b gauge\na_b{vantage="dc-1"} 1\na_b{vantage="dc-1"} 2\nc{vantage="dc-1",port="22",x="y"} 3\n');
  t.equal(withConstantLabels(text, []), text, 'no labels: unchanged');
  t.equal(withConstantLabels('m 1\n', [['v', 'a"b\\c\nd']]), 'm{v="a\\"b\\\\c\\nd"} 1\n', 'values escaped');
  t.throws(() => withConstantLabels(text, [['__name__', 'x']]), new TypeError('invalid label name "__name__"'));
  const labelled = withConstantLabels(formatPrometheus(multiReport(), [], { durationSeconds: 1 }), [['vantage', 'a']]);
  const check = promtool(labelled);
  t.ok(check.ok, check.output);
  t.ok(labelled.split('\n').filter((line) => line !== '' && !line.startsWith('#')).every((line) => /^[a-z_]+\{vantage="a"/.test(line)), 'every sample carries it');
});
