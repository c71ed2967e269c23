import t from 'tap';
import { scan, DEFAULT_SCAN_OPTIONS, type ScanOptions } from '../../src/scan/engine.js';
import { buildTargetReport } from '../../src/infer/target-report.js';
import { fakeTransport, tcpPacket, type FakeHost } from '../helpers/fake-network.js';
import { decodeTcp, TcpFlag } from '../../src/packet/tcp.js';
import { decodeIPv4, IpProtocol } from '../../src/packet/ipv4.js';

const fast = (ports: number[], extra: Partial<ScanOptions> = {}): ScanOptions => ({
  ...DEFAULT_SCAN_OPTIONS,
  ports,
  timeoutMs: 150,
  ...extra,
});

const articleHost: FakeHost = {
  address: '198.18.4.2',
  echoTtl: 61,
  ports: {
    22: { reply: 'rst', ttl: 63 },
    80: { reply: 'rst', ttl: 61 },
    443: { reply: 'syn-ack', ttl: 61 },
    8080: { reply: 'silent' },
    3306: { reply: 'icmp', ttl: 63, from: '198.18.2.2', type: 3, code: 13, quotedTtl: 62 },
  },
};

t.test('classifies every reply kind and retries only silent ports', async (t) => {
  const transport = fakeTransport([articleHost]);
  const result = await scan(transport, [{ target: 'db1', address: '198.18.4.2' }], fast([22, 80, 443, 3306, 8080]));
  t.equal(result.interrupted, false);
  const report = buildTargetReport(result.observations[0]!);
  const byPort = Object.fromEntries(report.ports.map((p) => [p.port, p]));
  t.match(byPort[22], { state: 'closed', answeredBy: 'middlebox', hop: 2, tries: 1 });
  t.match(byPort[80], { state: 'closed', answeredBy: 'host', hop: 4, tries: 1 });
  t.match(byPort[443], { state: 'open', answeredBy: 'host', hop: 4, tries: 1 });
  t.match(byPort[3306], { state: 'unreachable', answeredBy: 'middlebox', hop: 2, reply: { from: '198.18.2.2', icmpType: 3, icmpCode: 13, probeDistance: 2 } });
  t.match(byPort[8080], { state: 'filtered', answeredBy: 'none', hop: null, tries: 2 });
  t.same(report.echo, { ...report.echo, sent: 3, received: 3, ttl: 61, distance: 3 });
  t.equal(transport.sent.length, 3 + 5 + 2, 'three echoes, five SYNs, one re-send for the silent port after its RST');
  const segments = transport.sent.flatMap((packet) => {
    const ip = decodeIPv4(packet);
    const tcp = ip.ok && ip.value.header.protocol === IpProtocol.TCP ? decodeTcp(ip.value.payload) : null;
    return tcp?.ok ? [tcp.value] : [];
  });
  const toSilent = segments.filter((segment) => segment.destinationPort === 8080).map((segment) => [segment.flags, segment.sequence]);
  const synSequence = toSilent[0]![1]!;
  t.same(toSilent, [[TcpFlag.SYN, synSequence], [TcpFlag.RST, (synSequence + 1) >>> 0], [TcpFlag.SYN, synSequence]],
    'the re-send goes out right after a RST at the first SYN\'s sequence + 1, and only to the silent port');
});

t.test('a port answered on a later try', async (t) => {
  const transport = fakeTransport([{ address: '198.18.4.2', echoTtl: 61, ports: { 443: { reply: 'lossy', silentTries: 2, then: 'syn-ack', ttl: 61 } } }]);
  const result = await scan(transport, [{ target: 'h', address: '198.18.4.2' }], fast([443], { tries: 3 }));
  t.match(result.observations[0]!.ports[0], { port: 443, tries: 3, reply: { kind: 'syn-ack' } });
});

t.test('replies without our cookie are ignored and never change a verdict', async (t) => {
  const transport = fakeTransport([{ address: '198.18.4.2', echoTtl: 61, ports: { 22: { reply: 'rst', ttl: 63, ackOffset: 7 }, 443: { reply: 'syn-ack', ttl: 61, ackOffset: 1000 } } }]);
  const result = await scan(transport, [{ target: 'h', address: '198.18.4.2' }], fast([22, 443], { tries: 1 }));
  const report = buildTargetReport(result.observations[0]!);
  t.same(report.ports.map((p) => p.state), ['filtered', 'filtered']);
  t.equal(report.ignored, 2);
});

