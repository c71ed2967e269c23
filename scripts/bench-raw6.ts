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
 *
 * Then the send side: N packets sent in one synchronous loop out of a veth whose other end (in a
 * second namespace, no addresses) drops them, so almost no receive work is timed:
 * raw-socket's synchronous send (src/transport/raw.ts), the addon's sendmsg per packet, and its
 * sendmmsg of 32.
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

/**
 * send-addon6-hdrincl: whole IPv6 packets (header and checksum written by us) through an IPPROTO_RAW
 * socket, which Linux treats as IPV6_HDRINCL: the IPv6 counterpart of raw-socket's IPv4 path, to
 * see what the kernel's own header, source selection and checksum cost on the send side.
 */
type SendMode = 'send-raw-socket4' | 'send-addon4-sendmsg' | 'send-addon4-sendmmsg32' | 'send-addon6-sendmsg' | 'send-addon6-sendmmsg32' | 'send-addon6-hdrincl';
const SEND_MODES: SendMode[] = ['send-raw-socket4', 'send-addon4-sendmsg', 'send-addon4-sendmmsg32', 'send-addon6-sendmsg', 'send-addon6-sendmmsg32', 'send-addon6-hdrincl'];
/** Addresses of the send sink's link (RFC 2544 and RFC 5180 benchmarking ranges): ours, and the on-link destinations nobody answers. */
const DUMMY = { source4: '198.18.200.1', destination4: '198.18.200.2', source6: '2001:2:0:200::1', destination6: '2001:2:0:200::2' } as const;

interface SendJob {
  mode: SendMode;
  rounds: number;
  packets: number;
}

