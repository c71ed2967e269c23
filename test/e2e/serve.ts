// `ttl-probe serve` end to end in the lab: the exporter runs in the client namespace and is queried from
// there (its loopback is not the root namespace's); then a real Prometheus server scrapes it.
import t from 'tap';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as topologies from '../../scripts/lab/topologies.js';
import type { Lab } from '../../scripts/lab/lab.js';
import { assertLabAvailable, CLI, withLab } from '../helpers/lab-probe.js';

/** Environment for processes in the namespace: none of tap's loaders. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

interface HttpReply {
  status: number;
  body: string;
  contentType?: string;
}

// Run with `node -e` in the client namespace: GETs every URL at once, prints the replies as JSON.
const FETCH_JS = `
const http = require('node:http');
const urls = JSON.parse(process.argv[1]);
const timeout = Number(process.argv[2]);
Promise.all(urls.map((url) => new Promise((resolve) => {
  const req = http.get(url, { agent: false, timeout }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode, body, contentType: res.headers['content-type'] }));
  });
  req.on('timeout', () => req.destroy(new Error('client timeout')));
  req.on('error', (e) => resolve({ status: 0, body: e.code || e.message }));
}))).then((replies) => process.stdout.write(JSON.stringify(replies)));
`;

/** GETs the URLs at once from inside the client namespace. */
async function fetchInClient(lab: Lab, urls: string[], timeoutMs = 30_000): Promise<HttpReply[]> {
  const run = await lab.execInClient(process.execPath, ['-e', FETCH_JS, JSON.stringify(urls), String(timeoutMs)], { timeoutMs: timeoutMs + 10_000, env: cleanEnv() });
  if (run.code !== 0) throw new Error(`fetch helper failed (${run.code ?? run.signal}): ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as HttpReply[];
}

async function fetchOne(lab: Lab, url: string, timeoutMs?: number): Promise<HttpReply> {
  return (await fetchInClient(lab, [url], timeoutMs))[0]!;
}

/** The value of one series in an exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Signals it and waits (at most `ms`, then SIGKILL); resolves with the exit code. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<number | null>;
}

/** Spawns a long-running command in the client namespace and waits (bounded) until its output shows `ready`. */
async function startInClient(lab: Lab, command: string, args: string[], ready: RegExp | null, what: string, waitMs = 30_000): Promise<Running> {
  const child = lab.spawnInClient(command, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const running: Running = {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', ms = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, ms);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      return exited;
    },
  };
  const deadline = Date.now() + waitMs;
  while (ready !== null && !ready.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited early (${child.exitCode ?? child.signalCode}): ${output.trim()}`);
    if (Date.now() > deadline) {
      await running.stop('SIGKILL', 2000);
      throw new Error(`${what} not ready after ${waitMs} ms: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return running;
}

async function startExporter(lab: Lab, port: number, flags: string[]): Promise<Running> {
  return startInClient(lab, process.execPath, [CLI, 'serve', '--listen', `127.0.0.1:${port}`, ...flags], /listening on http:\/\//, 'ttl-probe serve');
}

/** Packets the client namespace sent to `address`, counted by an iptables rule without a target. */
async function packetsTo(lab: Lab, address: string): Promise<number> {
  const run = await lab.execInClient('iptables', ['-w', '-L', 'OUTPUT', '-v', '-n', '-x'], { timeoutMs: 10_000 });
  const line = run.stdout.split('\n').find((l) => l.trim().split(/\s+/).includes(address));
  if (!line) throw new Error(`no counting rule for ${address}: ${run.stdout}`);
  return Number(line.trim().split(/\s+/)[0]);
}

const PROBE = 'http://127.0.0.1:9799/probe';
const answeredBy = (target: string, port: number, by: string) => `ttl_probe_port_answered_by{target="${target}",address="198.18.4.2",port="${port}",answered_by="${by}"}`;

if (assertLabAvailable(t)) {
  t.test('the exporter in the lab: verdicts, 400, 403 (no packet sent), 429, SIGTERM', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      // Names for the lab: `ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts in that namespace only.
      const etc = `/etc/netns/${lab.clientNs}`;
      const created = mkdirSync(etc, { recursive: true });
      t.teardown(() => {
        rmSync(etc, { recursive: true, force: true });
        // /etc/netns itself only when this test made it and nothing else is in it now.
        if (created === '/etc/netns') {
          try {
            rmdirSync('/etc/netns');
          } catch {
            // another lab's files are there
          }
        }
      });
      writeFileSync(join(etc, 'hosts'), '127.0.0.1 localhost\n198.18.4.2 server.lab\n198.18.2.2 firewall.lab\n');
      chmodSync(etc, 0o755);
      for (const address of ['198.18.4.2', '198.18.2.2']) {
        await lab.execInClient('iptables', ['-w', '-A', 'OUTPUT', '-d', address], { timeoutMs: 10_000 });
      }
      // Only the server's network and a silent address are allowed, so a refused target is one the client could reach.
      const exporter = await startExporter(lab, 9799, ['--allow', '198.18.4.0/24', '--allow', '198.18.9.9', '--max-concurrent', '2', '--timeout', '2500', '--tries', '2']);
      t.teardown(() => exporter.stop('SIGKILL', 2000));
      const metrics = async () => (await fetchOne(lab, 'http://127.0.0.1:9799/metrics')).body;
      // `ip netns exec` execs the command, so the child's pid is the exporter's. Run as plain root, it serves as nobody.
      const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${exporter.child.pid}/status`, 'utf8'));
      t.same(uids?.slice(1), ['65534', '65534'], 'serving without root: real and effective uid are nobody');

      const ok = await fetchOne(lab, `${PROBE}?target=198.18.4.2&ports=22,80,443`);
      t.equal(ok.status, 200, ok.body);
      t.equal(ok.contentType, 'text/plain; version=0.0.4; charset=utf-8');
      t.equal(sample(ok.body, answeredBy('198.18.4.2', 22, 'middlebox')), 1, '22: the firewall forged the RST');
      t.equal(sample(ok.body, answeredBy('198.18.4.2', 22, 'host')), 0);
      t.equal(sample(ok.body, answeredBy('198.18.4.2', 80, 'host')), 1, '80: the host');
      t.equal(sample(ok.body, answeredBy('198.18.4.2', 443, 'host')), 1, '443: the host');
      t.equal(sample(ok.body, 'ttl_probe_port_hop{target="198.18.4.2",address="198.18.4.2",port="22"}'), 2);
      t.ok((sample(ok.body, 'ttl_probe_probe_duration_seconds') ?? -1) >= 0, 'the duration of the probe');
      const named = await fetchOne(lab, `${PROBE}?target=server.lab&ports=443`);
      t.equal(sample(named.body, answeredBy('server.lab', 443, 'host')), 1, 'a name resolving inside the allow-list is probed');
      t.ok((await packetsTo(lab, '198.18.4.2')) > 0, 'the counting rule sees the probes it allows');
      const traced = await fetchOne(lab, `${PROBE}?target=198.18.4.2&ports=22&trace=1`);
      t.equal(traced.status, 200, traced.body);
      t.equal(sample(traced.body, 'ttl_probe_port_responder_confirmed{target="198.18.4.2",address="198.18.4.2",port="22"}'), 1, 'trace=1: TTL-limited probes confirm the firewall at hop 2');

      const before = sample(await metrics(), 'ttl_probe_exporter_probes_started_total');
      t.equal(before, 3);
      const refusals: [string, number, string][] = [
        [`${PROBE}?target=192.0.2.1&ports=22`, 403, 'target 192.0.2.1 is not in the allow-list (198.18.4.0/24, 198.18.9.9/32)\n'],
        [`${PROBE}?target=198.18.2.2&ports=22`, 403, 'target 198.18.2.2 is not in the allow-list (198.18.4.0/24, 198.18.9.9/32)\n'],
        [`${PROBE}?target=firewall.lab&ports=22`, 403, 'target firewall.lab (resolves to 198.18.2.2) is not in the allow-list (198.18.4.0/24, 198.18.9.9/32)\n'],
        [`${PROBE}?target=198.18.4.2&ports=99999`, 400, 'port 99999 out of range in "99999": ports are 1-65535\n'],
        [`${PROBE}?ports=22`, 400, 'missing target: /probe?target=HOST&ports=22,443\n'],
        [`${PROBE}?target=198.18.4.2&ports=22&trace=maybe`, 400, 'trace must be 1 or 0 (or true or false), got "maybe"\n'],
        [`${PROBE}?target=198.18.4.2&ports=22&x=${'y'.repeat(3000)}`, 400, 'query string too long (3029 bytes; at most 2048)\n'],
        ['http://127.0.0.1:9799/nope', 404, 'not found: /nope (try /probe?target=HOST&ports=22,443 or /metrics)\n'],
      ];
      for (const [url, status, body] of refusals) {
        const reply = await fetchOne(lab, url);
        t.equal(reply.status, status, `${status} for ${url.slice(0, 70)}`);
        t.equal(reply.body, body);
      }
      const after = await metrics();
      t.equal(sample(after, 'ttl_probe_exporter_probes_started_total'), before, 'no probe started for a refused request');
      t.equal(sample(after, 'ttl_probe_exporter_requests_total{path="/probe",code="403"}'), 3);
      t.equal(sample(after, 'ttl_probe_exporter_requests_total{path="/probe",code="400"}'), 4);
      t.equal(await packetsTo(lab, '198.18.2.2'), 0, 'not one packet to the refused address (a name resolving to it included)');

      // Slow probes: 198.18.9.9 is silent (the client drops what r1 routes back), so each takes the full tries x timeout.
      const started = Date.now();
      const burst = await fetchInClient(lab, [22, 23, 24, 25].map((port) => `${PROBE}?target=198.18.9.9&ports=${port}`));
      const codes = burst.map((reply) => reply.status).sort();
      t.same(codes, [200, 200, 429, 429], `two probed, two refused with 429 (--max-concurrent 2): ${JSON.stringify(burst.map((r) => [r.status, r.body.slice(0, 80)]))}`);
      t.ok(Date.now() - started > 4000, 'the probes were slow (so they overlapped)');
      const silent = burst.find((reply) => reply.status === 200)!;
      t.match(silent.body, /ttl_probe_port_answered_by\{target="198\.18\.9\.9",address="198\.18\.9\.9",port="2[2-5]",answered_by="none"\} 1/);
      t.equal(burst.find((reply) => reply.status === 429)?.body, 'too many probes at once (at most 2, --max-concurrent): retry later\n');
      const final = await metrics();
      t.equal(sample(final, 'ttl_probe_exporter_requests_total{path="/probe",code="429"}'), 2);
      t.equal(sample(final, 'ttl_probe_exporter_probes_in_flight'), 0);
      t.equal(sample(final, 'ttl_probe_exporter_probe_duration_seconds_count'), 5);

      t.equal(await exporter.stop('SIGTERM'), 0, `SIGTERM: exit 0 (${exporter.output().trim()})`);
      t.match(exporter.output(), 'ttl-probe serve: terminated, stopping');
    });
  });

  t.test('the exporter over IPv6: an IPv6 target, a dual-stack name, an IPv6 allow-list (403: no packet sent)', async (t) => {
    await withLab(topologies.article6(), async (lab) => {
      // Count what the client sends to the firewall's IPv6 address (an ip6tables rule without a target).
      await lab.execInClient('ip6tables', ['-w', '-A', 'OUTPUT', '-d', '2001:2:0:2::2'], { timeoutMs: 10_000 });
      const packetsTo6 = async (address: string): Promise<number> => {
        const run = await lab.execInClient('ip6tables', ['-w', '-L', 'OUTPUT', '-v', '-n', '-x'], { timeoutMs: 10_000 });
        const line = run.stdout.split('\n').find((l) => l.trim().split(/\s+/).some((field) => field === address || field === `${address}/128`));
        if (!line) throw new Error(`no counting rule for ${address}: ${run.stdout}`);
        return Number(line.trim().split(/\s+/)[0]);
      };
      const exporter = await startExporter(lab, 9799, ['--allow', '2001:2:0:4::/64', '--timeout', '2500']);
      t.teardown(() => exporter.stop('SIGKILL', 2000));
      const by = (target: string, port: number, who: string): string =>
        `ttl_probe_port_answered_by{target="${target}",address="2001:2:0:4::2",port="${port}",answered_by="${who}"}`;
      const ok = await fetchOne(lab, `${PROBE}?target=2001:2:0:4::2&ports=22,80,443,8080`);
      t.equal(ok.status, 200, ok.status === 200 ? 'status 200' : ok.body);
      t.equal(sample(ok.body, by('2001:2:0:4::2', 22, 'middlebox')), 1, '22: the firewall forged the RST (over IPv6)');
      t.equal(sample(ok.body, by('2001:2:0:4::2', 80, 'host')), 1, '80: the host');
      t.equal(sample(ok.body, by('2001:2:0:4::2', 443, 'host')), 1, '443: the host');
      t.equal(sample(ok.body, by('2001:2:0:4::2', 8080, 'middlebox')), 1, '8080: ICMPv6 administratively prohibited from the firewall');
      t.equal(sample(ok.body, 'ttl_probe_port_hop{target="2001:2:0:4::2",address="2001:2:0:4::2",port="22"}'), 2);
      const bracketed = await fetchOne(lab, `${PROBE}?target=%5B2001:2:0:4::2%5D&ports=443`);
      t.equal(bracketed.status, 200, bracketed.status === 200 ? 'a bracketed IPv6 target' : bracketed.body);
      // server.lab resolves to both addresses, IPv6 first: the first address the resolver gives, as ssh does.
      const named = await fetchOne(lab, `${PROBE}?target=server.lab&ports=22`);
      t.equal(named.status, 200, named.status === 200 ? 'status 200' : named.body);
      t.equal(sample(named.body, by('server.lab', 22, 'middlebox')), 1, 'a dual-stack name is probed at its IPv6 address');
      const refused = await fetchOne(lab, `${PROBE}?target=2001:2:0:2::2&ports=22`);
      t.equal(refused.status, 403);
      t.equal(refused.body, 'target 2001:2:0:2::2 is not in the allow-list (2001:2:0:4::/64)\n');
      const outside = await fetchOne(lab, `${PROBE}?target=198.18.4.2&ports=22`);
      t.equal(outside.status, 403, 'an IPv6 allow-list allows no IPv4 address');
      const multicast = await fetchOne(lab, `${PROBE}?target=ff02::1&ports=22`);
      t.equal(multicast.status, 400);
      t.equal(multicast.body, 'ff02::1 is a multicast address (ff00::/8) and cannot be probed\n');
      t.equal(await packetsTo6('2001:2:0:2::2'), 0, 'not one packet to the refused IPv6 address');
      t.equal(await exporter.stop('SIGTERM'), 0, exporter.output());
    });
  });

  t.test('Ctrl-C with a probe in flight: the probe is answered 503, exit 130', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const exporter = await startExporter(lab, 9799, ['--allow', '198.18.0.0/15', '--timeout', '5000', '--tries', '3']);
      t.teardown(() => exporter.stop('SIGKILL', 2000));
      const pending = fetchOne(lab, `${PROBE}?target=198.18.9.9&ports=22`);
      const deadline = Date.now() + 10_000;
      while (sample((await fetchOne(lab, 'http://127.0.0.1:9799/metrics')).body, 'ttl_probe_exporter_probes_in_flight') !== 1) {
        if (Date.now() > deadline) throw new Error('the probe never started');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const stopped = Date.now();
      t.equal(await exporter.stop('SIGINT'), 130, exporter.output());
      t.ok(Date.now() - stopped < 10_000, `did not wait for the 15 s probe (${Date.now() - stopped} ms)`);
      const reply = await pending;
      t.equal(reply.status, 503);
      t.equal(reply.body, 'the exporter is shutting down\n');
    });
  });

  t.test('a real Prometheus server scrapes the exporter and stores who answered each port', async (t) => {
    let prometheusPath: string;
    try {
      prometheusPath = execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim();
    } catch {
      t.fail('prometheus is not installed: apt-get install -y prometheus (.ci/run does)');
      return;
    }
    await withLab(topologies.article(), async (lab) => {
      const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-prometheus-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const exporter = await startExporter(lab, 9799, ['--allow', '198.18.0.0/15']);
      t.teardown(() => exporter.stop('SIGKILL', 2000));
      // blackbox_exporter's pattern: the target becomes the `target` parameter, the exporter is the address scraped.
      const config = [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: ttl_probe',
        '    metrics_path: /probe',
        '    params:',
        "      ports: ['22,80,443']",
        '    static_configs:',
        "      - targets: ['198.18.4.2']",
        '    relabel_configs:',
        '      - source_labels: [__address__]',
        '        target_label: __param_target',
        '      - source_labels: [__param_target]',
        '        target_label: instance',
        '      - target_label: __address__',
        '        replacement: 127.0.0.1:9799',
        '  - job_name: ttl_probe_exporter',
        '    static_configs:',
        "      - targets: ['127.0.0.1:9799']",
        '',
      ].join('\n');
      writeFileSync(join(dir, 'prometheus.yml'), config);
      const prometheus = await startInClient(
        lab,
        prometheusPath,
        [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:9090', '--log.level=warn'],
        null,
        'prometheus',
      );
      t.teardown(() => prometheus.stop('SIGKILL', 2000));
      const readyBy = Date.now() + 60_000;
      while ((await fetchOne(lab, 'http://127.0.0.1:9090/-/ready', 2000)).status !== 200) {
        if (prometheus.child.exitCode !== null || Date.now() > readyBy) throw new Error(`prometheus did not become ready: ${prometheus.output().slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }

      const api = 'http://127.0.0.1:9090/api/v1/query?query=';
      type Series = { metric: Record<string, string>; value: [number, string] };
      let series: Series[] = [];
      const deadline = Date.now() + 90_000;
      for (;;) {
        const reply = await fetchOne(lab, `${api}${encodeURIComponent('ttl_probe_port_answered_by == 1')}`, 5000);
        if (reply.status === 200) {
          series = (JSON.parse(reply.body) as { data: { result: Series[] } }).data.result;
          if (series.length >= 3) break;
        }
        if (prometheus.child.exitCode !== null) throw new Error(`prometheus exited: ${prometheus.output()}`);
        if (Date.now() > deadline) {
          t.fail(`the series never appeared (last answer ${reply.status} ${reply.body.slice(0, 300)}); prometheus: ${prometheus.output().slice(-2000)}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const byPort = Object.fromEntries(series.map((s) => [s.metric.port, s.metric.answered_by]));
      t.same(byPort, { '22': 'middlebox', '80': 'host', '443': 'host' }, 'stored: 22 by the firewall, 80 and 443 by the host');
      t.ok(
        series.every((s) => s.metric.job === 'ttl_probe' && s.metric.instance === '198.18.4.2' && s.metric.target === '198.18.4.2'),
        'labelled with the job, the probed instance and the target',
      );
      const hop = await fetchOne(lab, `${api}${encodeURIComponent('ttl_probe_port_hop{port="22"}')}`);
      t.equal((JSON.parse(hop.body) as { data: { result: Series[] } }).data.result[0]?.value[1], '2', '22 answered from hop 2');
      const up = await fetchOne(lab, `${api}${encodeURIComponent('up')}`);
      const ups = (JSON.parse(up.body) as { data: { result: Series[] } }).data.result;
      t.same(Object.fromEntries(ups.map((s) => [s.metric.job, s.value[1]])), { ttl_probe: '1', ttl_probe_exporter: '1' }, 'both scrapes succeed');
      // The exporter job scrapes on its own schedule: wait (bounded) for a sample taken after a /probe scrape.
      let counted = 0;
      for (const countBy = Date.now() + 15_000; counted < 1 && Date.now() < countBy; await new Promise((resolve) => setTimeout(resolve, 500))) {
        const scrapes = await fetchOne(lab, `${api}${encodeURIComponent('ttl_probe_exporter_requests_total{path="/probe",code="200"}')}`);
        counted = Number((JSON.parse(scrapes.body) as { data: { result: Series[] } }).data.result[0]?.value[1] ?? 0);
      }
      t.ok(counted >= 1, `the exporter's own metrics, scraped too, count the /probe scrapes (${counted})`);

      t.equal(await prometheus.stop('SIGTERM', 10_000), 0, 'prometheus stopped');
      t.equal(await exporter.stop('SIGTERM'), 0, 'the exporter stopped');
    });
  });
}
