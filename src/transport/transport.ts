import type { NetworkPacket } from '../packet/network.js';

/**
 * A received packet: a whole IPv4 packet as raw sockets deliver it (header
 * included), or an IPv6 one as its header fields and payload (IPv6 raw
 * sockets never deliver the header; the transport hands over what the
 * kernel said of it). classifyReply (src/probe/classify-reply.ts) takes both.
 */
export type ReceivedPacket = Buffer | NetworkPacket;

/** Removes the listener it was returned for; calling it again does nothing. */
export type Unsubscribe = () => void;

/**
 * The transport contract between the scan engine and the network: send whole
 * packets of either family (header included, so the probe sets TTL or hop
 * limit, IP ID and flow label per probe) and receive the packets of the
 * protocols we probe with (see ReceivedPacket). The real one
 * is raw.ts (raw sockets); tests use a fake.
 */
export interface Transport {
  /** The local address the kernel would use towards `destination`; rejects when there is no route. */
  sourceFor(destination: string): Promise<string>;
  /** Queues one complete packet (IPv4 or IPv6 by its version; TCP, ICMP or ICMPv6 by its protocol) for `destination`. */
  send(packet: Buffer, destination: string): void;
  /**
   * Registers the receiver of every incoming packet (TCP, ICMP, ICMPv6),
   * replacing the previous one: a phase (scan, trace) listens while it runs
   * and removes its listener with the returned function when it ends.
   * The buffer is only valid during the call: copy what must outlive it.
   * `receivedAt` is monotonicMs() (src/clock.ts) at reception.
   */
  onPacket(listener: (packet: ReceivedPacket, receivedAt: number) => void): Unsubscribe;
  /** Packets queued by send() that the kernel has not taken yet (the engine keeps this small, so send times are true). */
  backlog(): number;
  /** Registers the receiver of send errors (e.g. EPERM from a local firewall), replacing the previous one; see onPacket. */
  onSendError(listener: (error: Error, destination: string) => void): Unsubscribe;
  close(): void;
}
