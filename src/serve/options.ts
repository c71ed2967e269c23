import { UsageError } from '../errors.js';
import { DEFAULT_MAX_HOPS, numberOption } from '../run/options.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { parseAllowList, type AllowList } from './allow.js';

/** Where the exporter listens unless --listen says otherwise: loopback only, blackbox_exporter's neighbour port. */
export const DEFAULT_LISTEN = '127.0.0.1:9799';
/** Probes running at once, at most (--max-concurrent). */
export const DEFAULT_MAX_CONCURRENT = 4;
/** The time bound of one probe (--probe-timeout), after which it is aborted and answered 504. */
export const DEFAULT_PROBE_TIMEOUT_MS = 60_000;

export interface ListenAddress {
  host: string;
  port: number;
}

/** Everything `ttl-probe serve` needs, validated. */
export interface ServeOptions {
  listen: ListenAddress;
  allow: AllowList;
  maxConcurrent: number;
  probeTimeoutMs: number;
  /** Applied to every probe, as the probe command's flags of the same names. */
  echoCount: number;
  tries: number;
  timeoutMs: number;
  rate: number;
  maxHops: number;
  /** --user: whom to become once the raw sockets are open and the port is bound (null: the default; see privileges.ts). */
  user: string | null;
}

/** The raw values yargs hands over. */
export interface RawServeArguments {
  listen?: unknown;
  allow?: unknown;
  maxConcurrent?: unknown;
  probeTimeout?: unknown;
  echoCount?: unknown;
  tries?: unknown;
  timeout?: unknown;
  rate?: unknown;
  maxHops?: unknown;
  user?: unknown;
}

/**
 * Parses `HOST:PORT` (`[v6]:PORT` for IPv6). The host is required: binding
 * every interface is a decision to write down (0.0.0.0:9799), never a default.
 * Port 0 asks the system for a free port.
 */
export function parseListen(text: string): ListenAddress {
  const value = text.trim();
  const match = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(value) ?? /^([A-Za-z0-9._-]+):(\d{1,5})$/.exec(value);
  if (!match) {
    if (/^:\d+$/.test(value)) throw new UsageError(`--listen ${value}: give the address too, e.g. 127.0.0.1${value} (or 0.0.0.0${value} for every interface)`);
    throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:9799), got "${value}"`);
  }
  const port = Number(match[2]);
  if (port > 65535) throw new UsageError(`--listen ${value}: port ${port} out of range (0-65535)`);
  return { host: match[1]!, port };
}

function lastValue(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function strings(value: unknown): string[] {
  if (value === undefined) return [];
  // --allow a,b is two entries, like --expect.
  return (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

/** Maps parsed arguments to validated ServeOptions; throws UsageError naming the bad value. */
export function toServeOptions(raw: RawServeArguments): ServeOptions {
  const allow = parseAllowList(strings(raw.allow));
  const user = lastValue(raw.user);
  if (user !== undefined && (typeof user !== 'string' || user.trim() === '')) throw new UsageError('--user needs a user name');
  return {
    listen: parseListen(String(lastValue(raw.listen) ?? DEFAULT_LISTEN)),
    allow,
    maxConcurrent: numberOption('max-concurrent', lastValue(raw.maxConcurrent) ?? DEFAULT_MAX_CONCURRENT, { min: 1, max: 256, integer: true }),
    probeTimeoutMs: numberOption('probe-timeout', lastValue(raw.probeTimeout) ?? DEFAULT_PROBE_TIMEOUT_MS, { min: 100, max: 600_000, integer: true }),
    echoCount: numberOption('echo-count', lastValue(raw.echoCount) ?? DEFAULT_SCAN_OPTIONS.echoCount, { min: 0, max: 100, integer: true }),
    tries: numberOption('tries', lastValue(raw.tries) ?? DEFAULT_SCAN_OPTIONS.tries, { min: 1, max: 20, integer: true }),
    timeoutMs: numberOption('timeout', lastValue(raw.timeout) ?? DEFAULT_SCAN_OPTIONS.timeoutMs, { min: 1, max: 60000 }),
    rate: numberOption('rate', lastValue(raw.rate) ?? DEFAULT_SCAN_OPTIONS.rate, { min: 1, max: 1000000 }),
    maxHops: numberOption('max-hops', lastValue(raw.maxHops) ?? DEFAULT_MAX_HOPS, { min: 1, max: 255, integer: true }),
    user: typeof user === 'string' ? user : null,
  };
}
