// The idle engine over a fake transport and fake connections: what it concludes from the segments a
// peer (or a forger) sends, and that it never writes into a stream. The lab tests (test/e2e/idle.ts)
// show the same against real kernels.
import t from 'tap';
import { runIdle, type IdleJob, type IdleRunOptions } from '../../src/idle/engine.js';
import { buildSegment, readIdleEvent } from '../../src/idle/segments.js';
import { TcpFlag } from '../../src/packet/tcp.js';
import { monotonicMs } from '../../src/clock.js';
import type { StreamConnector, StreamHandle } from '../../src/transport/stream.js';
import type { ReceivedPacket, Transport } from '../../src/transport/transport.js';

const SERVER = '198.18.4.2';
const CLIENT = '198.18.1.1';
const SERVER_ISN = 7_000_000;
const CLIENT_ISN = 4_000_000_000;

/** A peer behind the fake transport: answers each check per `answer`, sees every segment sent. */
function fakeNetwork(answer: (localPort: number, deliver: (flags: number, seq: number, ack: number, ttl: number, from?: string) => void) => void) {
  let listener: ((packet: ReceivedPacket, at: number) => void) | null = null;
  const sent: Buffer[] = [];
  const deliverer = (localPort: number) => (flags: number, seq: number, ack: number, ttl: number, from = SERVER) => {
    const packet = buildSegment({ localAddress: from, localPort: 443, remoteAddress: CLIENT, remotePort: localPort }, { sequence: seq, acknowledgment: ack, flags, ttl, ipId: 0 });
    setImmediate(() => listener?.(packet, monotonicMs()));
  };
  const transport: Transport = {
    sourceFor: async () => CLIENT,
    send(packet) {
      sent.push(Buffer.from(packet));
      const event = readIdleEvent(packet);
      if (event?.type === 'tcp') answer(event.tuple.remotePort, deliverer(event.tuple.remotePort)); // our packet read as if received: the tuple is reversed
    },
    onPacket(next) {
      listener = next;
      return () => {
        if (listener === next) listener = null;
      };
    },
    backlog: () => 0,
    onSendError: () => () => undefined,
    close: () => undefined,
  };
  let nextPort = 40000;
  const closed: number[] = [];
  const connect: StreamConnector = async () => {
    const localPort = nextPort++;
    // The raw socket sees the SYN-ACK (seq = the server's ISN, ack = ours + 1).
    deliverer(localPort)(TcpFlag.SYN | TcpFlag.ACK, SERVER_ISN, CLIENT_ISN + 1, 61);
    const handle: StreamHandle = { localAddress: CLIENT, localPort, bytesReceived: () => 0, onEnd: () => undefined, close: () => void closed.push(localPort) };
    return handle;
  };
  return { transport, connect, sent, closed, deliverer };
}

const job: IdleJob = { address: SERVER, port: 443, referenceDistance: 3 };
const options: IdleRunOptions = { maxIdleS: 1, resolution: { kind: 'absolute', seconds: 0.5 }, maxConnections: 10, timeoutMs: 300, checkTries: 2 };
const ALIVE = (deliver: (flags: number, seq: number, ack: number, ttl: number) => void) => deliver(TcpFlag.ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 61);

t.test('every check acknowledged: it survived --max-idle, and every check is a zero-length ACK of seq SND.NXT - 1', async (t) => {
  const net = fakeNetwork((_port, deliver) => ALIVE(deliver));
  const [result] = await runIdle(net.transport, net.connect, [job], options);
  t.equal(result!.timeout, null);
  t.equal(result!.connections, 2, 'one per idle time: 0.5 s and 1 s');
  t.equal(result!.explanation, 'every connection survived up to 1 s idle: no idle timeout up to --max-idle');
  t.equal(net.sent.length, 2);
  for (const packet of net.sent) {
    const event = readIdleEvent(packet);
    t.match(event, { type: 'tcp', flags: TcpFlag.ACK, sequence: CLIENT_ISN, acknowledgment: SERVER_ISN + 1, payloadLength: 0 });
  }
  t.same(net.closed.sort(), [40000, 40001], 'every connection closed');
});

