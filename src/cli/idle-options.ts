import { UsageError } from '../errors.js';
import { DEFAULT_RESOLUTION, parseDuration, parseResolution, type Resolution } from '../idle/duration.js';
import { DEFAULT_MAX_CONNECTIONS } from '../idle/schedule.js';
import { parseIdleExpectations, type IdleExpectation } from '../idle/expectation.js';
import { flagGiven, numberFlag, readFlags, switchFlag, textFlag, type FlagValues } from '../options/flag.js';
import { RUN_FLAGS } from '../options/run-flags.js';
import { PROBE_FLAGS } from './probe-options.js';

/** Output formats of `idle`. */
export const IDLE_FORMATS = ['table', 'json', 'junit', 'prometheus'] as const;
export type IdleFormat = (typeof IDLE_FORMATS)[number];

/** The default --max-idle: 10 min. */
export const DEFAULT_MAX_IDLE_S = 600;

function lastDuration(fallback: number) {
  return (values: readonly string[], name: string): number => {
    const text = values[values.length - 1];
    return text === undefined ? fallback : parseDuration(text, name);
  };
}

/** The flags of `ttl-probe idle`, keyed by their field in IdleOptions. */
export const IDLE_FLAGS = {
  targetsFile: {
    ...PROBE_FLAGS.targetsFile,
    describe: 'an audit file (JSON or YAML): its targets, ports, expect and expectIdle',
    details:
      'an audit file (JSON or YAML, as the probe command\'s): each entry\'s host is probed on its ports, its `expect` checked, and its open ports held idle; `expectIdle: {"443": "5m"}` is the file\'s `--expect-idle 443>=5m`.',
  },
  ports: PROBE_FLAGS.ports,
  maxIdleS: textFlag({
    name: 'max-idle',
    placeholder: 'DURATION',
    group: 'Idle',
    defaultText: '10m',
    describe: 'the longest idle time tried: 90, 90s, 5m, 1h',
    details: 'the longest idle time tried (`90`, `90s`, `5m`, `1h`); a connection that survives it reports `timeout: null`.',
    read: lastDuration(DEFAULT_MAX_IDLE_S),
  }),
  resolution: textFlag({
    name: 'resolution',
    placeholder: 'DURATION|PCT',
    group: 'Idle',
    defaultText: '5%',
    describe: 'the widest interval reported around the timeout: a DURATION, or a percentage of it (at least 1 s)',
    details: 'the widest interval reported around the timeout: a DURATION (`2s`), or a percentage of the timeout, at least 1 s (`5%`, the default).',
    read: (values, name): Resolution => {
      const text = values[values.length - 1];
      return text === undefined ? DEFAULT_RESOLUTION : parseResolution(text, name);
    },
  }),
  maxConnections: numberFlag({
    name: 'max-connections',
    placeholder: 'N',
    group: 'Idle',
    default: DEFAULT_MAX_CONNECTIONS,
    min: 2,
    max: 1000,
    integer: true,
    describe: 'connections per port at most (the grid of idle times is widened to fit)',
    details:
      'connections opened per port at most: one per graded idle time. When the grid at `--resolution` needs more, it is widened evenly to fit (the interval may then be wider than `resolutionS`). Fewer are open at once (see "idle").',
  }),
  expectations: textFlag({
    name: 'expect-idle',
    placeholder: 'PORT>=DURATION',
    group: 'Checks',
    repeatable: true,
    describe: 'repeatable or comma-joined: exit 1 unless connections to PORT survive DURATION idle (e.g. 443>=5m)',
    details:
      'repeatable and comma-joinable, e.g. `--expect-idle 9000>=300s,443>=5m`: exit 1 unless a connection to PORT survived DURATION idle (the search always tries that exact idle time). Ports named here are probed too; without `--max-idle` the longest DURATION is the longest idle tried.',
    read: (values): IdleExpectation[] => parseIdleExpectations(values),
  }),
  timeoutMs: { ...RUN_FLAGS.timeoutMs, describe: 'longest wait for the answer to one check, in ms', details: 'the longest wait for the answer to one check (and for the probe\'s replies), in ms; a check unanswered twice is a drop.' },
  echoCount: RUN_FLAGS.echoCount,
  format: textFlag({
    name: 'format',
    placeholder: 'FORMAT',
    group: 'Output',
    choices: IDLE_FORMATS,
    defaultText: 'table',
    describe: 'table, json, junit or prometheus',
    details:
      '`table`, `json` (schema `ttl-probe/1`, each port with `idle`), `junit` (a testcase per port, failing on an unmet `--expect-idle` or `expect`) or `prometheus` (the probe\'s series plus `ttl_probe_idle_*`).',
    read: (values, name): IdleFormat | null => {
      const format = values[values.length - 1];
      if (format === undefined) return null;
      if (!(IDLE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--${name} must be table, json, junit or prometheus for idle, got "${format}"`);
      return format as IdleFormat;
    },
  }),
  json: switchFlag({ name: 'json', group: 'Output', describe: 'short for --format json (schema ttl-probe/1, with idle per port)', details: 'short for `--format json` (schema `ttl-probe/1`, each port with its `idle` record).' }),
  user: RUN_FLAGS.user,
} as const;

export interface IdleOptions extends Omit<FlagValues<typeof IDLE_FLAGS>, 'format' | 'json'> {
  targets: string[];
  format: IdleFormat;
  /** --max-idle was given (else an audit file's longest expectIdle, read later, may set it). */
  maxIdleGiven: boolean;
  /** -p was given (else an audit file entry without ports probes the ports it expects something of). */
  portsGiven: boolean;
}

/** Maps yargs' argv of `idle` to validated IdleOptions; throws UsageError naming the bad value. */
export function toIdleOptions(raw: Readonly<Record<string, unknown>>): IdleOptions {
  const hosts = raw.hosts === undefined ? [] : (Array.isArray(raw.hosts) ? raw.hosts : [raw.hosts]).map(String);
  if (hosts.length === 0 && raw.targets === undefined) throw new UsageError('idle: no target given: ttl-probe idle HOST -p PORTS, or --targets FILE');
  const { format, json, ...flags } = readFlags(IDLE_FLAGS, raw);
  const longestExpected = Math.max(0, ...flags.expectations.map((expectation) => expectation.minimumS));
  const maxIdleGiven = flagGiven(IDLE_FLAGS.maxIdleS, raw);
  if (maxIdleGiven) {
    if (longestExpected > flags.maxIdleS) throw new UsageError(`--expect-idle asks for ${longestExpected} s, longer than --max-idle (${flags.maxIdleS} s)`);
  } else if (longestExpected > 0) flags.maxIdleS = longestExpected;
  const named = flags.expectations.map((expectation) => expectation.port);
  flags.ports = [...new Set([...(flagGiven(IDLE_FLAGS.ports, raw) || named.length === 0 ? flags.ports : []), ...named])].sort((a, b) => a - b);
  if (json && format !== null && format !== 'json') throw new UsageError(`--json contradicts --format ${format}`);
  checkResolution(flags.resolution, flags.maxIdleS);
  return { ...flags, targets: hosts, format: json ? 'json' : (format ?? 'table'), maxIdleGiven, portsGiven: flagGiven(IDLE_FLAGS.ports, raw) };
}

/** --resolution must be finer than the longest idle tried. Throws UsageError. */
export function checkResolution(resolution: Resolution, maxIdleS: number): void {
  if (resolution.kind === 'absolute' && resolution.seconds >= maxIdleS) {
    throw new UsageError(`--resolution (${resolution.seconds} s) must be shorter than --max-idle (${maxIdleS} s)`);
  }
}
