import { classifyIPv4, isIPv6Literal, parseAddress, parseIPv4, parseIPv6 } from '../packet/address.js';
import pLimit from 'p-limit';
import { UsageError } from '../errors.js';
import type { AddressFamily } from '../model/report.js';

/** A target as the user gave it, the address that will be probed and its family. */
export interface ResolvedTarget {
  target: string;
  address: string;
  family: AddressFamily;
}

/** Which family to probe: `-4`, `-6`, or null (the first address the system resolver gives, as ssh and curl do). */
export type FamilyChoice = AddressFamily | null;

/** How one target becomes addresses. */
export interface AddressChoice {
  /** -4 / -6: only this family; null: any. */
  family: FamilyChoice;
  /** --all-addresses: every address of a name (of `family` when set), each its own target. */
  all: boolean;
}

/** How long a name lookup may take before the run gives up on it. */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 5000;

/**
 * Checks a literal IPv4 address for what can be probed. Returns a one-line
 * reason when it cannot, or null when it is a usable unicast (or loopback)
 * address. (IPv4 only: the exporter and audit files call it for dotted
 * quads; see probeableReason for both families.)
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

/**
 * The same check for an IPv6 address (RFC 4291 text, zone allowed): the
 * unspecified address, multicast (ff00::/8), link-local (fe80::/10: it
 * needs a zone, and zones are not carried yet) and IPv4-mapped addresses
 * (probe the IPv4 address itself) are refused with one line; loopback (::1)
 * stays allowed, as 127.0.0.1 does. Null when it can be probed.
 */
export function unprobeableIPv6Reason(address: string): string | null {
  const zone = address.indexOf('%');
  const bytes = parseIPv6(zone < 0 ? address : address.slice(0, zone));
  if (bytes === null) return `"${address}" is not an IPv6 address`;
  if (bytes.every((byte) => byte === 0)) return `${address} is the unspecified address (::) and cannot be probed`;
  if (bytes[0] === 0xff) return `${address} is a multicast address (ff00::/8) and cannot be probed`;
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) {
    return zone < 0
      ? `${address} is a link-local address (fe80::/10) without a zone (fe80::1%eth0) and cannot be probed`
      : `${address} is a link-local address (fe80::/10): link-local targets are not supported yet`;
  }
  if (zone >= 0) return `${address}: a zone (%...) is only meaningful for link-local addresses`;
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `${address} is an IPv4-mapped address: probe the IPv4 address itself (-4)`;
  }
  return null;
}

/** probeable check of either family, by the address's own syntax. */
function probeableReason(address: string, family: AddressFamily): string | null {
  return family === 4 ? unprobeableReason(address) : unprobeableIPv6Reason(address);
}

/** Resolver signature, injectable for tests. Returns IPv4 and IPv6 addresses in the system's order. */
export type Resolver = (name: string) => Promise<{ address: string; family: number }[]>;

// node:dns/promises is loaded only when a name (not an address) is given.
const systemResolver: Resolver = (name) => process.getBuiltinModule('node:dns/promises').lookup(name, { all: true, verbatim: true });

/**
 * The addresses to probe among a name's answers (in the resolver's order,
 * which getaddrinfo sorts by RFC 6724: usually IPv6 first where IPv6 works):
 * with `all`, every distinct probeable address of the chosen family; else
 * the first one, as ssh and curl would connect to. Pure; UsageError naming
 * the name when nothing is left.
 */
export function pickAddresses(name: string, answers: readonly { address: string; family: number }[], choice: AddressChoice): ResolvedTarget[] {
  const wanted = answers.filter((answer) => choice.family === null || answer.family === choice.family);
  if (wanted.length === 0) {
    if (answers.length > 0 && choice.family !== null) {
      throw new UsageError(`host name "${name}" has no IPv${choice.family} address (it has ${answers.map((answer) => answer.address).join(', ')})`);
    }
    throw new UsageError(`cannot resolve host name "${name}"`);
  }
  const picked: ResolvedTarget[] = [];
  let firstReason: string | null = null;
  for (const answer of wanted) {
    const address = parseAddress(answer.address);
    if (address === null) continue;
    const reason = probeableReason(address.text, address.family);
    if (reason !== null) {
      firstReason ??= reason;
      if (!choice.all) break;
      continue;
    }
    if (picked.some((known) => known.address === address.text)) continue;
    picked.push({ target: name, address: address.text, family: address.family });
    if (!choice.all) break;
  }
  if (picked.length === 0) throw new UsageError(`host name "${name}" resolves to ${firstReason ?? 'nothing probeable'}`);
  return picked;
}

