import { spawnSync } from 'node:child_process';
import t from 'tap';
import { createExporterMetrics } from '../../src/serve/metrics.js';

/** promtool's verdict; a missing promtool fails the test (CI installs Debian's prometheus). */
function promtool(text: string): { ok: boolean; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw new Error((run.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'promtool is not installed: apt-get install prometheus' : run.error.message);
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

t.test('a fresh exporter: every family present, counts at 0', async (t) => {
  const metrics = createExporterMetrics({ maxConcurrent: 4, version: '0.1.0', startTimeSeconds: 1700000000 });
  const text = metrics.format();
  t.equal(sample(text, 'ttl_probe_exporter_build_info{version="0.1.0"}'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_start_time_seconds'), 1700000000);
  t.equal(sample(text, 'ttl_probe_exporter_requests_total{path="/probe",code="200"}'), 0);
  t.equal(sample(text, 'ttl_probe_exporter_requests_total{path="/metrics",code="200"}'), 0);
  for (const result of ['completed', 'timeout', 'aborted', 'error']) t.equal(sample(text, `ttl_probe_exporter_probes_total{result="${result}"}`), 0, result);
  t.equal(sample(text, 'ttl_probe_exporter_probes_started_total'), 0);
  t.equal(sample(text, 'ttl_probe_exporter_probes_in_flight'), 0);
  t.equal(sample(text, 'ttl_probe_exporter_max_concurrent_probes'), 4);
  t.equal(sample(text, 'ttl_probe_exporter_probe_duration_seconds_count'), 0);
  t.ok(text.endsWith('\n'));
  const check = promtool(text);
  t.ok(check.ok, check.output);
});

t.test('requests by path and code, probes by result, a cumulative histogram', async (t) => {
  const metrics = createExporterMetrics({ maxConcurrent: 2, version: '0.1.0', startTimeSeconds: 1 });
  metrics.countRequest('/probe', 200);
  metrics.countRequest('/probe', 200);
  metrics.countRequest('/probe', 403);
  metrics.countRequest('/metrics', 200);
  metrics.countRequest('/wp-login.php', 404);
  metrics.countRequest('/etc/passwd', 404);
  metrics.probeStarted();
  metrics.probeStarted();
  metrics.probeStarted();
  t.equal(metrics.inFlight, 3);
  metrics.probeFinished('completed', 0.003);
  metrics.probeFinished('timeout', 60);
  t.equal(metrics.inFlight, 1);
  t.equal(metrics.probesStarted, 3);
  const text = metrics.format();
  t.equal(sample(text, 'ttl_probe_exporter_requests_total{path="/probe",code="200"}'), 2);
  t.equal(sample(text, 'ttl_probe_exporter_requests_total{path="/probe",code="403"}'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_requests_total{path="/metrics",code="200"}'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_requests_total{path="other",code="404"}'), 2, 'unknown paths share one series');
  t.notMatch(text, /passwd|wp-login/, 'no client-chosen label values');
  t.equal(sample(text, 'ttl_probe_exporter_probes_total{result="completed"}'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_probes_total{result="timeout"}'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_probes_started_total'), 3);
  t.equal(sample(text, 'ttl_probe_exporter_probes_in_flight'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_probe_duration_seconds_bucket{le="0.01"}'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_probe_duration_seconds_bucket{le="30"}'), 1);
  t.equal(sample(text, 'ttl_probe_exporter_probe_duration_seconds_bucket{le="60"}'), 2);
  t.equal(sample(text, 'ttl_probe_exporter_probe_duration_seconds_bucket{le="+Inf"}'), 2);
  t.equal(sample(text, 'ttl_probe_exporter_probe_duration_seconds_sum'), 60.003);
  t.equal(sample(text, 'ttl_probe_exporter_probe_duration_seconds_count'), 2);
  const check = promtool(text);
  t.ok(check.ok, check.output);
});

t.test('a hostile version string stays one escaped label value', async (t) => {
  const text = createExporterMetrics({ maxConcurrent: 1, version: 'x"\\\ny', startTimeSeconds: 1 }).format();
  t.match(text, 'ttl_probe_exporter_build_info{version="x\\"\\\\\\ny"} 1');
  t.ok(promtool(text).ok);
});
