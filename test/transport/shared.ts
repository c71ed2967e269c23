import t from 'tap';
import { shareTransport } from '../../src/transport/shared.js';
import { fakeTransport } from '../helpers/fake-network.js';
import { scan, DEFAULT_SCAN_OPTIONS } from '../../src/scan/engine.js';
import { buildTargetReport } from '../../src/infer/target-report.js';

t.test('concurrent runs over one shared transport each get their own verdicts', async (t) => {
  const base = fakeTransport([
    { address: '198.18.4.2', echoTtl: 61, ports: { 22: { reply: 'rst', ttl: 63 }, 443: { reply: 'syn-ack', ttl: 61 } } },
    { address: '198.18.7.2', echoTtl: 125, ports: { 22: { reply: 'syn-ack', ttl: 125 } } },
  ]);
  const shared = shareTransport(base);
  const a = shared.lease();
  const b = shared.lease();
  t.equal(shared.leases, 2);
  const options = { ...DEFAULT_SCAN_OPTIONS, timeoutMs: 150 };
  const [ra, rb] = await Promise.all([
    scan(a, [{ target: 'a', address: '198.18.4.2' }], { ...options, ports: [22, 443] }),
    scan(b, [{ target: 'b', address: '198.18.7.2' }], { ...options, ports: [22] }),
  ]);
  t.match(buildTargetReport(ra.observations[0]!).ports, [{ port: 22, answeredBy: 'middlebox' }, { port: 443, answeredBy: 'host' }]);
  t.match(buildTargetReport(rb.observations[0]!).ports, [{ port: 22, state: 'open', answeredBy: 'host' }]);
  t.equal(buildTargetReport(ra.observations[0]!).ignored, 0, "the other run's replies are not even counted as ignored");
  a.close();
  b.close();
  t.equal(shared.leases, 0);
  t.equal(base.closed, false, 'closing leases keeps the sockets');
  shared.close();
  t.equal(base.closed, true);
});

t.test("a lease's disposers remove its listeners, and only its own", async (t) => {
  const base = fakeTransport([]);
  const shared = shareTransport(base);
  const a = shared.lease();
  const b = shared.lease();
  const seen: string[] = [];
  const stopA = a.onPacket(() => seen.push('a'));
  b.onPacket(() => seen.push('b'));
  const stopErrors = a.onSendError((error) => seen.push(`a:${error.message}`));
  base.inject(Buffer.alloc(1));
  base.failSend(new Error('EPERM'), '198.18.4.2');
  t.same(seen, ['a', 'b', 'a:EPERM']);
  stopA();
  stopErrors();
  stopA();
  base.inject(Buffer.alloc(1));
  base.failSend(new Error('EPERM'), '198.18.4.2');
  t.same(seen, ['a', 'b', 'a:EPERM', 'b'], 'a hears nothing more; b still does');
  const stopOld = a.onPacket(() => seen.push('old'));
  a.onPacket(() => seen.push('new'));
  stopOld();
  base.inject(Buffer.alloc(1));
  t.same(seen.slice(4), ['b', 'new'], "a replaced listener's disposer leaves its successor alone");
  shared.close();
});
