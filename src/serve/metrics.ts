import { escapeHelp, escapeLabelValue } from '../report/prometheus.js';

/**
 * The exporter's own metrics (`GET /metrics`), in the text exposition format
 * 0.0.4, every name prefixed ttl_probe_exporter_. Counters end in _total,
 * durations are in seconds, and every label set that can appear is small and
 * fixed (paths, status codes, probe results), so a hostile client cannot
 * grow the series count.
 */

/** How a probe ended: with a report, at the time bound, cut short (client gone, shutdown), or with an error. */
export const PROBE_RESULTS = ['completed', 'timeout', 'aborted', 'error'] as const;
export type ProbeResult = (typeof PROBE_RESULTS)[number];

/** The request paths counted by name; everything else is counted as "other". */
export const COUNTED_PATHS = ['/probe', '/metrics'] as const;

/** Upper bounds of the probe duration histogram, in seconds. */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface ExporterMetrics {
  /** A request answered with `code`; `path` is the request's path (bounded to COUNTED_PATHS and "other"). */
  countRequest(path: string, code: number): void;
  probeStarted(): void;
  probeFinished(result: ProbeResult, durationSeconds: number): void;
  /** Probes running now. */
  readonly inFlight: number;
  /** Probes started since start-up. */
  readonly probesStarted: number;
  /** The exposition, with a trailing newline. */
  format(): string;
}

export function createExporterMetrics(options: { maxConcurrent: number; version: string; startTimeSeconds: number }): ExporterMetrics {
  const requests = new Map<string, number>();
  const results = new Map<ProbeResult, number>(PROBE_RESULTS.map((result) => [result, 0]));
  const buckets = DURATION_BUCKETS.map(() => 0);
  let durationSum = 0;
  let durationCount = 0;
  let inFlight = 0;
  let started = 0;

  const requestKey = (path: string, code: number): string => `${(COUNTED_PATHS as readonly string[]).includes(path) ? path : 'other'} ${code}`;
  // The usual answers exist from the start at 0, so rate() sees their first increase.
  for (const path of COUNTED_PATHS) requests.set(requestKey(path, 200), 0);

  return {
    countRequest(path, code) {
      const key = requestKey(path, code);
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },
    probeStarted() {
      inFlight++;
      started++;
    },
    probeFinished(result, durationSeconds) {
      inFlight--;
      results.set(result, (results.get(result) ?? 0) + 1);
      durationSum += durationSeconds;
      durationCount++;
      DURATION_BUCKETS.forEach((bound, index) => {
        if (durationSeconds <= bound) buckets[index]!++;
      });
    },
    get inFlight() {
      return inFlight;
    },
    get probesStarted() {
      return started;
    },
    format() {
      const lines: string[] = [];
      const family = (name: string, type: string, help: string): void => {
        lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
      };
      const labels = (pairs: readonly (readonly [string, string])[]): string =>
        pairs.length === 0 ? '' : `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;

      family('ttl_probe_exporter_build_info', 'gauge', 'Always 1; the version label says which ttl-probe is serving.');
      lines.push(`ttl_probe_exporter_build_info${labels([['version', options.version]])} 1`);
      family('ttl_probe_exporter_start_time_seconds', 'gauge', 'When the exporter started, in seconds since the Unix epoch.');
      lines.push(`ttl_probe_exporter_start_time_seconds ${options.startTimeSeconds}`);
      family('ttl_probe_exporter_requests_total', 'counter', 'HTTP requests answered, by path (/probe, /metrics or other) and status code.');
      const sorted = [...requests.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [key, count] of sorted) {
        const [path = '', code = ''] = key.split(' ');
        lines.push(`ttl_probe_exporter_requests_total${labels([['path', path], ['code', code]])} ${count}`);
      }
      family('ttl_probe_exporter_probes_total', 'counter', 'Probes that ended, by result: completed, timeout (the per-probe time bound), aborted (client gone or shutdown) or error.');
      for (const result of PROBE_RESULTS) lines.push(`ttl_probe_exporter_probes_total${labels([['result', result]])} ${results.get(result) ?? 0}`);
      family('ttl_probe_exporter_probes_started_total', 'counter', 'Probes started (each sends packets); refused requests (400, 403, 429) start none.');
      lines.push(`ttl_probe_exporter_probes_started_total ${started}`);
      family('ttl_probe_exporter_probes_in_flight', 'gauge', 'Probes running now.');
      lines.push(`ttl_probe_exporter_probes_in_flight ${inFlight}`);
      family('ttl_probe_exporter_max_concurrent_probes', 'gauge', 'The cap on concurrent probes (--max-concurrent); requests beyond it get 429.');
      lines.push(`ttl_probe_exporter_max_concurrent_probes ${options.maxConcurrent}`);
      family('ttl_probe_exporter_probe_duration_seconds', 'histogram', 'How long probes took, whatever their result.');
      DURATION_BUCKETS.forEach((bound, index) => {
        lines.push(`ttl_probe_exporter_probe_duration_seconds_bucket${labels([['le', String(bound)]])} ${buckets[index]}`);
      });
      lines.push(`ttl_probe_exporter_probe_duration_seconds_bucket${labels([['le', '+Inf']])} ${durationCount}`);
      lines.push(`ttl_probe_exporter_probe_duration_seconds_sum ${durationSum}`);
      lines.push(`ttl_probe_exporter_probe_duration_seconds_count ${durationCount}`);
      return `${lines.join('\n')}\n`;
    },
  };
}