t.test('a spoofed RST for a port we did not probe is counted as ignored', async (t) => {
  const transport = fakeTransport([{ ...articleHost, delayMs: 40 }]);
  const running = scan(transport, [{ target: 'h', address: '198.18.4.2' }], fast([443], { flowId: 40000 }));
  await new Promise((resolve) => setTimeout(resolve, 10));
  transport.inject(tcpPacket({ source: '198.18.4.2', destination: '198.18.1.1', sourcePort: 25, destinationPort: 40000, sequence: 1, acknowledgment: 1, flags: TcpFlag.RST | TcpFlag.ACK, ttl: 63 }));
  transport.inject(tcpPacket({ source: '198.18.9.9', destination: '198.18.1.1', sourcePort: 25, destinationPort: 40000, sequence: 1, acknowledgment: 1, flags: TcpFlag.RST | TcpFlag.ACK, ttl: 63 }));
  transport.inject(Buffer.from('not a packet'));
  const result = await running;
  const report = buildTargetReport(result.observations[0]!);
  t.equal(report.ignored, 1, 'only the RST aimed at this run counts; unrelated traffic does not');
  t.match(report.ports, [{ port: 443, state: 'open', answeredBy: 'host' }]);
});

t.test('two targets at once, each with its own verdicts', async (t) => {
  const other: FakeHost = { address: '198.18.7.2', echoTtl: 125, ports: { 22: { reply: 'syn-ack', ttl: 125 }, 443: { reply: 'rst', ttl: 253 } } };
  const transport = fakeTransport([articleHost, other]);
  const result = await scan(transport, [{ target: 'a', address: '198.18.4.2' }, { target: 'b', address: '198.18.7.2' }], fast([22, 443]));
  const [a, b] = result.observations.map(buildTargetReport);
  t.match(a!.ports, [{ port: 22, answeredBy: 'middlebox' }, { port: 443, answeredBy: 'host' }]);
  t.match(b!.ports, [{ port: 22, state: 'open', answeredBy: 'host', hop: 4 }, { port: 443, state: 'closed', answeredBy: 'middlebox', hop: 3 }]);
});

t.test('an abort stops sending and keeps what was learned', async (t) => {
  const controller = new AbortController();
  const transport = fakeTransport([{ address: '198.18.4.2', echoTtl: 61, ports: {} }]);
  const ports = Array.from({ length: 2000 }, (_, i) => i + 1);
  const running = scan(transport, [{ target: 'h', address: '198.18.4.2' }], fast(ports, { rate: 2000, signal: controller.signal }));
  setTimeout(() => controller.abort(), 100);
  const result = await running;
  t.equal(result.interrupted, true);
  const observation = result.observations[0]!;
  const finished = observation.ports.filter((p) => p.finished);
  t.ok(finished.length > 0 && finished.length < ports.length, `some ports finished (${finished.length}), not all`);
  t.ok(finished.every((p) => p.reply?.kind === 'rst'), 'every finished port has its real reply');
  t.ok(transport.sent.length < ports.length, 'sending stopped');
});

t.test('the scan counts send errors and removes its listeners when it ends', async (t) => {
  const transport = fakeTransport([{ address: '198.18.4.2', echoTtl: 61, ports: {} }]);
  const send = transport.send.bind(transport);
  transport.send = (packet, destination) => {
    // The kernel refuses every segment to port 25 (both SYNs and the RST before the second).
    if (packet[9] === 6 && packet.readUInt16BE(22) === 25) transport.failSend(new Error('EPERM'), destination);
    else send(packet, destination);
  };
  const result = await scan(transport, [{ target: 'h', address: '198.18.4.2' }], fast([22, 25], { tries: 2 }));
  t.equal(result.sendErrors, 3, 'both tries to port 25 and the RST before the second');
  t.match(result.observations[0]!.ports, [{ port: 22, reply: { kind: 'rst' } }, { port: 25, reply: null, tries: 2 }]);
  t.equal(transport.listeners, 0);
});
