/**
 * IPv6 raw sockets through the project's addon (native/raw6.cc, built on install by node-gyp):
 * raw-socket reads with recvfrom, and an IPv6 raw socket never delivers the IPv6 header, so the
 * hop limit of a reply can only be read with recvmsg and IPV6_RECVHOPLIMIT. Thin I/O only: what a
 * packet means is decided elsewhere. Received packets are handed over as they come from the kernel
 * (the transport-layer bytes plus what the IPv6 header said); nothing rebuilds an IPv6 header.
 */
import type { createRequire as CreateRequire } from 'node:module';
import { EnvironmentError } from '../errors.js';

/** The protocols an IPv6 raw socket is opened for: ICMPv6 (58) and TCP (6). */
export const Raw6Protocol = { ICMPV6: 58, TCP: 6 } as const;
export type Raw6ProtocolNumber = (typeof Raw6Protocol)[keyof typeof Raw6Protocol];

/**
 * ICMPv6 types an ICMPv6 socket delivers by default (its ICMP6_FILTER): destination unreachable
 * (1), packet too big (2), time exceeded (3), parameter problem (4), echo reply (129). Neighbour
 * discovery and router advertisements, constant on any IPv6 link, never reach JS.
 */
export const ICMP6_REPLY_TYPES: readonly number[] = [1, 2, 3, 4, 129];

/** One received packet. */
export interface Raw6Packet {
  /** The transport-layer bytes (ICMPv6 message or TCP segment), after the IPv6 header and extension headers. At most 4096 bytes. Ours to keep (a view of a batch's buffer: never write into it). */
  payload: Buffer;
  /** The IPv6 header's source address, as inet_ntop writes it ("2001:2:0:2::2"). */
  source: string;
  /** The IPv6 header's destination address (from IPV6_PKTINFO). */
  destination: string;
  /** The IPv6 header's hop limit as it arrived (from IPV6_HOPLIMIT). */
  hopLimit: number;
  /** Arrival time by the kernel's timestamp, on the clock of monotonicMs() (src/clock.ts). */
  receivedAt: number;
  /** The IPv6 header's flow label (from IPV6_FLOWINFO); 0 when the sender set none (ip6tables' forged RSTs do not). */
  flowLabel: number;
  /** The IPv6 header's traffic class (DSCP << 2 | ECN). */
  trafficClass: number;
}

/** An open IPv6 raw socket of one protocol. */
export interface Raw6Socket {
  readonly protocol: Raw6ProtocolNumber;
  /** The receive buffer the kernel granted (SO_RCVBUF as read back: twice what was set, by Linux's accounting). */
  readonly receiveBufferBytes: number;
  /**
   * Sends one ICMPv6 message or TCP segment to `destination` (an IPv6 address, "%zone" allowed)
   * with `hopLimit` (0..255) and, when given and not 0, `flowLabel` (1..0xfffff; else the kernel
   * picks one). The kernel adds the IPv6 header and fills the checksum (ICMPv6: always; TCP: the
   * socket has IPV6_CHECKSUM), so the checksum field of `packet` is ignored. Returns false when the
   * kernel's send buffer is full (nothing sent: try again later); throws the kernel's error
   * otherwise (`code` is the errno name: ENETUNREACH, EPERM from a local firewall, ...).
   */
  send(packet: Buffer, destination: string, hopLimit: number, flowLabel?: number): boolean;
  /**
   * Calls `listener` for every packet received from now on; `onError` (default: ignore) with read
   * errors. Returns the function that removes them; reading stops when no listener is left (the
   * event loop can then exit).
   */
  onPacket(listener: (packet: Raw6Packet) => void, onError?: (error: Error) => void): () => void;
  /** Stops receiving and closes the descriptor. Idempotent. */
  close(): void;
}

