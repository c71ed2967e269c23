/**
 * Benchmark: `ttl-probe analyze` against `tshark -r FILE -T fields -e ip.ttl`
 * on a ~1 GiB pcap, plus the analyzer's peak RSS (the budget is 200 MiB).
 *
 *   npm run build && node dist/scripts/capture/bench-analyze.js [--file PATH] [--size-mib N] [--regenerate]
 *
 * The capture (default /tmp/ttl-probe-bench-1g.pcap, reused when present)
 * is generated from a block of 1000 sessions repeated with fresh client
 * addresses and later timestamps: 80% complete HTTPS-like connections
 * (handshake, a request, four data segments, ACKs, FINs), and the rest
 * closed ports (RST), SYNs answered by a firewall, connections cut by a
 * forged RST, and ICMP echoes with a DNS exchange and an ARP frame. Frames
 * average about 470 bytes with their record headers (2.27 million frames
 * in 1 GiB).
 *
 * Both tools read the file after it was read once (page cache warm); each
 * runs once, the analyzer first. Not part of the test suite.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkType } from '../../src/model/capture.js';
import { echoPacket, ethernetFrame, pcapHeader, tcpPacket } from './synthesize.js';
import { writeIPv4Header } from '../../src/packet/ipv4.js';

const SYN = 0x02;
const RST = 0x04;
const FIN = 0x01;
const PSH = 0x08;
const ACK = 0x10;
const SESSIONS_PER_BLOCK = 1000;
const PACKET_GAP_US = 40;

interface BlockFrame {
  /** Offset of the frame's record header in the block. */
  record: number;
  /** Offset in the block of the client address (source or destination) to patch per repetition. */
  client: number;
  /** Microseconds since the block start. */
  atUs: number;
}

/** One block of sessions as pcap records (Ethernet), with what to patch per repetition. */
function buildBlock(): { bytes: Buffer; frames: BlockFrame[]; durationUs: number } {
  const parts: Buffer[] = [];
  const frames: BlockFrame[] = [];
  let offset = 0;
  let atUs = 0;
  const push = (ip: Buffer, clientIsSource: boolean): void => {
    const frame = ethernetFrame(ip);
    const header = Buffer.alloc(16);
    header.writeUInt32LE(frame.length, 8);
    header.writeUInt32LE(frame.length, 12);
    frames.push({ record: offset, client: offset + 16 + 14 + (clientIsSource ? 12 : 16), atUs });
    parts.push(header, frame);
    offset += 16 + frame.length;
    atUs += PACKET_GAP_US;
  };
  const other = (frame: Buffer): void => {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(frame.length, 8);
    header.writeUInt32LE(frame.length, 12);
    // No address to patch.
    frames.push({ record: offset, client: -1, atUs });
    parts.push(header, frame);
    offset += 16 + frame.length;
    atUs += PACKET_GAP_US;
  };
  const ports = [443, 443, 443, 80, 8443, 3306, 22];
  for (let i = 0; i < SESSIONS_PER_BLOCK; i++) {
    const client = `10.0.0.${(i % 250) + 1}`;
    const server = `198.18.${i % 8}.10`;
    const clientPort = 20000 + i;
    const port = ports[i % ports.length]!;
    const up = (ttl: number, flags: number, sequence: number, acknowledgment: number, payloadLength = 0): void =>
      push(tcpPacket({ source: client, destination: server, ttl, sourcePort: clientPort, destinationPort: port, sequence, acknowledgment, flags, payloadLength }), true);
    const down = (ttl: number, flags: number, sequence: number, acknowledgment: number, payloadLength = 0): void =>
      push(tcpPacket({ source: server, destination: client, ttl, sourcePort: port, destinationPort: clientPort, sequence, acknowledgment, flags, payloadLength }), false);
    const c = 1000 * i + 1;
    const s = 7_000_000 + 1000 * i;
    const kind = i % 20;
    if (kind < 16 || kind === 18) {
      const request = 200 + ((i * 37) % 300);
      up(64, SYN, c, 0);
      down(61, SYN | ACK, s, c + 1);
      up(64, ACK, c + 1, s + 1);
      up(64, PSH | ACK, c + 1, s + 1, request);
      down(61, ACK, s + 1, c + 1 + request, 1460);
      down(61, ACK, s + 1461, c + 1 + request, 1460);
      up(64, ACK, c + 1 + request, s + 2921);
      down(61, ACK, s + 2921, c + 1 + request, 1460);
      down(61, PSH | ACK, s + 4381, c + 1 + request, 700);
      up(64, ACK, c + 1 + request, s + 5081);
      if (kind === 18) {
        down(63, RST, s + 5081, 0); // a firewall cutting the connection in the server's name
      } else {
        up(64, FIN | ACK, c + 1 + request, s + 5081);
        down(61, FIN | ACK, s + 5081, c + 2 + request);
        up(64, ACK, c + 2 + request, s + 5082);
      }
    } else if (kind === 16) {
      up(64, SYN, c, 0);
      down(61, RST | ACK, 0, c + 1);
    } else if (kind === 17) {
      up(64, SYN, c, 0);
      down(63, RST | ACK, 0, c + 1);
    } else {
      for (let sequence = 1; sequence <= 2; sequence++) {
        push(echoPacket({ source: client, destination: server, ttl: 64, kind: 'request', identifier: i, sequence, dataLength: 56 }), true);
        push(echoPacket({ source: server, destination: client, ttl: 61, kind: 'reply', identifier: i, sequence, dataLength: 56 }), false);
      }
      // A DNS query (UDP, IPv4 but neither TCP nor ICMP) and an ARP request (not IPv4).
      const udp = Buffer.alloc(20 + 8 + 40);
      writeIPv4Header(udp, 0, { id: i, ttl: 64, protocol: 17, source: client, destination: '198.18.200.53', totalLength: udp.length });
      udp.writeUInt16BE(30000 + i, 20);
      udp.writeUInt16BE(53, 22);
      udp.writeUInt16BE(48, 24);
      push(udp, true);
      other(ethernetFrame(Buffer.alloc(28), { etherType: 0x0806 }));
    }
  }
  return { bytes: Buffer.concat(parts), frames, durationUs: atUs };
}

