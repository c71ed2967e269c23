/**
 * A fake transport for unit tests of the scan engine: an in-process "network"
 * that answers our SYNs and echoes as a configured host and middlebox would,
 * with real packet bytes, so the engine's validation path runs unchanged.
 */
import { decodeIPv4, ipv4PseudoHeaderSum, IpProtocol, writeIPv4Header } from '../../src/packet/ipv4.js';
import { decodeIcmp, writeIcmpEcho } from '../../src/packet/icmp.js';
import { decodeTcp, TcpFlag, writeTcpSegment } from '../../src/packet/tcp.js';
import { internetChecksum } from '../../src/packet/checksum.js';
import type { Transport } from '../../src/transport/transport.js';
import { monotonicMs } from '../../src/clock.js';

export type FakePortBehaviour =
  | { reply: 'syn-ack' | 'rst'; ttl: number; ackOffset?: number }
  | { reply: 'icmp'; ttl: number; from: string; type: number; code: number; quotedTtl: number }
  | { reply: 'silent' }
  /** Silent for the first `silentTries` SYNs, then answers. */
  | { reply: 'lossy'; silentTries: number; then: 'syn-ack' | 'rst'; ttl: number };

export interface FakeHost {
  address: string;
  echoTtl: number | null;
  ports: Record<number, FakePortBehaviour>;
  delayMs?: number;
}

export function tcpPacket(fields: { source: string; destination: string; sourcePort: number; destinationPort: number; sequence: number; acknowledgment: number; flags: number; ttl: number }): Buffer {
  const packet = Buffer.alloc(40);
  writeIPv4Header(packet, 0, { id: 1, ttl: fields.ttl, protocol: IpProtocol.TCP, source: fields.source, destination: fields.destination, totalLength: 40 });
  writeTcpSegment(
    packet,
    20,
    { sourcePort: fields.sourcePort, destinationPort: fields.destinationPort, sequence: fields.sequence, acknowledgment: fields.acknowledgment, flags: fields.flags, window: 0 },
    (length) => ipv4PseudoHeaderSum(fields, IpProtocol.TCP, length),
  );
  return packet;
}

export function icmpErrorPacket(fields: { from: string; to: string; ttl: number; type: number; code: number; quoted: Buffer }): Buffer {
  const quote = fields.quoted.subarray(0, 28);
  const packet = Buffer.alloc(20 + 8 + quote.length);
  writeIPv4Header(packet, 0, { id: 2, ttl: fields.ttl, protocol: IpProtocol.ICMP, source: fields.from, destination: fields.to, totalLength: packet.length });
  packet[20] = fields.type;
  packet[21] = fields.code;
  quote.copy(packet, 28);
  packet.writeUInt16BE(internetChecksum(packet, 20), 22);
  return packet;
}

export interface FakeTransport extends Transport {
  sent: Buffer[];
  inject(packet: Buffer): void;
  /** Reports a kernel send error to the current listener. */
  failSend(error: Error, destination: string): void;
  /** Packet listeners registered and not removed. */
  listeners: number;
  closed: boolean;
}

/** A transport wired to fake hosts; `source` is our address. */
export function fakeTransport(hosts: FakeHost[], source = '198.18.1.1'): FakeTransport {
  let listener: (packet: Buffer, at: number) => void = () => {};
  let errorListener: (error: Error, destination: string) => void = () => {};
  const byAddress = new Map(hosts.map((host) => [host.address, host]));
  const triesSeen = new Map<string, number>();
  const deliver = (packet: Buffer, delayMs: number): void => {
    setTimeout(() => listener(packet, monotonicMs()), delayMs);
  };
  const transport: FakeTransport = {
    sent: [],
    listeners: 0,
    closed: false,
    async sourceFor() {
      return source;
    },
    send(packet, destination) {
      transport.sent.push(packet);
      const host = byAddress.get(destination);
      if (!host) return;
      const ip = decodeIPv4(packet);
      if (!ip.ok) throw new Error(`engine sent a bad IP packet: ${ip.reason}`);
      const delay = host.delayMs ?? 1;
      if (ip.value.header.protocol === IpProtocol.ICMP) {
        const icmp = decodeIcmp(ip.value.payload);
        if (!icmp.ok || !icmp.value.echo || host.echoTtl === null) return;
        const reply = Buffer.alloc(20 + 8 + icmp.value.echo.data.length);
        writeIPv4Header(reply, 0, { id: 3, ttl: host.echoTtl, protocol: IpProtocol.ICMP, source: destination, destination: source, totalLength: reply.length });
        writeIcmpEcho(reply, 20, { type: 0, identifier: icmp.value.echo.identifier, sequence: icmp.value.echo.sequence, data: icmp.value.echo.data });
        deliver(reply, delay);
        return;
      }
      const tcp = decodeTcp(ip.value.payload);
      if (!tcp.ok) throw new Error(`engine sent a bad TCP segment: ${tcp.reason}`);
      const syn = tcp.value;
      // A RST before a re-send clears a half-open connection; these fake hosts hold none.
      if (syn.flags === TcpFlag.RST) return;
      // A plain SYN, or a trace SYN (SYN with ECE and CWR: an ECN-setup SYN); never ACK, FIN or RST with it.
      if ((syn.flags & ~(TcpFlag.ECE | TcpFlag.CWR)) !== TcpFlag.SYN) throw new Error('engine sent neither SYN nor RST');
      const key = `${destination}:${syn.destinationPort}`;
      const tries = (triesSeen.get(key) ?? 0) + 1;
      triesSeen.set(key, tries);
      let behaviour = host.ports[syn.destinationPort] ?? { reply: 'rst', ttl: host.echoTtl ?? 64 };
      if (behaviour.reply === 'lossy') {
        if (tries <= behaviour.silentTries) return;
        behaviour = { reply: behaviour.then, ttl: behaviour.ttl };
      }
      if (behaviour.reply === 'silent') return;
      if (behaviour.reply === 'icmp') {
        const quoted = Buffer.from(packet);
        quoted[8] = behaviour.quotedTtl;
        deliver(icmpErrorPacket({ from: behaviour.from, to: source, ttl: behaviour.ttl, type: behaviour.type, code: behaviour.code, quoted }), delay);
        return;
      }
      const flags = behaviour.reply === 'syn-ack' ? TcpFlag.SYN | TcpFlag.ACK : TcpFlag.RST | TcpFlag.ACK;
      deliver(
        tcpPacket({
          source: destination,
          destination: source,
          sourcePort: syn.destinationPort,
          destinationPort: syn.sourcePort,
          sequence: 12345,
          acknowledgment: (syn.sequence + 1 + (behaviour.ackOffset ?? 0)) >>> 0,
          flags,
          ttl: behaviour.ttl,
        }),
        delay,
      );
    },
    onPacket(l) {
      listener = l;
      transport.listeners++;
      return () => {
        if (listener !== l) return;
        listener = () => {};
        transport.listeners--;
      };
    },
    onSendError(l) {
      errorListener = l;
      return () => {
        if (errorListener === l) errorListener = () => {};
      };
    },
    failSend(error, destination) {
      errorListener(error, destination);
    },
    backlog: () => 0,
    inject(packet) {
      listener(packet, monotonicMs());
    },
    close() {
      transport.closed = true;
    },
  };
  return transport;
}
