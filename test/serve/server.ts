// The exporter's HTTP layer over a fake network (no packet leaves the process): status codes, the order
// of checks (400 before a slot, 429 before a lookup, lookup before the allow-list), time bounds, shutdown.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { EnvironmentError } from '../../src/errors.js';
import type { Resolver } from '../../src/target/resolve.js';
import { parseAllowList } from '../../src/serve/allow.js';
import { MAX_QUERY_BYTES } from '../../src/serve/query.js';
import { createExporter, EXPOSITION_CONTENT_TYPE, type ExporterConfig } from '../../src/serve/server.js';
import { probeReport, type ProbeRequest } from '../../src/run/probe.js';
import { shareTransport } from '../../src/transport/shared.js';
import type { Transport } from '../../src/transport/transport.js';
import { fakeTransport, type FakeTransport } from '../helpers/fake-network.js';

const ARTICLE = { address: '198.18.4.2', echoTtl: 61, ports: { 22: { reply: 'rst', ttl: 63 }, 80: { reply: 'rst', ttl: 61 }, 443: { reply: 'syn-ack', ttl: 61 } } } as const;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Harness {
  base: FakeTransport;
  shared: ReturnType<typeof shareTransport>;
  exporter: ReturnType<typeof createExporter>;
  port: number;
  logs: string[];
  lookups: string[];
  get(path: string, options?: { method?: string; body?: string }): Promise<Reply>;
  metric(series: string): Promise<number | undefined>;
}

const fakeDns: Record<string, string> = { 'db1.example': '198.18.4.2', 'sneaky.example': '192.0.2.1' };

async function start(t: Test, overrides: Partial<ExporterConfig> = {}): Promise<Harness> {
  const base = fakeTransport([{ ...ARTICLE, ports: { ...ARTICLE.ports } }, { address: '198.18.9.9', echoTtl: null, ports: { 22: { reply: 'silent' } } }]);
  const shared = shareTransport(base);
  const logs: string[] = [];
  const lookups: string[] = [];
  const resolver: Resolver = async (name) => {
    lookups.push(name);
    const address = fakeDns[name];
    if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };
  const exporter = createExporter({
    allow: parseAllowList(['198.18.0.0/15']),
    maxConcurrent: 4,
    probeTimeoutMs: 10_000,
    probe: { echoCount: 1, tries: 1, timeoutMs: 200, rate: 10_000, maxHops: 8 },
    transport: shared,
    version: '0.0.0-test',
    resolver,
    log: (line) => logs.push(line),
    ...overrides,
  });
  await new Promise<void>((resolve) => exporter.server.listen(0, '127.0.0.1', resolve));
  const port = (exporter.server.address() as AddressInfo).port;
  t.teardown(async () => {
    await exporter.shutdown(1000);
    shared.close();
  });
  const get = (path: string, options: { method?: string; body?: string } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers = options.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(options.body)) };
      const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(options.body);
    });
  const metric = async (series: string): Promise<number | undefined> => {
    const { body } = await get('/metrics');
    const line = body.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { base, shared, exporter, port, logs, lookups, get, metric };
}

