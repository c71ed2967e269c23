/**
 * Receive throughput of the project's addon (native/raw6.cc) against raw-socket's path for IPv4
 * (src/transport/raw.ts's draining receive), issue 13: does recvmmsg make the new path faster, and
 * is IPv6 through it as fast as IPv4 through raw-socket?
 *
 *   sudo node dist/scripts/bench-raw6.js [--rounds 40] [--packets 4000] [--repeats 3]
 *
 * Runs only inside a namespace of its own (created and removed here; loopback only, no address is
 * added anywhere). Each round, in one worker process: a send-only socket puts N echo replies to the
 * loopback address (IPv4: an IPPROTO_RAW socket; IPv6: an ICMPv6 socket whose filter blocks every
 * type, so it keeps no copies) in one synchronous loop - loopback delivers each during its send, so
 * N packets wait in the receiver's queue - then the event loop runs the receiver, and the round
 * times the drain from the end of the send loop to the N-th packet handed to JS. Packets per
 * second = N / that time. Each mode's workers alternate with the others' (--repeats), and the
 * median over all rounds is printed with its ratio to raw-socket's.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { monotonicMs } from '../src/clock.js';
import { openRawTransport } from '../src/transport/raw.js';
import { batchPackets, loadRaw6Addon, openRaw6 } from '../src/transport/raw6.js';

/**
 * raw-socket4: src/transport/raw.ts's receive (recvfrom per packet, one JS call per packet, no copy).
 * addonF-recvmsg: the addon, one recvmsg() and one JS call per packet. addonF-recvmsg32: 32
 * recvmsg() calls per JS call. addonF-recvmmsg32: one recvmmsg() of up to 32 per JS call (the
 * default of src/transport/raw6.ts). IPv6 modes go through src/transport/raw6.ts's openRaw6.
 */
type Mode = 'raw-socket4' | 'addon4-recvmsg' | 'addon4-recvmsg32' | 'addon4-recvmmsg32' | 'addon6-recvmsg' | 'addon6-recvmsg32' | 'addon6-recvmmsg32';
const MODES: Mode[] = ['raw-socket4', 'addon4-recvmsg', 'addon4-recvmsg32', 'addon4-recvmmsg32', 'addon6-recvmsg', 'addon6-recvmsg32', 'addon6-recvmmsg32'];

interface WorkerJob {
  mode: Mode;
  rounds: number;
  packets: number;
}
interface WorkerResult {
  mode: Mode;
  /** Per round: packets per second of the drain, and packets lost (the receive queue overflowed). */
  rounds: { pps: number; lost: number; sendPps: number }[];
  receiveBufferBytes: number;
}

const DATA = Buffer.alloc(56, 0x61);

/** An ICMPv6 echo reply (type 129), 64 bytes; the kernel fills the checksum. */
function echoReply6(sequence: number): Buffer {
  const packet = Buffer.concat([Buffer.alloc(8), DATA]);
  packet[0] = 129;
  packet.writeUInt16BE(0x7470, 4);
  packet.writeUInt16BE(sequence & 0xffff, 6);
  return packet;
}

