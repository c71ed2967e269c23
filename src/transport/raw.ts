import raw, { type Socket } from 'raw-socket';
import { EnvironmentError } from '../errors.js';
import { routeSource } from './route.js';
import type { Transport } from './transport.js';
import { monotonicMs } from '../clock.js';

/** Receive buffer asked of the kernel, so bursts of replies are not dropped by the socket. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

const PRIVILEGE_HINT =
  'raw sockets need root or CAP_NET_RAW: run it with sudo, or grant the capability once with ' +
  '`sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"`';

/** raw-socket's native handle; its send() is a synchronous sendto(). Not in the typings, so checked at run time. */
interface NativeHandle {
  send(buffer: Buffer, offset: number, length: number, address: string, done: (bytes: number) => void): void;
}

/**
 * The parts of raw-socket's native handle and socket the draining receive uses:
 * recv() is one non-blocking recvfrom() into `buffer` (throws on EAGAIN), and
 * the handle emits 'recvReady' when the descriptor is readable.
 */
interface NativeReceiver {
  recv(buffer: Buffer, done: (buffer: Buffer, bytes: number) => void): void;
  on(event: 'recvReady', listener: () => void): void;
  removeAllListeners(event: 'recvReady'): void;
}

/** raw-socket throws strerror(errno) text; this is EAGAIN/EWOULDBLOCK's. */
const WOULD_BLOCK = /temporarily unavailable|would block/i;

/** Packets read per readiness event at most, so a flood cannot starve the engine's loop. */
const RECEIVE_BATCH = 256;

/**
 * Replaces raw-socket's receive path, which reads one packet per readiness
 * event (a trip through the event loop and epoll per reply), with one that
 * reads until the socket is empty or RECEIVE_BATCH packets have been read.
 * Returns false, leaving raw-socket's own path, when the handle lacks the
 * methods (another raw-socket version).
 */
function drainOnReadable(socket: Socket, deliver: (packet: Buffer) => void): boolean {
  const handle = (socket as unknown as { wrap?: Partial<NativeReceiver> }).wrap;
  const buffer = (socket as unknown as { buffer?: unknown }).buffer;
  if (typeof handle?.recv !== 'function' || typeof handle.on !== 'function' || typeof handle.removeAllListeners !== 'function' || !Buffer.isBuffer(buffer)) return false;
  const receiver = handle as NativeReceiver;
  // Every drain ends in EAGAIN, which raw-socket throws as an Error: capturing a stack trace for
  // it cost more than the packets it read. So the native call runs with Error.stackTraceLimit 0,
  // and our own code (the delivery, called from inside recv) with the limit it had.
  let stackTraceLimit = Error.stackTraceLimit;
  const received = (filled: Buffer, bytes: number): void => {
    Error.stackTraceLimit = stackTraceLimit;
    try {
      deliver(filled.subarray(0, bytes));
    } finally {
      Error.stackTraceLimit = 0;
    }
  };
  receiver.removeAllListeners('recvReady');
  receiver.on('recvReady', () => {
    stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (let i = 0; i < RECEIVE_BATCH; i++) {
        try {
          receiver.recv(buffer, received);
        } catch (error) {
          // EAGAIN: empty until the next readiness event. Anything else is what raw-socket reports.
          if (!WOULD_BLOCK.test((error as Error).message)) socket.emit('error', error);
          return;
        }
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  });
  return true;
}

const ignoreBytes = (): void => {};
const ignorePacket = (): void => {};
const ignoreError = (): void => {};

/**
 * Sends at once with the native handle when it is there and nothing is queued
 * (keeping order). raw-socket's public send() queues every packet and sends
 * one per turn of the event loop, which caps a sweep at the loop's pace.
 * Returns false (the caller queues instead) when the kernel's buffer is full
 * or the handle is missing.
 */
function sendNow(socket: Socket, packet: Buffer, destination: string): boolean {
  const handle = (socket as unknown as { wrap?: Partial<NativeHandle> }).wrap;
  if (typeof handle?.send !== 'function') return false;
  try {
    (handle as NativeHandle).send(packet, 0, packet.length, destination, ignoreBytes);
    return true;
  } catch {
    // EAGAIN/ENOBUFS: let the queued path wait for the socket to become writable.
    return false;
  }
}

/**
 * Opens the raw sockets (TCP and ICMP, both with IP_HDRINCL). Throws
 * EnvironmentError (exit 3) without the privilege to do so.
 */
export function openRawTransport(): Transport {
  let tcp: Socket;
  let icmp: Socket;
  try {
    tcp = raw.createSocket({ protocol: raw.Protocol.TCP, bufferSize: 65535 });
  } catch (error) {
    throw new EnvironmentError(`cannot open a raw socket (${(error as Error).message}): ${PRIVILEGE_HINT}`, 'ERR_NO_PRIVILEGE');
  }
  try {
    icmp = raw.createSocket({ protocol: raw.Protocol.ICMP, bufferSize: 65535 });
  } catch (error) {
    tcp.close();
    throw new EnvironmentError(`cannot open a raw socket (${(error as Error).message}): ${PRIVILEGE_HINT}`, 'ERR_NO_PRIVILEGE');
  }
  const sockets = [tcp, icmp];
  for (const socket of sockets) {
    socket.setOption(raw.SocketLevel.IPPROTO_IP, raw.SocketOption.IP_HDRINCL, 1);
    try {
      socket.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
    } catch {
      // A smaller buffer still works; it only drops replies sooner under bursts.
    }
  }
  let backlog = 0;
  let packetListener: (packet: Buffer, receivedAt: number) => void = ignorePacket;
  let errorListener: (error: Error, destination: string) => void = ignoreError;
  for (const socket of sockets) {
    const deliver = (buffer: Buffer): void => packetListener(buffer, monotonicMs());
    if (!drainOnReadable(socket, deliver)) socket.on('message', deliver);
    socket.on('error', (error) => errorListener(error, ''));
  }
  return {
    sourceFor: routeSource,
    send(packet, destination) {
      // IPPROTO_TCP raw sockets with IP_HDRINCL send any protocol's header as written; use the matching socket anyway.
      const socket = packet[9] === 1 ? icmp : tcp;
      if (backlog === 0 && sendNow(socket, packet, destination)) return;
      backlog++;
      socket.send(packet, 0, packet.length, destination, null, (error) => {
        backlog--;
        if (error) errorListener(error, destination);
      });
    },
    backlog: () => backlog,
    onPacket(listener) {
      packetListener = listener;
      return () => {
        if (packetListener === listener) packetListener = ignorePacket;
      };
    },
    onSendError(listener) {
      errorListener = listener;
      return () => {
        if (errorListener === listener) errorListener = ignoreError;
      };
    },
    close() {
      for (const socket of sockets) socket.close();
    },
  };
}
