// Two vantage points, one Prometheus: two exporters (--vantage a, --vantage b) in the client
// namespaces of two labs whose paths to 198.18.4.2 differ (a firewall forging RSTs for 22 on a's
// path only), a real Prometheus scraping both with the shipped rules file loaded; then a firewall
// appears on b's path and the responder-hop alert fires for b, not for a.
import t from 'tap';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as topologies from '../../scripts/lab/topologies.js';
import type { Lab } from '../../scripts/lab/lab.js';
import { assertLabAvailable, CLI, withLab } from '../helpers/lab-probe.js';

const RULES = fileURLToPath(new URL('../../prometheus/ttl-probe-rules.yml', import.meta.url));

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

const FETCH_JS = `
const http = require('node:http');
http.get(process.argv[1], { agent: false, timeout: 5000 }, (res) => {
  let body = ''; res.setEncoding('utf8'); res.on('data', (d) => (body += d));
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body })));
}).on('error', (e) => process.stdout.write(JSON.stringify({ status: 0, body: e.code || e.message })));
`;

async function fetchIn(lab: Lab, url: string): Promise<{ status: number; body: string }> {
  const run = await lab.execInClient(process.execPath, ['-e', FETCH_JS, url], { timeoutMs: 20_000, env: cleanEnv() });
  if (run.code !== 0) throw new Error(`fetch failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { status: number; body: string };
}

type Series = { metric: Record<string, string>; value: [number, string] };

async function query(lab: Lab, expr: string): Promise<Series[]> {
  const reply = await fetchIn(lab, `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(expr)}`);
  if (reply.status !== 200) return [];
  return (JSON.parse(reply.body) as { data: { result: Series[] } }).data.result;
}

function spawnIn(lab: Lab, command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = lab.spawnInClient(command, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function until<T>(what: string, probe: () => Promise<T | null>, ms: number, context: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${context().slice(-1500)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const plainChain: topologies.Topology = { spec: { routers: [{}, {}, {}], server: { listen: [443] } }, target: '198.18.4.2', description: 'no firewall' };

if (assertLabAvailable(t)) {
  t.test('two exporters, two paths, one Prometheus: per-vantage series, recording rules, and an alert for the path that changed', async (t) => {
    let prometheusPath: string;
    try {
      prometheusPath = execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim();
    } catch {
      t.fail('prometheus is not installed: apt-get install -y prometheus');
      return;
    }
    await withLab(topologies.article(), async (a) => {
      await withLab(plainChain, async (b) => {
        // A link between the two client namespaces only (198.19.255.0/30), so a's Prometheus reaches b's exporter.
        const must = async (lab: Lab, ns: string, command: string, args: string[]) => {
          const run = await lab.exec(ns, command, args);
          if (run.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${run.stderr}`);
        };
        await must(a, a.clientNs, 'ip', ['link', 'add', 'vantage0', 'type', 'veth', 'peer', 'name', 'vantage1', 'netns', b.clientNs]);
        await must(a, a.clientNs, 'ip', ['addr', 'add', '198.19.255.1/30', 'dev', 'vantage0']);
        await must(a, a.clientNs, 'ip', ['link', 'set', 'vantage0', 'up']);
        await must(b, b.clientNs, 'ip', ['addr', 'add', '198.19.255.2/30', 'dev', 'vantage1']);
        await must(b, b.clientNs, 'ip', ['link', 'set', 'vantage1', 'up']);

        const flags = ['--allow', '198.18.0.0/15', '--echo-count', '1', '--timeout', '500'];
        const exporterA = spawnIn(a, process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:9799', '--vantage', 'a', ...flags]);
        t.teardown(() => stop(exporterA.child));
        const exporterB = spawnIn(b, process.execPath, [CLI, 'serve', '--listen', '198.19.255.2:9799', '--vantage', 'b', ...flags]);
        t.teardown(() => stop(exporterB.child));
        for (const exporter of [exporterA, exporterB]) await until('an exporter to listen', async () => (/listening on http/.test(exporter.output()) ? true : null), 30_000, exporter.output);

        const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-vantage-'));
        chmodSync(dir, 0o755);
        t.teardown(() => rmSync(dir, { recursive: true, force: true }));
        const job = (name: string, exporter: string) => [
          `  - job_name: ${name}`,
          '    metrics_path: /probe',
          '    params:',
          "      ports: ['22,443']",
          '    static_configs:',
          "      - targets: ['198.18.4.2']",
          '    relabel_configs:',
          '      - source_labels: [__address__]',
          '        target_label: __param_target',
          '      - source_labels: [__param_target]',
          '        target_label: instance',
          '      - target_label: __address__',
          `        replacement: ${exporter}`,
        ];
        writeFileSync(
          join(dir, 'prometheus.yml'),
          ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s', 'rule_files:', `  - ${RULES}`, 'scrape_configs:', ...job('ttl_probe_a', '127.0.0.1:9799'), ...job('ttl_probe_b', '198.19.255.2:9799'), ''].join('\n'),
        );
        const prometheus = spawnIn(a, prometheusPath, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:9090', '--log.level=warn']);
        t.teardown(() => stop(prometheus.child));
        await until('prometheus to be ready', async () => ((await fetchIn(a, 'http://127.0.0.1:9090/-/ready')).status === 200 ? true : null), 60_000, prometheus.output);

        const seen = await until(
          'both vantage points stored',
          async () => {
            const series = await query(a, 'ttl_probe_port_answered_by{port="22"} == 1');
            return series.length >= 2 ? series : null;
          },
          90_000,
          prometheus.output,
        );
        t.same(
          Object.fromEntries(seen.map((s) => [s.metric.vantage, [s.metric.job, s.metric.answered_by]])),
          { a: ['ttl_probe_a', 'middlebox'], b: ['ttl_probe_b', 'host'] },
          'the same target, port 22: a firewall answers on a\'s path, the host on b\'s',
        );
        const counts = await until(
          'the recording rule',
          async () => {
            const series = await query(a, 'ttl_probe:port_answered_by_middlebox:count');
            return series.length > 0 ? series : null;
          },
          30_000,
          prometheus.output,
        );
        t.same(counts.map((s) => [s.metric.vantage, s.metric.port, s.value[1]]), [['a', '22', '1']], 'per vantage and port: one target answered by a middlebox, from a only');

        // A firewall appears on b's path: port 22's responder moves from hop 4 (the host) to hop 2.
        await must(b, b.routers[1]!.ns, 'iptables', ['-w', '-A', 'FORWARD', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
        const alerts = await until(
          'the responder-hop alert',
          async () => {
            const series = await query(a, 'ALERTS{alertname="TtlProbeResponderHopChanged",alertstate="firing"}');
            return series.length > 0 ? series : null;
          },
          60_000,
          prometheus.output,
        );
        t.same(alerts.map((s) => [s.metric.vantage, s.metric.port, s.metric.target]), [['b', '22', '198.18.4.2']], 'fired for b\'s port 22 only');
        const hop = await query(a, 'ttl_probe_port_hop{vantage="b",port="22"}');
        t.equal(hop[0]?.value[1], '2', 'b now sees 22 answered from hop 2');
        const pending = await query(a, 'ALERTS{alertname="TtlProbePortNewlyAnsweredByMiddlebox"}');
        t.same(pending, [], 'the middlebox alert needs an hour of history: nothing yet');
      });
    });
  });
}