function checksum(buffer: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buffer.length; i += 2) sum += buffer.readUInt16BE(i);
  if (buffer.length % 2) sum += buffer[buffer.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A whole IPv4 packet 127.0.0.1 -> 127.0.0.1 holding an ICMP echo reply, 84 bytes (an IPPROTO_RAW socket sends headers as written). */
function echoReply4(sequence: number): Buffer {
  const icmp = Buffer.concat([Buffer.alloc(8), DATA]);
  icmp.writeUInt16BE(0x7470, 4);
  icmp.writeUInt16BE(sequence & 0xffff, 6);
  icmp.writeUInt16BE(checksum(icmp), 2);
  const header = Buffer.from([0x45, 0, 0, 84, 0, 0, 0x40, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
  header.writeUInt16BE(checksum(header), 10);
  return Buffer.concat([header, icmp]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The worker: runs inside the bench's namespace. */
async function worker(job: WorkerJob): Promise<WorkerResult> {
  const addon = loadRaw6Addon();
  let received = 0;
  let lastAt = 0;
  let wake: (() => void) | undefined;
  let target = Infinity;
  const count = (hopLimit: number): void => {
    if (hopLimit < 0) throw new Error('no hop limit');
    received++;
    if (received >= target) {
      lastAt = monotonicMs();
      wake?.();
    }
  };
  let receiveBufferBytes = 0;
  let stop: () => void;
  let send: (sequence: number) => void;
  const family = job.mode.includes('6') ? 6 : 4;
  const batch = job.mode.endsWith('32') ? 32 : 1;
  const useRecvmmsg = job.mode.endsWith('recvmmsg32');
  if (family === 6) {
    const receiver = openRaw6(58, { batch, useRecvmmsg });
    receiveBufferBytes = receiver.receiveBufferBytes;
    const off = receiver.onPacket((packet) => count(packet.hopLimit));
    const sender = addon.open(6, 58, [], 0);
    send = (sequence) => {
      if (addon.send(sender.fd, 6, echoReply6(sequence), '::1', 64, 0) !== undefined) throw new Error('send buffer full');
    };
    stop = () => {
      off();
      receiver.close();
      addon.close(sender.fd);
    };
  } else {
    const sender = addon.open(4, 255, null, 0);
    send = (sequence) => {
      if (addon.send(sender.fd, 4, echoReply4(sequence), '127.0.0.1', -1, 0) !== undefined) throw new Error('send buffer full');
    };
    if (job.mode === 'raw-socket4') {
      const transport = openRawTransport();
      transport.onPacket((packet) => count(packet[8]!));
      // raw.ts asks SO_RCVBUF 4 MiB, which Linux caps at net.core.rmem_max and doubles.
      receiveBufferBytes = Math.min(4 * 1024 * 1024, Number(execFileSync('sysctl', ['-n', 'net.core.rmem_max'], { encoding: 'utf8' }))) * 2;
      stop = () => {
        transport.close();
        addon.close(sender.fd);
      };
    } else {
      const socket = addon.open(4, 1, null, 4 * 1024 * 1024);
      receiveBufferBytes = socket.receiveBufferBytes;
      // The addon's batches split into packets as src/transport/raw6.ts does for IPv6.
      const receiver = new addon.Receiver(
        socket.fd,
        4,
        batch,
        (data, meta, sources, destinations, total) => {
          for (const packet of batchPackets(data, meta, sources, destinations, total)) count(packet.hopLimit);
        },
        (error) => {
          throw error;
        },
        useRecvmmsg,
      );
      stop = () => {
        receiver.stop();
        addon.close(socket.fd);
        addon.close(sender.fd);
      };
    }
  }
  // Packets built before the clock starts: the rounds time the sockets, not Buffer.concat.
  const result: WorkerResult = { mode: job.mode, rounds: [], receiveBufferBytes };
  // The first rounds warm the JIT up; they are not counted.
  const WARM_UP = 3;
  for (let round = -WARM_UP; round < job.rounds; round++) {
    received = 0;
    target = job.packets;
    const drained = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const sendStart = monotonicMs();
    for (let i = 0; i < job.packets; i++) send(i);
    const start = monotonicMs();
    const timeout = setTimeout(() => {
      lastAt = monotonicMs();
      wake?.();
    }, 2000);
    await drained;
    clearTimeout(timeout);
    const elapsed = lastAt - start;
    if (round >= 0) result.rounds.push({ pps: (Math.min(received, job.packets) / elapsed) * 1000, lost: Math.max(0, job.packets - received), sendPps: (job.packets / (start - sendStart)) * 1000 });
    target = Infinity;
    // A short pause, so stragglers of this round are not counted in the next.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stop();
  return result;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function runWorker(namespace: string, job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, fileURLToPath(import.meta.url), '--worker', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker ${job.mode} exited ${code}`));
      else resolve(JSON.parse(stdout) as WorkerResult);
    });
  });
}

async function main(): Promise<void> {
  const workerIndex = process.argv.indexOf('--worker');
  if (workerIndex >= 0) {
    process.stdout.write(JSON.stringify(await worker(JSON.parse(process.argv[workerIndex + 1]!) as WorkerJob)));
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('bench-raw6 needs root (it builds a network namespace): run it with sudo');
  const rounds = option('rounds', 40);
  const packets = option('packets', 4000);
  const repeats = option('repeats', 3);
  const namespace = `tp6b${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', namespace]);
  const remove = (): void => {
    try {
      execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  process.once('exit', remove);
  try {
    execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    const results = new Map<Mode, WorkerResult['rounds']>(MODES.map((mode) => [mode, []]));
    const buffers = new Map<Mode, number>();
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const mode of MODES) {
        const result = await runWorker(namespace, { mode, rounds: Math.ceil(rounds / repeats), packets });
        results.get(mode)!.push(...result.rounds);
        buffers.set(mode, result.receiveBufferBytes);
      }
    }
    const baseline = median(results.get('raw-socket4')!.map((round) => round.pps));
    process.stdout.write(`receive drain, ${packets} packets queued per round, ${results.get('raw-socket4')!.length} rounds per mode (median)\n`);
    process.stdout.write(`${'mode'.padEnd(20)}${'kpps'.padStart(8)}${'vs raw-socket4'.padStart(16)}${'lost/round'.padStart(12)}${'send kpps'.padStart(11)}${'rcvbuf'.padStart(10)}\n`);
    for (const mode of MODES) {
      const list = results.get(mode)!;
      const pps = median(list.map((round) => round.pps));
      process.stdout.write(
        `${mode.padEnd(20)}${(pps / 1000).toFixed(0).padStart(8)}${`${(pps / baseline).toFixed(2)}x`.padStart(16)}${median(list.map((round) => round.lost)).toFixed(0).padStart(12)}${(median(list.map((round) => round.sendPps)) / 1000).toFixed(0).padStart(11)}${`${((buffers.get(mode) ?? 0) / 1048576).toFixed(0)}M`.padStart(10)}\n`,
      );
    }
  } finally {
    remove();
  }
}

await main();
