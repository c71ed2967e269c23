import { formatIPv6, parseIPv6 } from '../packet/address.js';
import type { IPv6Header } from '../packet/ipv6.js';
import type { NetworkPacket } from '../packet/network.js';
import { openRaw6, openRaw6HeaderSocket, Raw6Protocol, type Raw6Addon, type Raw6Packet, type Raw6Socket } from './raw6.js';
import { routeSource } from './route.js';
import type { ReceivedPacket, Transport } from './transport.js';

/**
 * The IPv6 transport: whole packets out through one IPPROTO_RAW socket (our
 * header: the flow label and hop limit of each probe are the module's, as
 * IPv4's IP_HDRINCL; no label lease, one label for echoes and SYNs), replies
 * in through an ICMPv6 and a TCP raw socket of the addon, which read each
 * reply's hop limit (IPv6 raw sockets never deliver the header). A received
 * packet is handed on as a NetworkPacket: the header fields the kernel told
 * and the payload, no bytes rebuilt. The TCP socket sees every TCP segment
 * for the machine: the classifier keeps only what carries our cookies.
 */

/** Canonical (RFC 5952) text of inet_ntop's, cached: one reply source is seen many times. */
const canonical = new Map<string, string>();
function canonicalText(text: string): string {
  let known = canonical.get(text);
  if (known === undefined) {
    const bytes = parseIPv6(text);
    known = bytes === null ? text : formatIPv6(bytes);
    if (canonical.size >= 4096) canonical.clear();
    canonical.set(text, known);
  }
  return known;
}

/** The network-layer view of one packet from an addon socket of `protocol`. Pure but for the text cache. */
export function networkPacketOf(received: Raw6Packet, protocol: number): NetworkPacket {
  const header: IPv6Header = {
    version: 6,
    trafficClass: received.trafficClass,
    flowLabel: received.flowLabel,
    payloadLength: received.payload.length,
    // The socket's protocol: the kernel has already walked any extension headers.
    nextHeader: protocol,
    hopLimit: received.hopLimit,
    source: canonicalText(received.source),
    destination: canonicalText(received.destination),
  };
  return { header, payload: received.payload, truncated: false };
}

/** Sends retried per turn of the event loop while the kernel's buffer is full. */
interface Pending {
  packet: Buffer;
  destination: string;
}

/** Opens the IPv6 sockets (EnvironmentError, one line, without privilege, IPv6 or the addon). */
export function openRaw6Transport(options: { addon?: Raw6Addon } = {}): Transport {
  const opened: { close(): void }[] = [];
  let sender;
  let receivers: Raw6Socket[];
  try {
    sender = openRaw6HeaderSocket(options);
    opened.push(sender);
    const icmp = openRaw6(Raw6Protocol.ICMPV6, options);
    opened.push(icmp);
    const tcp = openRaw6(Raw6Protocol.TCP, options);
    opened.push(tcp);
    receivers = [icmp, tcp];
  } catch (error) {
    for (const socket of opened) socket.close();
    throw error;
  }
  const out = sender;
  let packetListener: ((packet: ReceivedPacket, receivedAt: number) => void) | null = null;
  let errorListener: ((error: Error, destination: string) => void) | null = null;
  let stopReceiving: (() => void)[] = [];
  const queue: Pending[] = [];
  let retry: NodeJS.Immediate | null = null;

  const fail = (error: unknown, destination: string): void => errorListener?.(error as Error, destination);
  const flush = (): void => {
    retry = null;
    while (queue.length > 0) {
      const next = queue[0]!;
      try {
        if (!out.send(next.packet, next.destination)) break;
      } catch (error) {
        fail(error, next.destination);
      }
      queue.shift();
    }
    if (queue.length > 0) retry = setImmediate(flush);
  };
  const listen = (): void => {
    if (stopReceiving.length > 0) return;
    stopReceiving = receivers.map((socket) =>
      socket.onPacket(
        (received) => packetListener?.(networkPacketOf(received, socket.protocol), received.receivedAt),
        (error) => fail(error, ''),
      ),
    );
  };
  const stopIfIdle = (): void => {
    if (packetListener !== null) return;
    for (const stop of stopReceiving) stop();
    stopReceiving = [];
  };
  return {
    sourceFor: routeSource,
    send(packet, destination) {
      if (queue.length === 0) {
        try {
          if (out.send(packet, destination)) return;
        } catch (error) {
          fail(error, destination);
          return;
        }
      }
      queue.push({ packet, destination });
      retry ??= setImmediate(flush);
    },
    backlog: () => queue.length,
    onPacket(listener) {
      packetListener = listener;
      listen();
      return () => {
        if (packetListener !== listener) return;
        packetListener = null;
        // Reading holds the event loop: stop when nobody listens, as raw6 sockets do.
        stopIfIdle();
      };
    },
    onSendError(listener) {
      errorListener = listener;
      return () => {
        if (errorListener === listener) errorListener = null;
      };
    },
    close() {
      if (retry) clearImmediate(retry);
      queue.length = 0;
      packetListener = null;
      stopIfIdle();
      for (const socket of opened) socket.close();
    },
  };
}