export interface Raw6Options {
  /** ICMPv6 sockets only: the types to deliver (null: every type). Default ICMP6_REPLY_TYPES. */
  icmp6Types?: readonly number[] | null;
  /** Receive buffer to ask for (default 4 MiB, so bursts of replies are not dropped). */
  receiveBufferBytes?: number;
  /** Packets per recvmmsg() call (1: recvmsg()). Default 32; see scripts/bench-raw6.ts. */
  batch?: number;
  /** Read a batch with one recvmmsg() (default) or with a run of recvmsg() calls (for scripts/bench-raw6.ts). */
  useRecvmmsg?: boolean;
  /** The addon to use (tests); default loadRaw6Addon(). */
  addon?: Raw6Addon;
}

/** The native module's exports (native/raw6.cc documents each). */
export interface Raw6Addon {
  open(family: 4 | 6, protocol: number, icmp6Types: readonly number[] | null, receiveBufferBytes: number): { fd: number; receiveBufferBytes: number };
  send(fd: number, family: 4 | 6, packet: Buffer, destination: string, hopLimit: number, flowLabel: number): undefined | 'EAGAIN' | 'ENOBUFS';
  /** One sendmmsg(): how many the kernel took, from the first. */
  sendMany(fd: number, family: 4 | 6, packets: readonly Buffer[], destinations: readonly string[], hopLimits: readonly number[], flowLabel: number): number;
  close(fd: number): void;
  now(): number;
  Receiver: new (fd: number, family: 4 | 6, batch: number, onBatch: Raw6BatchListener, onError: (error: Error) => void, useRecvmmsg?: boolean) => { stop(): void };
}

/** Numbers per packet in a batch's meta array. */
export const META_FIELDS = 5;

/**
 * What the addon hands over per recvmmsg(): the packets' bytes back to back in `data` (a fresh
 * Buffer), and per packet i, from meta[5i]: its length, hop limit (-1: none), arrival time
 * (monotonicMs clock), flow label and traffic class (-1 on IPv4 sockets); sources[i], destinations[i] its addresses.
 */
export type Raw6BatchListener = (data: Buffer, meta: Float64Array, sources: string[], destinations: string[], count: number) => void;

/** Packet `i` of a batch, whose bytes start at `offset` of `data`. Pure. */
function packetAt(data: Buffer, offset: number, meta: Float64Array, i: number, sources: readonly string[], destinations: readonly string[]): Raw6Packet {
  const at = i * META_FIELDS;
  return {
    payload: data.subarray(offset, offset + meta[at]!),
    source: sources[i]!,
    destination: destinations[i]!,
    hopLimit: meta[at + 1]!,
    receivedAt: meta[at + 2]!,
    flowLabel: meta[at + 3]!,
    trafficClass: meta[at + 4]!,
  };
}

/** Splits one batch from the addon into packets, in order. Pure. */
export function batchPackets(data: Buffer, meta: Float64Array, sources: readonly string[], destinations: readonly string[], count: number): Raw6Packet[] {
  const packets: Raw6Packet[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    packets.push(packetAt(data, offset, meta, i, sources, destinations));
    offset += meta[i * META_FIELDS]!;
  }
  return packets;
}

const ADDON_FILE = 'build/Release/ttl_probe_raw6.node';
const DEFAULT_RECEIVE_BUFFER = 4 * 1024 * 1024;
const DEFAULT_BATCH = 32;

const PRIVILEGE_HINT =
  'raw sockets need root or CAP_NET_RAW: run it with sudo, or grant the capability once with ' +
  '`sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"`';

/**
 * The folder of ttl-probe's package: the nearest one up from this module that holds binding.gyp.
 * This file runs as dist/src/transport/raw6.js (tsc) and inside dist/ttl-probe.cjs (the bundle,
 * where import.meta.url is not its own but __dirname is).
 */
