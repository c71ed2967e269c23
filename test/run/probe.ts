import t from 'tap';
import { probeReport } from '../../src/run/probe.js';
import type { Transport } from '../../src/transport/transport.js';
import { fakeTransport, type FakeTransport } from '../helpers/fake-network.js';

/** The fake network, except that the kernel refuses every TTL-limited packet (as a local firewall dropping them would). */
function refusingTracedProbes(base: FakeTransport): Transport & { refused: number } {
  const wrapped = {
    ...base,
    refused: 0,
    send(packet: Buffer, destination: string) {
      if (packet[8]! < 64) {
        wrapped.refused++;
        base.failSend(new Error('EPERM'), destination);
        return;
      }
      base.send(packet, destination);
    },
  };
  return wrapped;
}

t.test('send errors of the scan and of the trace are counted together, and each phase removes its listeners', async (t) => {
  const base = fakeTransport([{ address: '198.18.4.2', echoTtl: 61, ports: { 22: { reply: 'rst', ttl: 63 }, 443: { reply: 'syn-ack', ttl: 61 } } }]);
  const transport = refusingTracedProbes(base);
  const outcome = await probeReport(transport, {
    targets: [{ target: 'h', address: '198.18.4.2' }],
    ports: [22, 443],
    echoCount: 3,
    tries: 1,
    timeoutMs: 100,
    rate: 10000,
    trace: true,
    maxHops: 8,
  });
  t.ok(transport.refused > 0, `the trace sent TTL-limited probes (${transport.refused})`);
  t.equal(outcome.sendErrors, transport.refused, 'every refusal counted, none lost');
  t.match(outcome.report.targets[0]!.ports, [{ port: 22, state: 'closed' }, { port: 443, state: 'open' }]);
  t.equal(base.listeners, 0, 'no packet listener left behind');
});