/** A probe that runs until released or aborted, for tests of slots and time bounds. */
function gatedProbe() {
  const waiting: { release: () => void; request: ProbeRequest }[] = [];
  const seen: { signal: AbortSignal | undefined }[] = [];
  const run = async (transport: Transport, request: ProbeRequest) => {
    seen.push({ signal: request.signal });
    await new Promise<void>((resolve) => {
      waiting.push({ release: resolve, request });
      request.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    return probeReport(transport, { ...request, ports: [22], echoCount: 0 });
  };
  return { run, waiting, seen, releaseAll: () => waiting.splice(0).forEach((w) => w.release()) };
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

t.test('GET /probe answers the report in the text format', async (t) => {
  const h = await start(t);
  const reply = await h.get('/probe?target=198.18.4.2&ports=22,80,443');
  t.equal(reply.status, 200, reply.body);
  t.equal(reply.headers['content-type'], EXPOSITION_CONTENT_TYPE);
  t.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const lines = reply.body.split('\n');
  const labels = (port: number, by: string) => `ttl_probe_port_answered_by{target="198.18.4.2",address="198.18.4.2",port="${port}",answered_by="${by}"}`;
  t.ok(lines.includes(`${labels(22, 'middlebox')} 1`), '22: middlebox');
  t.ok(lines.includes(`${labels(22, 'host')} 0`), '22: not host');
  t.ok(lines.includes(`${labels(80, 'host')} 1`), '80: host');
  t.ok(lines.includes(`${labels(443, 'host')} 1`), '443: host');
  t.ok(lines.includes('ttl_probe_port_state{target="198.18.4.2",address="198.18.4.2",port="443",state="open"} 1'));
  t.match(reply.body, /^ttl_probe_probe_duration_seconds \d+(\.\d+)?(e-\d+)?$/m, 'the duration of the probe');
  const check = spawnSync('promtool', ['check', 'metrics'], { input: reply.body, encoding: 'utf8' });
  if (check.error) throw new Error('promtool is not installed: apt-get install prometheus');
  t.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
  t.equal(h.shared.leases, 0, 'the lease is closed after the probe');
  t.equal(h.base.closed, false, 'the sockets stay open for the next probe');
  t.equal(await h.metric('ttl_probe_exporter_requests_total{path="/probe",code="200"}'), 1);
  t.equal(await h.metric('ttl_probe_exporter_probes_total{result="completed"}'), 1);
  t.equal(await h.metric('ttl_probe_exporter_probe_duration_seconds_count'), 1);
  t.equal(await h.metric('ttl_probe_exporter_probes_in_flight'), 0);
});

t.test('a name in the allowed range is probed and labelled as given', async (t) => {
  const h = await start(t);
  const reply = await h.get('/probe?target=db1.example&ports=443&trace=0');
  t.equal(reply.status, 200, reply.body);
  t.match(reply.body, 'ttl_probe_port_answered_by{target="db1.example",address="198.18.4.2",port="443",answered_by="host"} 1');
  t.same(h.lookups, ['db1.example']);
});

t.test('400: bad parameters, with the reason, before anything is resolved or sent', async (t) => {
  const h = await start(t);
  const cases: [string, string][] = [
    ['/probe', 'missing target: /probe?target=HOST&ports=22,443'],
    ['/probe?ports=22', 'missing target: /probe?target=HOST&ports=22,443'],
    ['/probe?target=198.18.4.2&ports=99999', 'port 99999 out of range in "99999": ports are 1-65535'],
    ['/probe?target=198.18.4.2', 'missing ports: /probe?target=HOST&ports=22,443'],
    ['/probe?target=198.18.4.2&ports=22&trace=maybe', 'trace must be 1 or 0 (or true or false), got "maybe"'],
    ['/probe?target=198.18.4.2&ports=22&timeout=1', 'unknown query parameter "timeout" (expected target, ports and optionally trace)'],
    ['/probe?target=198.18.4.2&ports=1-65535', 'too many ports (65535; at most 1024 per probe)'],
    [`/probe?target=198.18.4.2&ports=22&pad=${'x'.repeat(MAX_QUERY_BYTES)}`, `query string too long (${MAX_QUERY_BYTES + 31} bytes; at most ${MAX_QUERY_BYTES})`],
    ['/probe?target=%ZZ&ports=22', 'malformed percent-escape in query parameter "target"'],
    ['/probe?target=239.1.2.3&ports=22', '239.1.2.3 is a multicast address (224.0.0.0/4) and cannot be probed'],
    ['/probe?target=no.such.example&ports=22', 'cannot resolve host name "no.such.example" (ENOTFOUND)'],
  ];
  for (const [path, reason] of cases) {
    const reply = await h.get(path);
    t.equal(reply.status, 400, path.slice(0, 80));
    t.equal(reply.body, `${reason}\n`, 'one line naming what is wrong');
    t.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
  }
  t.equal(h.base.sent.length, 0, 'no packet sent');
  t.equal(h.exporter.metrics.probesStarted, 0, 'no probe started');
  t.same(h.lookups, ['no.such.example'], 'only a well-formed name was looked up');
  t.equal(await h.metric('ttl_probe_exporter_requests_total{path="/probe",code="400"}'), cases.length);
});

t.test('403: outside the allow-list, checked after name resolution, no packet sent', async (t) => {
  const h = await start(t);
  const literal = await h.get('/probe?target=192.0.2.1&ports=22');
  t.equal(literal.status, 403);
  t.equal(literal.body, 'target 192.0.2.1 is not in the allow-list (198.18.0.0/15)\n');
  const named = await h.get('/probe?target=sneaky.example&ports=22');
  t.equal(named.status, 403, 'a name resolving outside is refused');
  t.equal(named.body, 'target sneaky.example (resolves to 192.0.2.1) is not in the allow-list (198.18.0.0/15)\n');
  t.same(h.lookups, ['sneaky.example'], 'the name was resolved before the check');
  t.equal(h.base.sent.length, 0, 'no packet sent');
  t.equal(h.exporter.metrics.probesStarted, 0, 'no probe started');
  t.equal(h.shared.leases, 0, 'no lease taken');
  t.equal(await h.metric('ttl_probe_exporter_requests_total{path="/probe",code="403"}'), 2);
  t.equal(await h.metric('ttl_probe_exporter_probes_started_total'), 0);
});

t.test('a listed name is allowed wherever it resolves', async (t) => {
  const h = await start(t, { allow: parseAllowList(['198.18.4.0/24', 'sneaky.example']), runProbe: async (transport, request) => probeReport(transport, { ...request, targets: [{ target: 'sneaky.example', address: '198.18.4.2' }] }) });
  t.equal((await h.get('/probe?target=sneaky.example&ports=22')).status, 200);
  t.equal((await h.get('/probe?target=198.18.9.9&ports=22')).status, 403, 'the network list still applies to others');
});

t.test('a name lookup that hangs is a 504 after the resolve bound', async (t) => {
  const h = await start(t, { resolver: () => new Promise(() => {}), resolveTimeoutMs: 50 });
  const reply = await h.get('/probe?target=slow.example&ports=22');
  t.equal(reply.status, 504);
  t.equal(reply.body, 'resolving host name "slow.example" timed out\n');
  t.equal(h.exporter.metrics.probesStarted, 0);
});

t.test('404, 405 and the index', async (t) => {
  const h = await start(t);
  const missing = await h.get('/nope?x=1');
  t.equal(missing.status, 404);
  t.equal(missing.body, 'not found: /nope (try /probe?target=HOST&ports=22,443 or /metrics)\n');
  for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
    const reply = await h.get('/probe?target=198.18.4.2&ports=22', { method });
    t.equal(reply.status, 405, method);
    t.equal(reply.headers.allow, 'GET');
  }
  t.equal((await h.get('/metrics', { method: 'POST' })).status, 405);
  const index = await h.get('/');
  t.equal(index.status, 200);
  t.match(index.body, '/probe?target=HOST&ports=22,443');
  t.equal(h.base.sent.length, 0);
  t.equal(await h.metric('ttl_probe_exporter_requests_total{path="other",code="404"}'), 1);
  t.equal(await h.metric('ttl_probe_exporter_requests_total{path="/probe",code="405"}'), 5);
});

t.test('a request body on GET: 400; a large one: 413', async (t) => {
  const h = await start(t);
  const small = await h.get('/probe?target=198.18.4.2&ports=22', { body: 'hello' });
  t.equal(small.status, 400);
  t.equal(small.body, 'GET takes no request body\n');
  const large = await h.get('/probe?target=198.18.4.2&ports=22', { body: 'x'.repeat(64 * 1024) }).catch((error: Error) => ({ status: -1, body: error.message, headers: {} }));
  t.ok(large.status === 413 || large.status === -1, `refused (${large.status})`);
  t.equal(h.exporter.metrics.probesStarted, 0);
});

t.test('429 beyond --max-concurrent, at once and without queueing; slots come back', async (t) => {
  const gate = gatedProbe();
  const h = await start(t, { maxConcurrent: 2, runProbe: gate.run });
  const first = h.get('/probe?target=198.18.4.2&ports=22');
  const second = h.get('/probe?target=198.18.4.2&ports=80');
  await until(() => gate.waiting.length === 2, 'two probes running');
  t.equal(await h.metric('ttl_probe_exporter_probes_in_flight'), 2);
  const third = await h.get('/probe?target=198.18.4.2&ports=443');
  t.equal(third.status, 429);
  t.equal(third.headers['retry-after'], '1');
  t.equal(third.body, 'too many probes at once (at most 2, --max-concurrent): retry later\n');
  // At once, without queueing: answered while both probes still hold their slots (they end only when released below).
  t.equal(gate.waiting.length, 2, 'refused while both probes run; the refused request started no probe');
  t.equal((await h.get('/metrics')).status, 200, '/metrics is not subject to the cap');
  gate.releaseAll();
  t.equal((await first).status, 200);
  t.equal((await second).status, 200);
  const fourth = h.get('/probe?target=198.18.4.2&ports=443');
  await until(() => gate.waiting.length === 1, 'the next probe running');
  gate.releaseAll();
  t.equal((await fourth).status, 200, 'a slot is free again');
  t.equal(await h.metric('ttl_probe_exporter_requests_total{path="/probe",code="429"}'), 1);
  t.equal(h.shared.leases, 0);
});

t.test('many requests at once: never more probes than the cap', async (t) => {
  let running = 0;
  let most = 0;
  const h = await start(t, {
    maxConcurrent: 3,
    runProbe: async (transport, request) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 30));
      running--;
      return probeReport(transport, { ...request, echoCount: 0 });
    },
  });
  const replies = await Promise.all(Array.from({ length: 30 }, () => h.get('/probe?target=198.18.4.2&ports=443')));
  const codes = replies.map((reply) => reply.status);
  t.ok(most <= 3, `at most 3 at once (${most})`);
  t.equal(codes.filter((code) => code === 200).length + codes.filter((code) => code === 429).length, 30, 'every request answered 200 or 429');
  t.ok(codes.includes(429), 'some were refused');
  t.equal(h.exporter.metrics.inFlight, 0);
  t.equal(h.shared.leases, 0);
});

