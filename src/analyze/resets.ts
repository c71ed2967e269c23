import type { DecodedPacket } from '../capture/decoded.js';
import { MAX_LISTED_RESETS } from '../model/analysis.js';
import { distanceOf } from '../infer/ttl.js';

/**
 * Resets that cut established connections: a RST whose distance differs from
 * that of the connection's other packets from the same side came from
 * somewhere else (a firewall forging it, or something beyond the host).
 */

/** A reset found inside an established connection, before its TTL is read. */
export interface ObservedReset {
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  side: 'server' | 'client';
  ttl: number;
  /** Most common TTL of the connection's other packets from the same side. */
  flowTtl: number;
  timestampMs: number;
}

/** Resets on one port: the first MAX_LISTED_RESETS, and how many there were. */
export interface PortResets {
  listed: ObservedReset[];
  count: number;
}

/** An established connection's reset whose server side is decided at the end (no SYN seen). */
export interface LooseReset {
  reset: ObservedReset;
  /** The endpoints: the connection's first sender and the other. */
  a: string;
  aPort: number;
  b: string;
  bPort: number;
}

/** Loose resets kept at most. */
export const MAX_LOOSE_RESETS = MAX_LISTED_RESETS * 10;

/** Whether a reset's TTL puts it at another distance than the rest of its side of the connection (`flowTtl` -1: nothing to compare). */
export function isOddReset(resetTtl: number, flowTtl: number): boolean {
  return flowTtl >= 0 && distanceOf(resetTtl) !== distanceOf(flowTtl);
}

/** The reset a RST packet is, sent by the connection's `side` whose other packets carry `flowTtl`. */
export function resetOf(packet: DecodedPacket, fromClient: boolean, flowTtl: number): ObservedReset {
  return {
    from: packet.source,
    fromPort: packet.tcp!.sourcePort,
    to: packet.destination,
    toPort: packet.tcp!.destinationPort,
    side: fromClient ? 'client' : 'server',
    ttl: packet.ttl,
    flowTtl,
    timestampMs: packet.timestampMs,
  };
}

/**
 * A reset of a connection seen without its SYN, with its endpoints in the
 * connection's order (its first sender first), for serverEndpoint to decide.
 */
export function looseResetOf(reset: ObservedReset, fromClient: boolean, clientPort: number, serverPort: number): LooseReset {
  return {
    reset,
    a: fromClient ? reset.from : reset.to,
    aPort: clientPort,
    b: fromClient ? reset.to : reset.from,
    bPort: serverPort,
  };
}

export function addReset(map: Map<number, PortResets>, port: number, reset: ObservedReset): void {
  let entry = map.get(port);
  if (!entry) {
    entry = { listed: [], count: 0 };
    map.set(port, entry);
  }
  entry.count++;
  if (entry.listed.length < MAX_LISTED_RESETS) entry.listed.push(reset);
}

/** What the capture says about an endpoint of a connection seen without its SYN. */
export interface EndpointRole {
  /** A target (a SYN went to it) that sent no SYN itself. */
  target: boolean;
  /** It sent SYNs (or counts as a client once too many did). */
  client: boolean;
}

/**
 * For a connection seen without its SYN: which endpoint is the server. A
 * known target that is not a client, else the one that is not a client,
 * else the lower port (services listen on low ports; clients pick high ones).
 */
export function serverEndpoint(loose: LooseReset, a: EndpointRole, b: EndpointRole): 'a' | 'b' {
  if (a.target !== b.target) return a.target ? 'a' : 'b';
  if (a.client !== b.client) return a.client ? 'b' : 'a';
  return loose.aPort <= loose.bPort ? 'a' : 'b';
}
