import { classifyIPv4, isIPv6Literal, parseIPv4 } from '../packet/address.js';
import { UsageError } from '../errors.js';

/** A target as the user gave it and the IPv4 address that will be probed. */
export interface ResolvedTarget {
  target: string;
  address: string;
}

/** How long a name lookup may take before the run gives up on it. */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 5000;

/**
 * Checks a literal address for what can be probed. Returns a one-line reason
 * when it cannot, or null when it is a usable unicast (or loopback) address.
 */
export function unprobeableReason(address: string): string | null {
  const value = parseIPv4(address);
  if (value === null) return `"${address}" is not an IPv4 address`;
  switch (classifyIPv4(value)) {
    case 'unspecified':
      return `${address} is an unspecified address (0.0.0.0/8) and cannot be probed`;
    case 'broadcast':
      return `${address} is the broadcast address and cannot be probed`;
    case 'multicast':
      return `${address} is a multicast address (224.0.0.0/4) and cannot be probed`;
    default:
      return null;
  }
}

/** Resolver signature, injectable for tests. Returns IPv4 and IPv6 addresses. */
export type Resolver = (name: string) => Promise<{ address: string; family: number }[]>;

// node:dns/promises is loaded only when a name (not an address) is given.
const systemResolver: Resolver = (name) => process.getBuiltinModule('node:dns/promises').lookup(name, { all: true, verbatim: true });

/**
 * Turns one user-given target into the address to probe: IPv4 literals as
 * they are, names through the system resolver (first IPv4 answer). Throws
 * UsageError for IPv6, unresolvable names, timeouts and unprobeable addresses.
 */
export async function resolveTarget(
  target: string,
  options: { timeoutMs?: number; resolver?: Resolver } = {},
): Promise<ResolvedTarget> {
  const given = target.trim();
  if (given === '') throw new UsageError('empty target');
  const bare = given.startsWith('[') && given.endsWith(']') ? given.slice(1, -1) : given;
  if (bare.includes(':') && isIPv6Literal(bare)) throw new UsageError(`IPv6 target ${given}: IPv6 is not supported yet`);
  if (/^[\d.]+$/.test(given)) {
    const reason = unprobeableReason(given);
    if (reason !== null) throw new UsageError(reason);
    return { target: given, address: given };
  }
  if (!/^[A-Za-z0-9._-]+$/.test(given) || given.length > 253) {
    throw new UsageError(`invalid target "${given}": expected an IPv4 address or a host name`);
  }
  const answers = await withTimeout(
    (options.resolver ?? systemResolver)(given).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot resolve host name "${given}" (${error.code ?? error.message})`);
    }),
    options.timeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS,
    `resolving host name "${given}" timed out`,
  );
  const v4 = answers.find((answer) => answer.family === 4);
  if (!v4) {
    if (answers.length > 0) throw new UsageError(`host name "${given}" has only IPv6 addresses: IPv6 is not supported yet`);
    throw new UsageError(`cannot resolve host name "${given}"`);
  }
  const reason = unprobeableReason(v4.address);
  if (reason !== null) throw new UsageError(`host name "${given}" resolves to ${reason}`);
  return { target: given, address: v4.address };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UsageError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