interface WorkerJob {
  mode: Mode;
  rounds: number;
  packets: number;
}
interface WorkerResult {
  mode: Mode;
  /** Per round: packets per second of the drain, and packets lost (the receive queue overflowed). */
  rounds: { pps: number; lost: number }[];
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

/** A whole IPv4 packet holding an ICMP echo reply (type 0, or `type`), 84 bytes (an IPPROTO_RAW socket sends headers as written). */
function echoReply4(sequence: number, source = '127.0.0.1', destination = '127.0.0.1', type = 0): Buffer {
  const icmp = Buffer.concat([Buffer.alloc(8), DATA]);
  icmp[0] = type;
  icmp.writeUInt16BE(0x7470, 4);
  icmp.writeUInt16BE(sequence & 0xffff, 6);
  icmp.writeUInt16BE(checksum(icmp), 2);
  const header = Buffer.from([0x45, 0, 0, 84, 0, 0, 0x40, 0, 64, 1, 0, 0, ...source.split('.').map(Number), ...destination.split('.').map(Number)]);
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
  let send: (index: number) => void;
  // Packets built before the clock starts: the rounds time the sockets, not Buffer.concat.
  const replies6 = Array.from({ length: job.packets }, (_, i) => echoReply6(i));
  const replies4 = Array.from({ length: job.packets }, (_, i) => echoReply4(i));
  const family = job.mode.includes('6') ? 6 : 4;
  const batch = job.mode.endsWith('32') ? 32 : 1;
  const useRecvmmsg = job.mode.endsWith('recvmmsg32');
  if (family === 6) {
    const receiver = openRaw6(58, { batch, useRecvmmsg });
    receiveBufferBytes = receiver.receiveBufferBytes;
    const off = receiver.onPacket((packet) => count(packet.hopLimit));
    const sender = addon.open(6, 58, [], 0);
    send = (index) => {
      if (addon.send(sender.fd, 6, replies6[index]!, '::1', 64, 0) !== undefined) throw new Error('send buffer full');
    };
    stop = () => {
      off();
      receiver.close();
      addon.close(sender.fd);
    };
  } else {
    const sender = addon.open(4, 255, null, 0);
    send = (index) => {
      if (addon.send(sender.fd, 4, replies4[index]!, '127.0.0.1', -1, 0) !== undefined) throw new Error('send buffer full');
    };
    if (job.mode === 'raw-socket4') {
      const transport = openRawTransport();
      transport.onPacket((packet) => count((packet as Buffer)[8]!));
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
  const result: WorkerResult = { mode: job.mode, rounds: [], receiveBufferBytes };
  // The first rounds warm the JIT up; they are not counted.
  const WARM_UP = 3;
  for (let round = -WARM_UP; round < job.rounds; round++) {
    received = 0;
    target = job.packets;
    const drained = new Promise<void>((resolve) => {
      wake = resolve;
    });
    for (let i = 0; i < job.packets; i++) send(i);
    const start = monotonicMs();
    const timeout = setTimeout(() => {
      lastAt = monotonicMs();
      wake?.();
    }, 2000);
    await drained;
    clearTimeout(timeout);
    const elapsed = lastAt - start;
    if (round >= 0) result.rounds.push({ pps: (Math.min(received, job.packets) / elapsed) * 1000, lost: Math.max(0, job.packets - received) });
    target = Infinity;
    // A short pause, so stragglers of this round are not counted in the next.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stop();
  return result;
}

/** A whole IPv6 packet source6 -> destination6 holding `icmp` with its checksum (over the RFC 8200 pseudo-header) filled. */
function withIpv6Header(icmp: Buffer, source: string, destination: string): Buffer {
  const address = (text: string): Buffer => {
    const [head, tail = ''] = text.split('::');
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
    const bytes = Buffer.alloc(16);
    groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
    return bytes;
  };
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x60000000, 0);
  header.writeUInt16BE(icmp.length, 4);
  header[6] = 58;
  header[7] = 64;
  address(source).copy(header, 8);
  address(destination).copy(header, 24);
  const body = Buffer.from(icmp);
  body.writeUInt16BE(0, 2);
  const pseudo = Buffer.alloc(40);
  header.copy(pseudo, 0, 8, 40);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo[39] = 58;
  body.writeUInt16BE(checksum(Buffer.concat([pseudo, body])), 2);
  return Buffer.concat([header, body]);
}

/** The send worker: runs inside the bench's namespace. Per round, packets per second of the send loop. */
function sendWorker(job: SendJob): { mode: SendMode; pps: number[] } {
  const addon = loadRaw6Addon();
  const echo6 = Array.from({ length: job.packets }, (_, i) => {
    const packet = echoReply6(i);
    packet[0] = 128;
    return packet;
  });
  const echo4 = Array.from({ length: job.packets }, (_, i) => echoReply4(i, DUMMY.source4, DUMMY.destination4, 8));
  const CHUNK = 32;
  const chunks = <T>(list: T[]): T[][] => Array.from({ length: Math.ceil(list.length / CHUNK) }, (_, i) => list.slice(i * CHUNK, (i + 1) * CHUNK));
  let sendAll: () => void;
  let stop: () => void;
  if (job.mode === 'send-raw-socket4') {
    const transport = openRawTransport();
    sendAll = () => {
      for (const packet of echo4) transport.send(packet, DUMMY.destination4);
      if (transport.backlog() > 0) throw new Error('raw-socket queued packets: the timing would not be of synchronous sends');
    };
    stop = () => transport.close();
  } else if (job.mode === 'send-addon6-hdrincl') {
    const { fd } = addon.open(6, 255, null, 0);
    const whole = echo6.map((packet) => withIpv6Header(packet, DUMMY.source6, DUMMY.destination6));
    sendAll = () => {
      for (const packet of whole) if (addon.send(fd, 6, packet, DUMMY.destination6, -1, 0) !== undefined) throw new Error('send buffer full');
    };
    stop = () => addon.close(fd);
  } else if (job.mode === 'send-addon6-sendmsg') {
    const socket = openRaw6(58, { icmp6Types: [] });
    sendAll = () => {
      for (const packet of echo6) if (!socket.send(packet, DUMMY.destination6, 64)) throw new Error('send buffer full');
    };
    stop = () => socket.close();
  } else {
    const family = job.mode.startsWith('send-addon6') ? 6 : 4;
    const { fd } = family === 6 ? addon.open(6, 58, [], 0) : addon.open(4, 255, null, 0);
    const packets = family === 6 ? echo6 : echo4;
    const destination = family === 6 ? DUMMY.destination6 : DUMMY.destination4;
    const hopLimit = family === 6 ? 64 : -1;
    if (job.mode.endsWith('sendmmsg32')) {
      const batches = chunks(packets).map((list) => ({ list, destinations: list.map(() => destination), hopLimits: list.map(() => hopLimit) }));
      sendAll = () => {
        for (const batch of batches) if (addon.sendMany(fd, family, batch.list, batch.destinations, batch.hopLimits, 0) !== batch.list.length) throw new Error('send buffer full');
      };
    } else {
      sendAll = () => {
        for (const packet of packets) if (addon.send(fd, family, packet, destination, hopLimit, 0) !== undefined) throw new Error('send buffer full');
      };
    }
    stop = () => addon.close(fd);
  }
  const pps: number[] = [];
  for (let round = -3; round < job.rounds; round++) {
    const start = monotonicMs();
    sendAll();
    const elapsed = monotonicMs() - start;
    if (round >= 0) pps.push((job.packets / elapsed) * 1000);
  }
  stop();
  return { mode: job.mode, pps };
}

/** Packets the bench namespace's d0 has transmitted. */
function transmitted(namespace: string): number {
  const [link] = JSON.parse(execFileSync('ip', ['-n', namespace, '-j', '-s', 'link', 'show', 'd0'], { encoding: 'utf8' })) as { stats64: { tx: { packets: number } } }[];
  return link!.stats64.tx.packets;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function runWorker<R>(namespace: string, job: WorkerJob | SendJob): Promise<R> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, fileURLToPath(import.meta.url), '--worker', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker ${job.mode} exited ${code}`));
      else resolve(JSON.parse(stdout) as R);
    });
  });
}

async function main(): Promise<void> {
  const workerIndex = process.argv.indexOf('--worker');
  if (workerIndex >= 0) {
    const job = JSON.parse(process.argv[workerIndex + 1]!) as WorkerJob | SendJob;
    process.stdout.write(JSON.stringify(job.mode.startsWith('send-') ? sendWorker(job as SendJob) : await worker(job as WorkerJob)));
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('bench-raw6 needs root (it builds a network namespace): run it with sudo');
  const rounds = option('rounds', 40);
  const packets = option('packets', 4000);
  const repeats = option('repeats', 3);
  const namespace = `tp6b${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', namespace]);
  const sink = `${namespace}k`;
  const remove = (): void => {
    for (const name of [namespace, sink]) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // already gone (or never made)
      }
    }
  };
  process.once('exit', remove);
  try {
    execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    // The send side's sink (this kernel has no dummy interfaces): a veth pair whose other end sits in
    // a second namespace with no address and IPv6 off, which drops everything at once. Permanent
    // neighbour entries, so every packet is transmitted (none waits for ARP or ND).
    execFileSync('ip', ['netns', 'add', sink]);
    execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
    execFileSync('ip', ['netns', 'exec', sink, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1']);
    execFileSync('ip', ['-n', namespace, 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1', 'netns', sink]);
    execFileSync('ip', ['-n', sink, 'link', 'set', 'd1', 'up']);
    execFileSync('ip', ['-n', namespace, 'addr', 'add', `${DUMMY.source4}/24`, 'dev', 'd0']);
    execFileSync('ip', ['-n', namespace, '-6', 'addr', 'add', `${DUMMY.source6}/64`, 'dev', 'd0', 'nodad']);
    execFileSync('ip', ['-n', namespace, 'link', 'set', 'd0', 'up']);
    execFileSync('ip', ['-n', namespace, 'neigh', 'add', DUMMY.destination4, 'lladdr', '02:00:00:00:00:02', 'dev', 'd0', 'nud', 'permanent']);
    execFileSync('ip', ['-n', namespace, '-6', 'neigh', 'add', DUMMY.destination6, 'lladdr', '02:00:00:00:00:02', 'dev', 'd0', 'nud', 'permanent']);
    const results = new Map<Mode, WorkerResult['rounds']>(MODES.map((mode) => [mode, []]));
    const buffers = new Map<Mode, number>();
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const mode of MODES) {
        const result = await runWorker<WorkerResult>(namespace, { mode, rounds: Math.ceil(rounds / repeats), packets });
        results.get(mode)!.push(...result.rounds);
        buffers.set(mode, result.receiveBufferBytes);
      }
    }
    const baseline = median(results.get('raw-socket4')!.map((round) => round.pps));
    process.stdout.write(`receive drain, ${packets} packets queued per round, ${results.get('raw-socket4')!.length} rounds per mode (median)\n`);
    process.stdout.write(`${'mode'.padEnd(20)}${'kpps'.padStart(8)}${'vs raw-socket4'.padStart(16)}${'lost/round'.padStart(12)}${'rcvbuf'.padStart(10)}\n`);
    for (const mode of MODES) {
      const list = results.get(mode)!;
      const pps = median(list.map((round) => round.pps));
      process.stdout.write(
        `${mode.padEnd(20)}${(pps / 1000).toFixed(0).padStart(8)}${`${(pps / baseline).toFixed(2)}x`.padStart(16)}${median(list.map((round) => round.lost)).toFixed(0).padStart(12)}${`${((buffers.get(mode) ?? 0) / 1048576).toFixed(0)}M`.padStart(10)}\n`,
      );
    }
    const sent = new Map<SendMode, number[]>(SEND_MODES.map((mode) => [mode, []]));
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const mode of SEND_MODES) {
        const before = transmitted(namespace);
        const result = await runWorker<{ pps: number[] }>(namespace, { mode, rounds: Math.ceil(rounds / repeats), packets });
        // Every packet timed must have left through the veth (none dropped before the wire, e.g. waiting for ND).
        const left = transmitted(namespace) - before;
        if (left < packets * (result.pps.length + 3)) throw new Error(`${mode}: ${left} packets left d0 of ${packets * (result.pps.length + 3)} sent`);
        sent.get(mode)!.push(...result.pps);
      }
    }
    const sendBaseline = median(sent.get('send-raw-socket4')!);
    process.stdout.write(`\nsend loop, ${packets} packets per round out of a veth into a sink, ${sent.get('send-raw-socket4')!.length} rounds per mode (median)\n`);
    process.stdout.write(`${'mode'.padEnd(24)}${'kpps'.padStart(8)}${'vs send-raw-socket4'.padStart(21)}\n`);
    for (const mode of SEND_MODES) {
      const pps = median(sent.get(mode)!);
      process.stdout.write(`${mode.padEnd(24)}${(pps / 1000).toFixed(0).padStart(8)}${`${(pps / sendBaseline).toFixed(2)}x`.padStart(21)}\n`);
    }
  } finally {
    remove();
  }
}

await main();
