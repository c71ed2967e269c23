import { getSystemErrorName } from 'node:util';
import { EnvironmentError } from '../errors.js';

/**
 * The source address the kernel picks towards `destination`: connect a UDP
 * socket (which sends nothing) and read its local address, so policy routing,
 * `src` hints and every other routing rule are honoured. Rejects with
 * EnvironmentError (exit 3) when there is no route.
 */
export async function routeSource(destination: string): Promise<string> {
  const fast = connectedSourceViaHandle(destination);
  if (fast !== undefined) return fast;
  return connectedSourceViaDgram(destination);
}

const noRoute = (destination: string, reason: string): EnvironmentError =>
  new EnvironmentError(`no route to ${destination} (${reason})`, 'ERR_NO_ROUTE');

/** The part of the UDP handle (node's udp_wrap binding, what node:dgram wraps) used here. */
interface UdpHandle {
  bind(address: string, port: number, flags: number): number;
  connect(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect6(address: string, port: number): number;
  getsockname(out: { address?: string }): number;
  close(): void;
}

/** The Node.js majors the handle path was checked on (tests compare it with node:dgram on each, in CI too). */
export const HANDLE_PATH_MAJORS: readonly string[] = ['20', '22', '24'];

/**
 * Whether to take the handle path: only on the Node.js majors it was checked on (the handle checks its
 * argument counts with native assertions, so a changed signature would abort rather than fail), and
 * not under pending deprecations, where process.binding prints a warning.
 */
export function handlePathUsable(): boolean {
  if (!HANDLE_PATH_MAJORS.includes(process.versions.node.split('.')[0]!)) return false;
  if (process.env.NODE_PENDING_DEPRECATION === '1') return false;
  const pending = /--pending[-_]deprecation/;
  return !process.execArgv.some((arg) => pending.test(arg)) && !pending.test(process.env.NODE_OPTIONS ?? '');
}

/**
 * The same question asked through the UDP handle node:dgram is built on, in a
 * fraction of a millisecond: node:dgram's bind() loads node:cluster, and with it
 * node:child_process and node:net (0.15 ms against 4.4-6.8 ms on Node 20, 22 and 24, in a
 * loopback namespace; a 3-port run takes about 45 ms). process.binding is
 * deprecated (documentation only; a warning under --pending-deprecation, where
 * this is not used), so every step is checked and anything unexpected returns
 * undefined: the caller then asks node:dgram. Throws EnvironmentError for no route.
 */
function connectedSourceViaHandle(destination: string): string | undefined {
  if (!handlePathUsable()) return undefined;
  let Udp: (new () => UdpHandle) | undefined;
  try {
    Udp = (process as unknown as { binding(name: string): { UDP?: new () => UdpHandle } }).binding('udp_wrap').UDP;
  } catch {
    return undefined;
  }
  if (typeof Udp !== 'function') return undefined;
  let handle: UdpHandle;
  try {
    handle = new Udp();
  } catch {
    return undefined;
  }
  // IPv6 destinations (they alone contain ':') take the handle's IPv6 calls, as node:dgram's udp6 does.
  const v6 = destination.includes(':');
  const bind = v6 ? handle.bind6 : handle.bind;
  const connect = v6 ? handle.connect6 : handle.connect;
  const unspecified = v6 ? '::' : '0.0.0.0';
  try {
    if (typeof bind !== 'function' || typeof connect !== 'function' || typeof handle.getsockname !== 'function') return undefined;
    if (bind.call(handle, unspecified, 0, 0) !== 0) return undefined;
    const connected = connect.call(handle, destination, 9);
    // Negative errno values are the kernel's answer (ENETUNREACH and the like).
    if (typeof connected !== 'number') return undefined;
    if (connected < 0) throw noRoute(destination, getSystemErrorName(connected));
    const local: { address?: string } = {};
    if (handle.getsockname(local) !== 0 || typeof local.address !== 'string') return undefined;
    if (local.address === unspecified) throw noRoute(destination, 'no source address');
    return local.address;
  } finally {
    handle.close();
  }
}

function connectedSourceViaDgram(destination: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const v6 = destination.includes(':');
    const socket = process.getBuiltinModule('node:dgram').createSocket(v6 ? 'udp6' : 'udp4');
    const fail = (reason: string): void => reject(noRoute(destination, reason));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socket.close();
      fail(error.code ?? error.message);
    });
    // The connect error arrives as the callback's argument, not as an 'error' event.
    socket.connect(9, destination, (error?: NodeJS.ErrnoException) => {
      try {
        if (error) return fail(error.code ?? error.message);
        const { address } = socket.address();
        if (address === (v6 ? '::' : '0.0.0.0')) return fail('no source address');
        resolve(address);
      } catch (caught) {
        fail((caught as NodeJS.ErrnoException).code ?? (caught as Error).message);
      } finally {
        socket.close();
      }
    });
  });
}

/** For tests: each path alone (the handle path gives undefined where it does not apply). */
export const routeSourceViaDgram = connectedSourceViaDgram;
export const routeSourceViaHandle = connectedSourceViaHandle;