t.test('the per-probe time bound: aborted, 504, slot and lease released', async (t) => {
  const gate = gatedProbe();
  const h = await start(t, { maxConcurrent: 1, probeTimeoutMs: 150, runProbe: gate.run });
  const started = Date.now();
  const reply = await h.get('/probe?target=198.18.4.2&ports=22');
  t.equal(reply.status, 504);
  t.equal(reply.body, 'the probe of 198.18.4.2 took longer than 0.15 s (--probe-timeout) and was aborted\n');
  // Bounds in this file sit far above the time expected and far below the alternative (a hang, a default timeout).
  t.ok(Date.now() - started < 10_000, `answered in ${Date.now() - started} ms`);
  t.equal(gate.seen[0]?.signal?.aborted, true, 'the probe saw the abort');
  t.equal(h.shared.leases, 0);
  t.equal(await h.metric('ttl_probe_exporter_probes_total{result="timeout"}'), 1);
  t.equal(h.exporter.metrics.inFlight, 0);
});

t.test('a real probe that runs out of time is cut short by the signal', async (t) => {
  const h = await start(t, { maxConcurrent: 1, probeTimeoutMs: 200, probe: { echoCount: 0, tries: 20, timeoutMs: 60_000, rate: 10, maxHops: 8 } });
  const started = Date.now();
  const reply = await h.get('/probe?target=198.18.9.9&ports=22');
  t.equal(reply.status, 504);
  t.ok(Date.now() - started < 10_000, `answered in ${Date.now() - started} ms (the probe alone would take minutes)`);
  t.equal(h.shared.leases, 0);
});

