/**
 * A path of routers in front of a fake host, for tests of the tracer without
 * a lab: a TTL-limited SYN that expires at router t draws a time-exceeded
 * from it (quoting the SYN's IP header and first 8 bytes, IP ID included) if
 * the router has a token; each router keeps a token bucket as Linux does
 * (burst, then one per interval). A firewall at hop f dropping a port lets
 * that port's SYNs expire up to f (Linux sends time-exceeded before its
 * FORWARD rules run) and silences everything beyond. SYNs that reach the
 * host, and echoes, go to fakeTransport.
 */
import type { ReceivedPacket } from '../../src/transport/transport.js';
import { monotonicMs } from '../../src/clock.js';
import { IcmpType } from '../../src/packet/icmp.js';
import { decodeIPv4, IpProtocol } from '../../src/packet/ipv4.js';
import { decodeTcp } from '../../src/packet/tcp.js';
import { fakeTransport, icmpErrorPacket, type FakeHost, type FakeTransport } from './fake-network.js';

export interface FakeRouter {
  address: string;
  /** Errors sent back to back at most (Linux: 6). */
  burst: number;
  /** Tokens at the start (an earlier run may have drained them); default `burst`. */
  tokens?: number;
  /** One token per this many ms; default 1000. */
  intervalMs?: number;
}

export interface FakePath {
  routers: FakeRouter[];
  /** Port -> the hop of the router that drops it silently. */
  drops: Record<number, number>;
  /** The host behind the last router (its `ports` answer the SYNs that reach it; dropped ports are made silent). */
  host: FakeHost;
}

export interface FakePathTransport extends FakeTransport {
  /** Time-exceeded sent, per hop. */
  timeExceededSent: Map<number, number>;
}

export function fakePathTransport(path: FakePath, source = '198.18.1.1'): FakePathTransport {
  const hostHop = path.routers.length + 1;
  const silentDrops = Object.fromEntries(Object.keys(path.drops).map((port) => [port, { reply: 'silent' as const }]));
  const base = fakeTransport([{ ...path.host, ports: { ...path.host.ports, ...silentDrops } }], source);
  const buckets = path.routers.map((router) => ({ tokens: router.tokens ?? router.burst, last: monotonicMs() }));
  const timeExceededSent = new Map<number, number>();
  let listener: (packet: ReceivedPacket, at: number) => void = () => {};
  base.onPacket((packet, at) => listener(packet, at));

  /** Whether router `hop` has a token now (and spends it). */
  const take = (hop: number): boolean => {
    const router = path.routers[hop - 1]!;
    const bucket = buckets[hop - 1]!;
    const interval = router.intervalMs ?? 1000;
    const now = monotonicMs();
    bucket.tokens = Math.min(router.burst, bucket.tokens + (now - bucket.last) / interval);
    bucket.last = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const transport: FakePathTransport = {
    ...base,
    timeExceededSent,
    send(packet, destination) {
      const ip = decodeIPv4(packet);
      if (!ip.ok || ip.value.header.protocol !== IpProtocol.TCP || ip.value.header.ttl >= hostHop) {
        base.send(packet, destination);
        return;
      }
      base.sent.push(packet);
      const tcp = decodeTcp(ip.value.payload);
      if (!tcp.ok) throw new Error(`the tracer sent a bad TCP segment: ${tcp.reason}`);
      const ttl = ip.value.header.ttl;
      const dropHop = path.drops[tcp.value.destinationPort];
      if (dropHop !== undefined && ttl > dropHop) return;
      if (!take(ttl)) return;
      timeExceededSent.set(ttl, (timeExceededSent.get(ttl) ?? 0) + 1);
      const quoted = Buffer.from(packet);
      quoted[8] = 1;
      const error = icmpErrorPacket({ from: path.routers[ttl - 1]!.address, to: source, ttl: 64 - (ttl - 1), type: IcmpType.TIME_EXCEEDED, code: 0, quoted });
      setTimeout(() => listener(error, monotonicMs()), 1);
    },
    onPacket(l) {
      listener = l;
      return () => {
        if (listener === l) listener = () => {};
      };
    },
  };
  return transport;
}