function packageRoot(): string {
  const { dirname, join } = process.getBuiltinModule('node:path');
  const { existsSync } = process.getBuiltinModule('node:fs');
  const { fileURLToPath } = process.getBuiltinModule('node:url');
  const start = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

let loaded: Raw6Addon | undefined;

/**
 * Loads the addon (once; `path` for tests). Throws EnvironmentError (exit 3), one line, when it
 * was never built or cannot be loaded by this Node.js (another platform or architecture).
 */
export function loadRaw6Addon(path?: string): Raw6Addon {
  if (path === undefined && loaded) return loaded;
  const { join } = process.getBuiltinModule('node:path');
  const file = path ?? join(packageRoot(), ADDON_FILE);
  const createRequire = (process.getBuiltinModule('node:module') as { createRequire: typeof CreateRequire }).createRequire;
  let addon: Partial<Raw6Addon>;
  try {
    addon = createRequire(file)(file) as Partial<Raw6Addon>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = String((error as Error).message).split('\n')[0]!.replace(/\s+/g, ' ');
    if (code === 'MODULE_NOT_FOUND') {
      throw new EnvironmentError(`IPv6 needs ttl-probe's addon, which was never built (${file} is missing): run npm rebuild in ttl-probe's folder (needs make, g++ and python3)`, 'ERR_ADDON_MISSING');
    }
    throw new EnvironmentError(`ttl-probe's IPv6 addon cannot be loaded by Node.js ${process.version} (${reason}): run npm rebuild in ttl-probe's folder`, 'ERR_ADDON_LOAD');
  }
  for (const name of ['open', 'send', 'sendMany', 'close', 'now', 'Receiver'] as const) {
    if (typeof addon[name] !== 'function') {
      throw new EnvironmentError(`ttl-probe's IPv6 addon (${file}) lacks ${name}(): it belongs to another version; run npm rebuild in ttl-probe's folder`, 'ERR_ADDON_LOAD');
    }
  }
  if (path === undefined) loaded = addon as Raw6Addon;
  return addon as Raw6Addon;
}

/** The errno name an addon error carries, or undefined. */
function errnoName(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The one-line EnvironmentError for a socket() that failed, or the error itself when it is not about the environment. Pure. */
export function openFailure(error: unknown): unknown {
  const code = errnoName(error);
  const detail = (error as Error)?.message;
  if (code === 'EPERM' || code === 'EACCES') return new EnvironmentError(`cannot open an IPv6 raw socket (${detail}): ${PRIVILEGE_HINT}`, 'ERR_NO_PRIVILEGE');
  if (code === 'EAFNOSUPPORT' || code === 'EPROTONOSUPPORT') return new EnvironmentError(`this machine has no IPv6 (${detail})`, 'ERR_NO_IPV6');
  return error;
}

function checkSendArguments(packet: unknown, destination: unknown, hopLimit: unknown, flowLabel: unknown): void {
  if (!Buffer.isBuffer(packet)) throw new TypeError('packet must be a Buffer');
  if (typeof destination !== 'string') throw new TypeError('destination must be an IPv6 address string');
  if (typeof hopLimit !== 'number' || !Number.isInteger(hopLimit) || hopLimit < 0 || hopLimit > 255) throw new RangeError(`hopLimit must be an integer 0..255, got ${String(hopLimit)}`);
  if (typeof flowLabel !== 'number' || !Number.isInteger(flowLabel) || flowLabel < 0 || flowLabel > 0xfffff) throw new RangeError(`flowLabel must be an integer 0..0xfffff, got ${String(flowLabel)}`);
}

/**
 * Opens an IPv6 raw socket for `protocol` (non-blocking, receive buffer of 4 MiB asked). Throws
 * EnvironmentError (exit 3, one line) without the privilege (ERR_NO_PRIVILEGE), without IPv6
 * (ERR_NO_IPV6) or without the addon (ERR_ADDON_MISSING, ERR_ADDON_LOAD).
 */
export function openRaw6(protocol: Raw6ProtocolNumber, options: Raw6Options = {}): Raw6Socket {
  if (protocol !== Raw6Protocol.ICMPV6 && protocol !== Raw6Protocol.TCP) throw new RangeError(`protocol must be 58 (ICMPv6) or 6 (TCP), got ${String(protocol)}`);
  const batch = options.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1 || batch > 1024) throw new RangeError(`batch must be an integer 1..1024, got ${String(batch)}`);
  const addon = options.addon ?? loadRaw6Addon();
  const types = protocol === Raw6Protocol.ICMPV6 ? (options.icmp6Types === undefined ? ICMP6_REPLY_TYPES : options.icmp6Types) : null;
  let opened: { fd: number; receiveBufferBytes: number };
  try {
    opened = addon.open(6, protocol, types, options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER);
  } catch (error) {
    throw openFailure(error);
  }
  const { fd } = opened;
  let closed = false;
  let receiver: { stop(): void } | undefined;
  const listeners = new Set<{ packet: (packet: Raw6Packet) => void; error: (error: Error) => void }>();

  const stopIfIdle = (): void => {
    if (listeners.size === 0 && receiver) {
      receiver.stop();
      receiver = undefined;
    }
  };
  return {
    protocol,
    receiveBufferBytes: opened.receiveBufferBytes,
    send(packet, destination, hopLimit, flowLabel = 0) {
      checkSendArguments(packet, destination, hopLimit, flowLabel);
      if (closed) throw new Error('send on a closed IPv6 raw socket');
      return addon.send(fd, 6, packet, destination, hopLimit, flowLabel) === undefined;
    },
    onPacket(packet, error = () => {}) {
      if (closed) throw new Error('onPacket on a closed IPv6 raw socket');
      const entry = { packet, error };
      listeners.add(entry);
      receiver ??= new addon.Receiver(
        fd,
        6,
        batch,
        (data, meta, sources, destinations, count) => {
          let offset = 0;
          for (let i = 0; i < count; i++) {
            // As batchPackets(), without the array: this runs for every packet received.
            const received = packetAt(data, offset, meta, i, sources, destinations);
            offset += received.payload.length;
            for (const listener of listeners) listener.packet(received);
          }
        },
        (failure) => {
          for (const listener of listeners) listener.error(failure);
        },
        options.useRecvmmsg ?? true,
      );
      return () => {
        listeners.delete(entry);
        stopIfIdle();
      };
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      stopIfIdle();
      addon.close(fd);
    },
  };
}

/** An IPv6 socket that sends whole packets, IPv6 header included (see openRaw6HeaderSocket). */
export interface Raw6HeaderSocket {
  /**
   * Sends one whole IPv6 packet (header written by the caller: hop limit, flow label and the
   * upper layer's checksum are the packet's own) to `destination`. Returns false when the
   * kernel's send buffer is full (nothing sent); throws the kernel's error otherwise.
   */
  send(packet: Buffer, destination: string): boolean;
  close(): void;
}

/** IPPROTO_RAW: Linux treats an IPv6 raw socket of this protocol as IPV6_HDRINCL. */
const IPPROTO_RAW = 255;

/**
 * Opens an IPv6 IPPROTO_RAW socket (send only: it never receives). The IPv6 counterpart of the
 * IPv4 path's IP_HDRINCL: the packet goes out as written, so any flow label without a lease
 * and one label shared by ICMPv6 and TCP, the hop limit from the header. Throws as openRaw6.
 */
export function openRaw6HeaderSocket(options: { addon?: Raw6Addon } = {}): Raw6HeaderSocket {
  const addon = options.addon ?? loadRaw6Addon();
  let fd: number;
  try {
    ({ fd } = addon.open(6, IPPROTO_RAW, null, 0));
  } catch (error) {
    throw openFailure(error);
  }
  let closed = false;
  return {
    send(packet, destination) {
      if (closed) throw new Error('send on a closed IPv6 raw socket');
      return addon.send(fd, 6, packet, destination, -1, 0) === undefined;
    },
    close() {
      if (closed) return;
      closed = true;
      addon.close(fd);
    },
  };
}