t.test('a probe longer than the HTTP request timeout is still answered', async (t) => {
  const h = await start(t, {
    httpLimits: { requestTimeoutMs: 200, headersTimeoutMs: 100, checkIntervalMs: 50 },
    runProbe: async (transport, request) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      return probeReport(transport, request);
    },
  });
  const reply = await h.get('/probe?target=198.18.4.2&ports=443');
  t.equal(reply.status, 200, 'the request timeout bounds receiving the request, not answering it');
});

t.test('a client that goes away frees its slot at once', async (t) => {
  const gate = gatedProbe();
  const h = await start(t, { maxConcurrent: 1, runProbe: gate.run });
  const socket = connect(h.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /probe?target=198.18.4.2&ports=22 HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => gate.waiting.length === 1, 'the probe running');
  socket.destroy();
  await until(() => gate.seen[0]?.signal?.aborted === true, 'the probe aborted');
  await until(() => h.exporter.metrics.inFlight === 0, 'the slot freed');
  const next = h.get('/probe?target=198.18.4.2&ports=443');
  await until(() => gate.waiting.length === 2, 'the next probe running');
  gate.releaseAll();
  t.equal((await next).status, 200);
  t.equal(await h.metric('ttl_probe_exporter_probes_total{result="aborted"}'), 1);
  t.equal(await h.metric('ttl_probe_exporter_requests_total{path="/probe",code="499"}'), 1);
});