/** Writes a pcap of about `bytes` bytes: the block repeated with other client addresses and later timestamps. */
function generate(path: string, bytes: number): { frames: number } {
  const block = buildBlock();
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, pcapHeader({ linkType: LinkType.ETHERNET }));
    const copy = Buffer.from(block.bytes);
    const start = 1_795_000_000 * 1e6;
    let written = 24;
    let frames = 0;
    for (let repetition = 0; written < bytes; repetition++) {
      const blockStart = start + repetition * block.durationUs;
      // Clients 10.a.b.x: every repetition talks from other addresses, so connections do not repeat.
      const a = 1 + ((repetition >> 8) & 0xff);
      const b = repetition & 0xff;
      for (const frame of block.frames) {
        const at = blockStart + frame.atUs;
        copy.writeUInt32LE(Math.floor(at / 1e6), frame.record);
        copy.writeUInt32LE(at % 1e6, frame.record + 4);
        if (frame.client >= 0) {
          copy[frame.client + 1] = a;
          copy[frame.client + 2] = b;
        }
      }
      writeSync(fd, copy);
      written += copy.length;
      frames += block.frames.length;
    }
    return { frames };
  } finally {
    closeSync(fd);
  }
}

function readThrough(path: string): number {
  const started = performance.now();
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(8 << 20);
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0);
  } finally {
    closeSync(fd);
  }
  return (performance.now() - started) / 1000;
}

interface Run {
  seconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function timed(command: string, args: string[], keepStdout: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: (performance.now() - started) / 1000, code, stdout, stderr }));
  });
}

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function main(): Promise<void> {
  const file = option('--file') ?? '/tmp/ttl-probe-bench-1g.pcap';
  const sizeMiB = Number(option('--size-mib') ?? 1024);
  const bytes = sizeMiB * 1024 * 1024;
  if (process.argv.includes('--regenerate') || !existsSync(file) || statSync(file).size < bytes * 0.99) {
    const started = performance.now();
    const { frames } = generate(file, bytes);
    process.stdout.write(`generated ${file}: ${frames} frames in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const size = statSync(file).size;
  const readSeconds = readThrough(file);
  process.stdout.write(`file: ${file}, ${(size / 2 ** 20).toFixed(0)} MiB (read through once in ${readSeconds.toFixed(2)} s: page cache warm)\n`);

  const runner = join(dirname(fileURLToPath(import.meta.url)), 'analyze-file.js');
  const analyzer = await timed(process.execPath, [runner, file, '--json', '--rss'], true);
  if (analyzer.code !== 0) throw new Error(`the analyzer failed (${analyzer.code}): ${analyzer.stderr}`);
  const rssKiB = Number(/peak-rss-kib (\d+)/.exec(analyzer.stderr)?.[1] ?? NaN);
  const report = JSON.parse(analyzer.stdout) as {
    capture: { packets: number; ipv4: number; notIPv4: number; undecodable: number };
    targets: { ports: { midflowResetCount: number }[] }[];
  };
  const resets = report.targets.reduce((sum, target) => sum + target.ports.reduce((s, port) => s + port.midflowResetCount, 0), 0);

  const tshark = await timed('sh', ['-c', 'tshark -r "$1" -T fields -e ip.ttl > /dev/null', 'sh', file], false);
  if (tshark.code !== 0) throw new Error(`tshark failed (${tshark.code}): ${tshark.stderr.trim()} (apt-get install tshark)`);

  const { packets, ipv4, notIPv4, undecodable } = report.capture;
  process.stdout.write(
    [
      `ttl-probe analyze: ${analyzer.seconds.toFixed(2)} s (${(size / 2 ** 20 / analyzer.seconds).toFixed(0)} MiB/s, ${(packets / analyzer.seconds / 1e6).toFixed(2)} M packets/s), peak RSS ${(rssKiB / 1024).toFixed(1)} MiB`,
      `  ${packets} packets: ${ipv4} IPv4, ${notIPv4} other, ${undecodable} undecodable; ${report.targets.length} targets; ${resets} mid-flow resets`,
      `tshark -r FILE -T fields -e ip.ttl: ${tshark.seconds.toFixed(2)} s`,
      `ratio ttl-probe / tshark: ${(analyzer.seconds / tshark.seconds).toFixed(3)} (${(tshark.seconds / analyzer.seconds).toFixed(1)}x faster)`,
      `peak RSS under 200 MiB: ${rssKiB / 1024 < 200 ? 'yes' : 'NO'}; faster than tshark: ${analyzer.seconds < tshark.seconds ? 'yes' : 'NO'}`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-analyze: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
