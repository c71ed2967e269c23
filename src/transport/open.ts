import type { AddressFamily } from '../model/report.js';
import type { FamilyNeeds } from '../target/families.js';
import { EnvironmentError } from '../errors.js';
import { openRawTransport } from './raw.js';
import { openRaw6Transport } from './raw6-transport.js';
import type { ReceivedPacket, Transport } from './transport.js';

/** An open transport and the families it can send. */
export interface OpenedTransport {
  transport: Transport;
  families: ReadonlySet<AddressFamily>;
  /** Why IPv6 is missing when it was optional and could not be opened (one line), else null. */
  ipv6Unavailable: string | null;
}

/**
 * Opens only the sockets a run needs, so a run of IPv4 targets never opens
 * IPv6 sockets (a machine without IPv6, or without the addon, still works).
 * Throws EnvironmentError when a required family cannot be opened.
 */
export function openTransport(needs: FamilyNeeds, open = { ipv4: openRawTransport, ipv6: openRaw6Transport }): OpenedTransport {
  const v4 = needs.ipv4 ? open.ipv4() : null;
  let v6: Transport | null = null;
  let ipv6Unavailable: string | null = null;
  if (needs.ipv6 !== false) {
    try {
      v6 = open.ipv6();
    } catch (error) {
      // Optional IPv6 goes missing only for the environment's reasons (no IPv6, no addon), never for a bug.
      if (needs.ipv6 === 'required' || !(error instanceof EnvironmentError)) {
        v4?.close();
        throw error;
      }
      ipv6Unavailable = error.message;
    }
  }
  const families = new Set<AddressFamily>();
  if (v4) families.add(4);
  if (v6) families.add(6);
  if (v4 && !v6) return { transport: v4, families, ipv6Unavailable };
  if (v6 && !v4) return { transport: v6, families, ipv6Unavailable };
  if (!v4 || !v6) throw new TypeError('openTransport: no family asked for');
  return { transport: bothFamilies(v4, v6), families, ipv6Unavailable };
}

/**
 * One Transport over an IPv4 and an IPv6 one: a packet goes out on the
 * transport of its version nibble; replies of both come to one listener.
 */
export function bothFamilies(v4: Transport, v6: Transport): Transport {
  const isV6 = (destination: string): boolean => destination.includes(':');
  return {
    sourceFor: (destination) => (isV6(destination) ? v6 : v4).sourceFor(destination),
    send(packet, destination) {
      if (packet[0]! >>> 4 === 6) v6.send(packet, destination);
      else v4.send(packet, destination);
    },
    backlog: () => v4.backlog() + v6.backlog(),
    onPacket(listener: (packet: ReceivedPacket, receivedAt: number) => void) {
      const stops = [v4.onPacket(listener), v6.onPacket(listener)];
      return () => {
        for (const stop of stops) stop();
      };
    },
    onSendError(listener) {
      const stops = [v4.onSendError(listener), v6.onSendError(listener)];
      return () => {
        for (const stop of stops) stop();
      };
    },
    close() {
      v4.close();
      v6.close();
    },
  };
}
