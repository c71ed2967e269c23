import t from 'tap';
import { parseAllowList } from '../../src/serve/allow.js';
import { createExporterMetrics } from '../../src/serve/metrics.js';
import { answerProbe, probeRequestOf, probeResultOf, type ProbeAnswerContext } from '../../src/serve/probe-answer.js';
import { probeReport, type ProbeRequest } from '../../src/run/probe.js';
import { shareTransport } from '../../src/transport/shared.js';
import type { Transport } from '../../src/transport/transport.js';
import { fakeTransport } from '../helpers/fake-network.js';

const settings = { echoCount: 1, tries: 1, timeoutMs: 200, rate: 10_000, maxHops: 8 };

function context(overrides: Partial<ProbeAnswerContext> = {}) {
  const shared = shareTransport(fakeTransport([{ address: '198.18.4.2', echoTtl: 61, ports: { 22: { reply: 'rst', ttl: 63 } } }]));
  const runs: ProbeRequest[] = [];
  const logs: string[] = [];
  const metrics = createExporterMetrics({ maxConcurrent: 1, version: 't', startTimeSeconds: 0 });
  const value: ProbeAnswerContext = {
    allow: parseAllowList(['198.18.0.0/15']),
    probe: settings,
    probeTimeoutMs: 1000,
    transport: shared,
    resolver: async (name) => (name === 'outside.example' ? [{ address: '192.0.2.1', family: 4 }] : []),
    runProbe: (transport: Transport, request: ProbeRequest) => {
      runs.push(request);
      return probeReport(transport, request);
    },
    metrics,
    log: (line) => logs.push(line),
    ...overrides,
  };
  return { value, shared, runs, logs, metrics };
}

const query = (target: string) => ({ target, ports: [22], trace: false });

t.test('a probe in the allowed range: an exposition, the lease closed, counted completed', async (t) => {
  const c = context();
  const answer = await answerProbe(c.value, query('198.18.4.2'), new AbortController().signal);
  t.equal(answer.code, 200);
  t.match(answer.body, /ttl_probe_port_answered_by\{target="198.18.4.2",address="198.18.4.2",port="22",answered_by="middlebox"\} 1/);
  t.equal(c.shared.leases, 0);
  t.equal(c.metrics.probesStarted, 1);
  t.match(c.metrics.format(), /ttl_probe_exporter_probes_total\{result="completed"\} 1/);
});

t.test('refused before any probe: outside the allow-list (after resolution), a name that does not resolve', async (t) => {
  const c = context();
  const outside = await answerProbe(c.value, query('outside.example'), new AbortController().signal);
  t.equal(outside.code, 403);
  t.match(outside.body, /192\.0\.2\.1/, 'the refusal names the address it resolved to');
  const unknown = await answerProbe(c.value, query('nowhere.example'), new AbortController().signal);
  t.equal(unknown.code, 400);
  t.same(c.runs, [], 'nothing probed');
  t.equal(c.metrics.probesStarted, 0);
});

t.test('aborted before the probe starts: answered by the reason, nothing probed', async (t) => {
  const c = context();
  const controller = new AbortController();
  controller.abort('shutdown');
  t.equal((await answerProbe(c.value, query('198.18.4.2'), controller.signal)).code, 503);
  t.same(c.runs, []);
});

t.test('aborted during the probe: 504 for the time bound, counted timeout', async (t) => {
  const controller = new AbortController();
  const c = context({
    runProbe: async (transport, request) => {
      controller.abort('timeout');
      return probeReport(transport, { ...request, echoCount: 0 });
    },
  });
  const answer = await answerProbe(c.value, query('198.18.4.2'), controller.signal);
  t.equal(answer.code, 504);
  t.match(c.metrics.format(), /ttl_probe_exporter_probes_total\{result="timeout"\} 1/);
  t.equal(c.shared.leases, 0);
});

t.test('a probe that throws: 500 with the first line, logged, counted error, lease closed', async (t) => {
  const c = context({
    runProbe: async () => {
      throw new Error('send EPERM\nstack');
    },
  });
  const answer = await answerProbe(c.value, query('198.18.4.2'), new AbortController().signal);
  t.same(answer, { code: 500, body: 'probe failed: send EPERM\n', headers: {} });
  t.same(c.logs, ['probe of 198.18.4.2 failed: send EPERM']);
  t.match(c.metrics.format(), /ttl_probe_exporter_probes_total\{result="error"\} 1/);
  t.equal(c.shared.leases, 0);
});

t.test('the probe request carries the settings, the query and the signal', async (t) => {
  const signal = new AbortController().signal;
  t.same(probeRequestOf({ target: 'db1', address: '198.18.4.2', family: 4 }, { target: 'db1', ports: [22, 443], trace: true }, settings, signal), {
    targets: [{ target: 'db1', address: '198.18.4.2', family: 4 }],
    ports: [22, 443],
    echoCount: 1,
    tries: 1,
    timeoutMs: 200,
    rate: 10_000,
    trace: true,
    maxHops: 8,
    signal,
  });
  const aborted = (reason: unknown) => {
    const controller = new AbortController();
    controller.abort(reason);
    return controller.signal;
  };
  t.equal(probeResultOf(signal), 'completed');
  t.equal(probeResultOf(aborted('timeout')), 'timeout');
  t.equal(probeResultOf(aborted('client')), 'aborted');
  t.equal(probeResultOf(aborted('shutdown')), 'aborted');
});
