import type { ReceivedPacket, Transport } from './transport.js';

/**
 * One open transport shared by concurrent probe runs (the exporter opens its
 * raw sockets once, before dropping privileges, and serves many probes with
 * them). Each lease is a Transport of its own: every received packet goes to
 * every lease's listener, and each run keeps only replies carrying its own
 * cookies, so runs cannot see each other's verdicts.
 */
export interface SharedTransport {
  lease(): Transport;
  /** Leases currently open. */
  readonly leases: number;
  close(): void;
}

export function shareTransport(base: Transport): SharedTransport {
  const packetListeners = new Set<(packet: ReceivedPacket, receivedAt: number) => void>();
  const errorListeners = new Set<(error: Error, destination: string) => void>();
  base.onPacket((packet, receivedAt) => {
    for (const listener of packetListeners) listener(packet, receivedAt);
  });
  base.onSendError((error, destination) => {
    for (const listener of errorListeners) listener(error, destination);
  });
  let open = 0;
  return {
    lease() {
      let packetListener: ((packet: ReceivedPacket, receivedAt: number) => void) | null = null;
      let errorListener: ((error: Error, destination: string) => void) | null = null;
      let closed = false;
      open++;
      return {
        sourceFor: (destination) => base.sourceFor(destination),
        send: (packet, destination) => {
          if (!closed) base.send(packet, destination);
        },
        backlog: () => base.backlog(),
        onPacket(listener) {
          if (packetListener) packetListeners.delete(packetListener);
          packetListener = listener;
          if (!closed) packetListeners.add(listener);
          return () => {
            if (packetListener !== listener) return;
            packetListeners.delete(listener);
            packetListener = null;
          };
        },
        onSendError(listener) {
          if (errorListener) errorListeners.delete(errorListener);
          errorListener = listener;
          if (!closed) errorListeners.add(listener);
          return () => {
            if (errorListener !== listener) return;
            errorListeners.delete(listener);
            errorListener = null;
          };
        },
        close() {
          if (closed) return;
          closed = true;
          open--;
          if (packetListener) packetListeners.delete(packetListener);
          if (errorListener) errorListeners.delete(errorListener);
        },
      };
    },
    get leases() {
      return open;
    },
    close() {
      packetListeners.clear();
      errorListeners.clear();
      base.close();
    },
  };
}
