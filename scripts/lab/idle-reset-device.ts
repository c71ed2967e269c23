/**
 * A lab device that resets idle connections by itself, as Palo Alto's and Check Point's "reset
 * both sides on idle timeout" do (conntrack cannot: it only judges the next packet). Run inside a
 * router namespace: it watches the TCP connections forwarded through it (tcpdump's text output,
 * absolute sequence numbers) and, once one has carried no packet for --idle seconds, forges a RST
 * to each end with the sequence number that end expects (the last ack its peer sent), from the
 * router with TTL 64, then forgets it. Prints "ready" once watching, "reset A.P > B.P" per reset.
 *
 *   ip netns exec ROUTER node dist/scripts/lab/idle-reset-device.js --idle 3
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { buildSegment, type ConnectionTuple } from '../../src/idle/segments.js';
import { TcpFlag } from '../../src/packet/tcp.js';
import { openRawTransport } from '../../src/transport/raw.js';
import { openRaw6Transport } from '../../src/transport/raw6-transport.js';
import type { Transport } from '../../src/transport/transport.js';

/** One TCP segment as tcpdump printed it. */
export interface SeenSegment {
  at: number;
  source: string;
  sourcePort: number;
  destination: string;
  destinationPort: number;
  /** tcpdump's flag letters: S, F, R, P, '.' (ACK). */
  flags: string;
  ack: number | null;
}

const LINE = /^(\d+\.\d+)\s.*?\bIP6? (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[([^\]]*)\](?:, seq \d+(?::\d+)?)?(?:, ack (\d+))?/;

/** Reads one line of `tcpdump -n -tt -S` (any interface); null for anything else. Pure. */
export function parseTcpdumpLine(line: string): SeenSegment | null {
  const match = LINE.exec(line);
  if (!match) return null;
  return {
    at: Number(match[1]) * 1000,
    source: match[2]!,
    sourcePort: Number(match[3]),
    destination: match[4]!,
    destinationPort: Number(match[5]),
    flags: match[6]!,
    ack: match[7] === undefined ? null : Number(match[7]),
  };
}

/** A connection the device follows: who opened it, and the last ack each side sent. */
interface Followed {
  client: { address: string; port: number };
  server: { address: string; port: number };
  /** The client's last ack: the sequence number the client expects from the server. */
  clientAck: number | null;
  /** The server's last ack: the sequence number the server expects from the client. */
  serverAck: number | null;
  lastAt: number;
}

/** A RST to forge: the tuple as its sender (the end it impersonates) and the sequence number. */
export interface Forged {
  tuple: ConnectionTuple;
  sequence: number;
}

/**
 * The device's decisions, pure: `observe` each segment seen, `expire(now)` returns the RSTs to
 * forge for connections idle `idleMs` or longer (both directions, the sequence number each end
 * expects) and forgets them. A connection is followed from its SYN; a FIN or RST ends it.
 */
export class IdleResetTable {
  private readonly followed = new Map<string, Followed>();

  constructor(private readonly idleMs: number) {}

  private static key(a: string, ap: number, b: string, bp: number): string {
    return `${a}|${ap}|${b}|${bp}`;
  }

  observe(segment: SeenSegment): void {
    const forward = IdleResetTable.key(segment.source, segment.sourcePort, segment.destination, segment.destinationPort);
    const backward = IdleResetTable.key(segment.destination, segment.destinationPort, segment.source, segment.sourcePort);
    if (segment.flags === 'S') {
      if (!this.followed.has(forward)) {
        this.followed.set(forward, {
          client: { address: segment.source, port: segment.sourcePort },
          server: { address: segment.destination, port: segment.destinationPort },
          clientAck: null,
          serverAck: null,
          lastAt: segment.at,
        });
      }
      return;
    }
    const fromClient = this.followed.get(forward);
    const connection = fromClient ?? this.followed.get(backward);
    if (!connection) return;
    if (segment.flags.includes('F') || segment.flags.includes('R')) {
      this.followed.delete(fromClient ? forward : backward);
      return;
    }
    connection.lastAt = Math.max(connection.lastAt, segment.at);
    if (segment.ack !== null) {
      if (fromClient) connection.clientAck = segment.ack;
      else connection.serverAck = segment.ack;
    }
  }

  expire(now: number): Forged[] {
    const forged: Forged[] = [];
    for (const [key, connection] of this.followed) {
      if (now - connection.lastAt < this.idleMs || connection.clientAck === null || connection.serverAck === null) continue;
      this.followed.delete(key);
      const { client, server } = connection;
      // To the client, as the server: the sequence number the client expects; to the server, as the client.
      forged.push({ tuple: { localAddress: server.address, localPort: server.port, remoteAddress: client.address, remotePort: client.port }, sequence: connection.clientAck });
      forged.push({ tuple: { localAddress: client.address, localPort: client.port, remoteAddress: server.address, remotePort: server.port }, sequence: connection.serverAck });
    }
    return forged;
  }
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function main(): void {
  const idleS = Number(argument('idle'));
  if (!(idleS > 0)) {
    console.error('idle-reset-device: --idle SECONDS is required');
    process.exitCode = 2;
    return;
  }
  const table = new IdleResetTable(idleS * 1000);
  const transports = new Map<4 | 6, Transport>();
  const transportFor = (address: string): Transport => {
    const family = address.includes(':') ? 6 : 4;
    let transport = transports.get(family);
    if (!transport) {
      transport = family === 6 ? openRaw6Transport() : openRawTransport();
      transports.set(family, transport);
    }
    return transport;
  };
  const tcpdump = spawn('tcpdump', ['-i', 'any', '-n', '-l', '-tt', '-S', 'tcp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let ready = false;
  tcpdump.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (!ready && chunk.includes('listening on')) {
      ready = true;
      process.stdout.write('ready\n');
    }
  });
  // tcpdump's -tt times are the wall clock; compare with the wall clock.
  createInterface({ input: tcpdump.stdout }).on('line', (line) => {
    const segment = parseTcpdumpLine(line);
    if (segment) table.observe(segment);
  });
  const timer = setInterval(() => {
    for (const rst of table.expire(Date.now())) {
      transportFor(rst.tuple.remoteAddress).send(buildSegment(rst.tuple, { sequence: rst.sequence, acknowledgment: 0, flags: TcpFlag.RST, ttl: 64, ipId: 0 }), rst.tuple.remoteAddress);
      process.stdout.write(`reset ${rst.tuple.localAddress}.${rst.tuple.localPort} > ${rst.tuple.remoteAddress}.${rst.tuple.remotePort}\n`);
    }
  }, 50);
  const stop = (): void => {
    clearInterval(timer);
    tcpdump.kill('SIGTERM');
    for (const transport of transports.values()) transport.close();
  };
  tcpdump.on('exit', (code) => {
    if (!ready) console.error(`idle-reset-device: tcpdump exited (${code})`);
    clearInterval(timer);
    process.exitCode = ready ? 0 : 1;
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