t.test('a slow client holds no probe slot and is cut off', async (t) => {
  const h = await start(t, { maxConcurrent: 1, httpLimits: { requestTimeoutMs: 400, headersTimeoutMs: 300, checkIntervalMs: 50 } });
  const slow = async (text: string) => {
    const socket = connect(h.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => {});
    const closed = new Promise<number>((resolve) => {
      const opened = Date.now();
      socket.once('close', () => resolve(Date.now() - opened));
    });
    socket.write(text);
    return { closed, received: () => received };
  };
  const headers = await slow('GET /probe?target=198.18.4.2&ports=22 HTTP/1.1\r\nHost: x\r\n');
  const body = await slow('GET /probe?target=198.18.4.2&ports=22 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
  const meanwhile = await h.get('/probe?target=198.18.4.2&ports=443');
  t.equal(meanwhile.status, 200, 'the only slot was free while two clients dawdled');
  const [headersMs, bodyMs] = await Promise.all([headers.closed, body.closed]);
  t.ok(headersMs < 3000, `unfinished headers cut off after ${headersMs} ms`);
  t.ok(bodyMs < 3000, `unfinished body cut off after ${bodyMs} ms`);
  t.match(headers.received(), /^(HTTP\/1\.1 408|)/);
  t.equal(h.exporter.metrics.probesStarted, 1, 'only the complete request probed');
});

t.test('a probe that fails: 500 with the reason, logged, lease closed', async (t) => {
  const h = await start(t, {
    runProbe: async (transport) => {
      await transport.sourceFor('198.18.4.2');
      throw new EnvironmentError('no route to 198.18.4.2 (ENETUNREACH)', 'ERR_NO_ROUTE');
    },
  });
  const reply = await h.get('/probe?target=198.18.4.2&ports=22');
  t.equal(reply.status, 500);
  t.equal(reply.body, 'probe failed: no route to 198.18.4.2 (ENETUNREACH)\n');
  t.same(h.logs, ['probe of 198.18.4.2 failed: no route to 198.18.4.2 (ENETUNREACH)']);
  t.equal(h.shared.leases, 0);
  t.equal(await h.metric('ttl_probe_exporter_probes_total{result="error"}'), 1);
});

t.test('shutdown: in-flight probes aborted and answered 503, no new connections', async (t) => {
  const gate = gatedProbe();
  const h = await start(t, { runProbe: gate.run });
  const pending = h.get('/probe?target=198.18.4.2&ports=22');
  await until(() => gate.waiting.length === 1, 'the probe running');
  const started = Date.now();
  // A grace far longer than the bound below: waiting for the probe instead of aborting it would take all of it.
  await h.exporter.shutdown(60_000);
  t.ok(Date.now() - started < 10_000, 'did not wait for the probe to end by itself');
  const reply = await pending;
  t.equal(reply.status, 503);
  t.equal(reply.body, 'the exporter is shutting down\n');
  t.equal(h.shared.leases, 0);
  t.equal(h.exporter.server.listening, false);
  await t.rejects(h.get('/metrics'), { code: 'ECONNREFUSED' });
});

t.test('--vantage: a vantage label on every series of /probe and /metrics, none on refusals', async (t) => {
  const h = await start(t, { vantage: 'dc-1' });
  const probe = await h.get('/probe?target=198.18.4.2&ports=22,443');
  t.equal(probe.status, 200);
  const samples = (body: string) => body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  t.ok(samples(probe.body).length > 10);
  t.same(samples(probe.body).filter((line) => !/^[a-z_]+\{vantage="dc-1"[,}]/.test(line)), [], 'every /probe sample');
  t.match(probe.body, /ttl_probe_port_answered_by\{vantage="dc-1",target="198\.18\.4\.2",address="198\.18\.4\.2",port="22",answered_by="middlebox"\} 1/);
  const metrics = await h.get('/metrics');
  t.same(samples(metrics.body).filter((line) => !/^[a-z_]+\{vantage="dc-1"[,}]/.test(line)), [], 'every /metrics sample');
  const refused = await h.get('/probe?target=198.18.4.2');
  t.equal(refused.status, 400);
  t.notMatch(refused.body, /vantage/, 'a refusal is text, not an exposition');
  const plain = await start(t);
  t.notMatch((await plain.get('/metrics')).body, /vantage/, 'without --vantage, no label');
});
