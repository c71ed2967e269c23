/** Removes the listener it was returned for; calling it again does nothing. */
export type Unsubscribe = () => void;

/**
 * The transport contract between the scan engine and the network: send whole
 * IPv4 packets (header included, so the engine sets TTL and IP ID per probe)
 * and receive whole IPv4 packets of the protocols we probe with. The real one
 * is raw.ts (raw sockets); tests use a fake.
 */
export interface Transport {
  /** The local address the kernel would use towards `destination`; rejects when there is no route. */
  sourceFor(destination: string): Promise<string>;
  /** Queues one complete IPv4 packet (TCP or ICMP by its protocol field) for `destination`. */
  send(packet: Buffer, destination: string): void;
  /**
   * Registers the receiver of every incoming IPv4 packet (TCP and ICMP),
   * replacing the previous one: a phase (scan, trace) listens while it runs
   * and removes its listener with the returned function when it ends.
   * The buffer is only valid during the call: copy what must outlive it.
   * `receivedAt` is monotonicMs() (src/clock.ts) at reception.
   */
  onPacket(listener: (packet: Buffer, receivedAt: number) => void): Unsubscribe;
  /** Packets queued by send() that the kernel has not taken yet (the engine keeps this small, so send times are true). */
  backlog(): number;
  /** Registers the receiver of send errors (e.g. EPERM from a local firewall), replacing the previous one; see onPacket. */
  onSendError(listener: (error: Error, destination: string) => void): Unsubscribe;
  close(): void;
}