t.test('a RST with seq = RCV.NXT from two hops nearer than the host: rst, middlebox at hop 2', async (t) => {
  let checks = 0;
  const net = fakeNetwork((_port, deliver) => (++checks === 1 ? ALIVE(deliver) : deliver(TcpFlag.RST, SERVER_ISN + 1, 0, 63)));
  const [result] = await runIdle(net.transport, net.connect, [job], options);
  t.same(result!.timeout, { minS: 0.5, maxS: 1 });
  t.equal(result!.ends, 'rst');
  t.same(result!.by, { answeredBy: 'middlebox', hop: 2, ttl: 63, address: SERVER });
});

t.test('forged answers are ignored: a RST one off in sequence, an ACK from another address, a FIN out of sequence', async (t) => {
  const net = fakeNetwork((_port, deliver) => {
    deliver(TcpFlag.RST, SERVER_ISN + 2, 0, 63);
    deliver(TcpFlag.FIN | TcpFlag.ACK, SERVER_ISN + 100, CLIENT_ISN + 1, 61);
    (deliver as (flags: number, seq: number, ack: number, ttl: number, from: string) => void)(TcpFlag.RST, SERVER_ISN + 1, 0, 63, '198.18.9.9');
  });
  const [result] = await runIdle(net.transport, net.connect, [job], options);
  t.equal(result!.ends, 'drop', 'nothing valid came back: silence');
  t.equal(result!.by, null);
  t.same(result!.timeout, { minS: 0, maxS: 0.5 });
  t.equal(net.sent.filter((packet) => readIdleEvent(packet)?.type === 'tcp' && (readIdleEvent(packet) as { flags: number }).flags === TcpFlag.ACK && packet[8] === 64).length >= 2, true, 'the check was sent twice before silence counted');
});

t.test('a FIN by itself while idle: close, recorded with its time and sender', async (t) => {
  const net = fakeNetwork((_port, deliver) => ALIVE(deliver));
  const realConnect = net.connect;
  // 40000 is the connection for 1 s (it opens first: its check may not come after --max-idle).
  const connect: StreamConnector = async (...args) => {
    const handle = await realConnect(...args);
    if (handle.localPort === 40000) setTimeout(() => net.deliverer(handle.localPort)(TcpFlag.FIN | TcpFlag.ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 61), 700);
    return handle;
  };
  const [result] = await runIdle(net.transport, connect, [job], options);
  t.equal(result!.ends, 'close');
  t.same(result!.by, { answeredBy: 'host', hop: 4, ttl: 61, address: SERVER });
  t.equal(result!.unsolicited.length, 1);
  t.match(result!.unsolicited[0], { kind: 'close', answeredBy: 'host', hop: 4 });
  t.ok(result!.unsolicited[0]!.atS >= 0.6 && result!.unsolicited[0]!.atS < 1, `at its idle time (${result!.unsolicited[0]!.atS} s)`);
});

t.test('a RST by itself while idle from two hops nearer (a device whose timer fired): rst, unsolicited, middlebox', async (t) => {
  const net = fakeNetwork((_port, deliver) => ALIVE(deliver));
  const realConnect = net.connect;
  const connect: StreamConnector = async (...args) => {
    const handle = await realConnect(...args);
    if (handle.localPort === 40000) setTimeout(() => net.deliverer(handle.localPort)(TcpFlag.RST, SERVER_ISN + 1, 0, 63), 600);
    return handle;
  };
  const [result] = await runIdle(net.transport, connect, [job], options);
  t.equal(result!.ends, 'rst');
  t.same(result!.by, { answeredBy: 'middlebox', hop: 2, ttl: 63, address: SERVER });
  t.match(result!.unsolicited, [{ kind: 'rst', answeredBy: 'middlebox', hop: 2, ttl: 63, address: SERVER }]);
});

t.test('connections that cannot open prove nothing', async (t) => {
  const net = fakeNetwork(() => undefined);
  const refused: StreamConnector = async () => {
    throw new Error('ECONNREFUSED');
  };
  const [result] = await runIdle(net.transport, refused, [job], options);
  t.equal(result!.timeout, null);
  t.match(result!.explanation, /^undetermined: .*connect: ECONNREFUSED$/);
  t.equal(net.sent.length, 0, 'nothing sent');
});

t.test('aborted: everything closed, nothing claimed', async (t) => {
  const net = fakeNetwork((_port, deliver) => ALIVE(deliver));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const [result] = await runIdle(net.transport, net.connect, [job], { ...options, maxIdleS: 30, signal: controller.signal });
  t.equal(result!.timeout, null);
  t.equal(result!.explanation, 'interrupted before any idle connection ended');
  t.equal(net.closed.length, result!.connections, 'every opened connection closed');
});
