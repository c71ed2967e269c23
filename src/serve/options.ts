import { UsageError } from '../errors.js';
import { numberFlag, readFlags, textFlag, type FlagValues } from '../options/flag.js';
import { RUN_FLAGS } from '../options/run-flags.js';
import { parseAllowList } from './allow.js';

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

/** Repeatable and comma-joined: `--allow a,b --allow c` is three entries, like --expect. */
function allowEntries(values: readonly string[]): string[] {
  return values.flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

/** A vantage point's name: short, and nothing a dashboard or a shell would choke on. */
function readVantage(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) throw new UsageError(`--vantage must be 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(value)}`);
  return value;
}

/** The flags of `ttl-probe serve`, keyed by their field in ServeOptions. */
export const SERVE_FLAGS = {
  listen: textFlag({
    name: 'listen',
    placeholder: 'HOST:PORT',
    group: 'Exporter',
    defaultText: DEFAULT_LISTEN,
    describe: 'where to listen; 0.0.0.0:PORT for every interface',
    details: 'where to listen. Every interface only when written out (`0.0.0.0:9799`).',
    read: (values) => parseListen(values[values.length - 1] ?? DEFAULT_LISTEN),
  }),
  allow: textFlag({
    name: 'allow',
    placeholder: 'CIDR|NAME',
    group: 'Exporter',
    repeatable: true,
    describe: 'a CIDR (198.18.0.0/15), address or host name the exporter may probe; repeatable or comma-joined, at least one required',
    details:
      'what may be probed: an IPv4 or IPv6 network (`198.18.0.0/15`, `2001:2::/48`), an address, or a host name. Repeatable or comma-joined. Without one, serve refuses to start (exit 2).',
    read: (values) => parseAllowList(allowEntries(values)),
  }),
  maxConcurrent: numberFlag({
    name: 'max-concurrent',
    placeholder: 'N',
    group: 'Exporter',
    default: DEFAULT_MAX_CONCURRENT,
    min: 1,
    max: 256,
    integer: true,
    describe: 'probes running at once, at most; more requests get 429',
    details: 'probes running at once; more requests get 429 at once (no queue).',
  }),
  probeTimeoutMs: numberFlag({
    name: 'probe-timeout',
    placeholder: 'MS',
    group: 'Exporter',
    default: DEFAULT_PROBE_TIMEOUT_MS,
    min: 100,
    max: 600_000,
    integer: true,
    describe: 'the longest one probe may take, in ms; then it is aborted and answered 504',
  }),
  echoCount: { ...RUN_FLAGS.echoCount, group: 'Per probe', describe: 'per probe: ICMP echo requests', details: undefined },
  tries: { ...RUN_FLAGS.tries, group: 'Per probe', describe: 'per probe: SYNs per port at most', details: undefined },
  timeoutMs: { ...RUN_FLAGS.timeoutMs, group: 'Per probe', describe: 'per probe: longest wait for one reply, in ms', details: undefined },
  rate: { ...RUN_FLAGS.rate, group: 'Per probe', describe: 'per probe: packets per second at most', details: undefined },
  maxHops: { ...RUN_FLAGS.maxHops, group: 'Per probe', describe: 'per probe with trace=1: the farthest hop probed', details: undefined },
  vantage: textFlag({
    name: 'vantage',
    placeholder: 'NAME',
    group: 'Exporter',
    describe: 'a vantage="NAME" label on every series (/probe and /metrics), to tell exporters apart',
    details:
      'a `vantage="NAME"` label on every series this exporter answers, on `/probe` and `/metrics` alike, so one Prometheus can combine many vantage points (see "Vantage points"). 1-64 characters: letters, digits, `.`, `_`, `-`.',
    read: (values) => readVantage(values[values.length - 1]),
  }),
  user: {
    ...RUN_FLAGS.user,
    describe: 'the user to become once the raw sockets are open and the port is bound',
    details: 'whom to become once the sockets are open and the port is bound.',
  },
} as const;

/** Everything `ttl-probe serve` needs, validated (echoCount ... maxHops apply to every probe, as the probe command's flags of the same names). */
export type ServeOptions = FlagValues<typeof SERVE_FLAGS>;

/** The parsed arguments: yargs' argv (each flag under its camelCase name). */
export type RawServeArguments = Readonly<Record<string, unknown>>;

/** Maps parsed arguments to validated ServeOptions; throws UsageError naming the bad value. */
export function toServeOptions(raw: RawServeArguments): ServeOptions {
  return readFlags(SERVE_FLAGS, raw);
}
