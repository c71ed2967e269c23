// The tracer over a scripted path (no packet leaves the process): routers that answer time-exceeded
// per TTL and rate-limit as Linux does, a firewall that drops a port; the canary decides whether a
// silent port's drop point is confirmed.
import t from 'tap';
import { probeReport } from '../../src/run/probe.js';
import { fakePathTransport, type FakePath, type FakeRouter } from '../helpers/fake-path.js';

const HOST = '198.18.4.2';
const router = (hop: number, fields: Partial<FakeRouter> = {}): FakeRouter => ({ address: `198.18.${hop}.2`, burst: 6, ...fields });

/** Three routers, the host at hop 4 (distance 3: TTL 61); 443 open; 3306 dropped by the firewall at hop 2. */
function path(routers: FakeRouter[]): FakePath {
  return { routers, drops: { 3306: 2 }, host: { address: HOST, echoTtl: 61, ports: { 443: { reply: 'syn-ack', ttl: 61 } } } };
}

async function trace(network: FakePath) {
  const transport = fakePathTransport(network);
  const outcome = await probeReport(transport, { targets: [{ target: HOST, address: HOST }], ports: [443, 3306], echoCount: 1, tries: 1, timeoutMs: 150, rate: 10_000, trace: true, maxHops: 8 });
  const target = outcome.report.targets[0]!;
  return { transport, target, port: (port: number) => target.ports.find((p) => p.port === port)! };
}

t.test('every router answering: the path, and the drop point confirmed by the canary', async (t) => {
  const { target, port } = await trace(path([router(1), router(2), router(3)]));
  t.same(target.path?.map((hop) => hop.address), ['198.18.1.2', '198.18.2.2', '198.18.3.2', HOST]);
  t.same(port(3306).droppedAfter, { hop: 2, address: '198.18.2.2', confirmed: true });
  t.match(port(443).responder, { hop: 4, address: HOST });
});

t.test('a router that never answers: the drop point stays unconfirmed', async (t) => {
  const { target, port, transport } = await trace(path([router(1), router(2), router(3, { burst: 0, tokens: 0 })]));
  t.same(port(3306).droppedAfter, { hop: 2, address: '198.18.2.2', confirmed: false }, 'router 3 silent for the canary too: 3306 may have died at 3 or later');
  t.equal(target.path?.[2]?.address, null, 'hop 3 unknown');
  t.equal(transport.timeExceededSent.get(3), undefined);
});

t.test('a router drained by an earlier run: the tracer waits for its refill and confirms on a later round', async (t) => {
  const { port, transport } = await trace(path([router(1), router(2), router(3, { burst: 1, tokens: 0, intervalMs: 300 })]));
  t.same(port(3306).droppedAfter, { hop: 2, address: '198.18.2.2', confirmed: true });
  t.ok((transport.timeExceededSent.get(3) ?? 0) >= 1, 'router 3 answered once refilled');
});
