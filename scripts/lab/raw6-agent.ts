/**
 * A lab helper for the IPv6 raw-socket tests (test/transport/raw6.ts): run inside a namespace with
 * `ip netns exec NS node dist/scripts/lab/raw6-agent.js JOB`, it opens an IPv6 raw socket there,
 * sends the job's packets, collects what arrives and prints one JSON line:
 *   { receiveBufferBytes, received: [{ payload (hex), source, destination, hopLimit, receivedAt, flowLabel, trafficClass, sentAt }] }
 * or { error: { name, code, message } } (exit 3) when the socket cannot be opened or a send fails.
 *
 * JOB (JSON): { protocol: 58 | 6, sends: [{ packet: hex, destination, hopLimit, flowLabel? }],
 *   waitMs: how long to collect at most, count?: stop after this many packets,
 *   from?: collect only packets whose source is this address, icmp6Types?: the ICMPv6 filter }
 */
import { monotonicMs } from '../../src/clock.js';
import { openRaw6, type Raw6ProtocolNumber } from '../../src/transport/raw6.js';

interface Job {
  protocol: Raw6ProtocolNumber;
  sends: { packet: string; destination: string; hopLimit: number; flowLabel?: number }[];
  waitMs: number;
  count?: number;
  from?: string;
  /** ICMPv6 sockets: the types to deliver (null: all); default the wrapper's. */
  icmp6Types?: number[] | null;
}

function fail(error: unknown): never {
  const { name, message } = error as Error;
  const code = (error as { code?: unknown }).code;
  process.stdout.write(`${JSON.stringify({ error: { name, code, message } })}\n`);
  process.exit(3);
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
let socket;
try {
  socket = openRaw6(job.protocol, job.icmp6Types === undefined ? {} : { icmp6Types: job.icmp6Types });
} catch (error) {
  fail(error);
}
const received: { payload: string; source: string; destination: string; hopLimit: number; receivedAt: number; flowLabel: number; trafficClass: number; sentAt: number }[] = [];
let sentAt = 0;
let timer: NodeJS.Timeout | undefined;
const finish = (): void => {
  if (timer) clearTimeout(timer);
  socket.close();
  process.stdout.write(`${JSON.stringify({ receiveBufferBytes: socket.receiveBufferBytes, received })}\n`);
};
socket.onPacket((packet) => {
  if (job.from !== undefined && packet.source !== job.from) return;
  received.push({ ...packet, payload: packet.payload.toString('hex'), sentAt });
  if (job.count !== undefined && received.length >= job.count) finish();
});
sentAt = monotonicMs();
for (const send of job.sends) {
  try {
    if (!socket.send(Buffer.from(send.packet, 'hex'), send.destination, send.hopLimit, send.flowLabel)) fail(new Error('send buffer full'));
  } catch (error) {
    fail(error);
  }
}
timer = setTimeout(finish, job.waitMs);