/**
 * Turns one user-given target into the addresses to probe: an IPv4 or IPv6
 * literal (also bracketed, "[2001:2::1]") as it is, a name through the system
 * resolver (pickAddresses). Throws UsageError for a literal of the other
 * family than -4/-6 asks, unresolvable names, timeouts and unprobeable
 * addresses, each in one line.
 */
export async function resolveTargetAddresses(
  target: string,
  choice: AddressChoice,
  options: { timeoutMs?: number; resolver?: Resolver } = {},
): Promise<ResolvedTarget[]> {
  const given = target.trim();
  if (given === '') throw new UsageError('empty target');
  const bare = given.startsWith('[') && given.endsWith(']') ? given.slice(1, -1) : given;
  if (bare.includes(':')) {
    if (!isIPv6Literal(bare)) throw new UsageError(`invalid target "${given}": not an IPv6 address`);
    const reason = unprobeableIPv6Reason(bare);
    if (reason !== null) throw new UsageError(reason);
    if (choice.family === 4) throw new UsageError(`${given} is an IPv6 address, but -4 asks for IPv4`);
    return [{ target: given, address: parseAddress(bare)!.text, family: 6 }];
  }
  if (/^[\d.]+$/.test(given)) {
    const reason = unprobeableReason(given);
    if (reason !== null) throw new UsageError(reason);
    if (choice.family === 6) throw new UsageError(`${given} is an IPv4 address, but -6 asks for IPv6`);
    return [{ target: given, address: given, family: 4 }];
  }
  if (!/^[A-Za-z0-9._-]+$/.test(given) || given.length > 253) {
    throw new UsageError(`invalid target "${given}": expected an IPv4 or IPv6 address or a host name`);
  }
  const answers = await lookUp(given, options);
  return pickAddresses(given, answers, choice);
}

function lookUp(name: string, options: { timeoutMs?: number; resolver?: Resolver }): Promise<{ address: string; family: number }[]> {
  return withTimeout(
    (options.resolver ?? systemResolver)(name).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot resolve host name "${name}" (${error.code ?? error.message})`);
    }),
    options.timeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS,
    `resolving host name "${name}" timed out`,
  );
}

/**
 * One IPv4 address for a target, as the exporter (src/serve) asks today:
 * IPv4 literals as they are, names through the system resolver (first IPv4
 * answer). Throws UsageError for IPv6 ("not supported yet": the exporter's
 * IPv6 is its own step), unresolvable names, timeouts and unprobeable addresses.
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
    return { target: given, address: given, family: 4 };
  }
  if (!/^[A-Za-z0-9._-]+$/.test(given) || given.length > 253) {
    throw new UsageError(`invalid target "${given}": expected an IPv4 address or a host name`);
  }
  const answers = await lookUp(given, options);
  const v4 = answers.find((answer) => answer.family === 4);
  if (!v4) {
    if (answers.length > 0) throw new UsageError(`host name "${given}" has only IPv6 addresses: IPv6 is not supported yet`);
    throw new UsageError(`cannot resolve host name "${given}"`);
  }
  const reason = unprobeableReason(v4.address);
  if (reason !== null) throw new UsageError(`host name "${given}" resolves to ${reason}`);
  return { target: given, address: v4.address, family: 4 };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UsageError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Names resolved at once, at most. */
const RESOLVE_CONCURRENCY = 8;

/** Resolves every target to its addresses, some at a time (UsageError on the first bad one, in the order given). */
export async function resolveTargets(targets: readonly string[], choice: AddressChoice = { family: null, all: false }): Promise<ResolvedTarget[][]> {
  const limit = pLimit(RESOLVE_CONCURRENCY);
  return Promise.all(targets.map((target) => limit(() => resolveTargetAddresses(target, choice))));
}
