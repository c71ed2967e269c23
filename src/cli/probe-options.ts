import { UsageError } from '../errors.js';
import { DEFAULT_MAX_HOPS, numberOption } from '../run/options.js';
import { parseExpectations } from '../expect/expectation.js';
import type { Expectation } from '../model/expectation.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { DEFAULT_PORTS, parsePortList } from '../target/ports.js';


/** Output formats of a probe report. */
export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'junit', 'prometheus'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Everything a probe run needs, validated. */
export interface ProbeOptions {
  /** Targets given on the command line (probed on `ports`, checked against `expectations`). */
  targets: string[];
  /** --targets: an audit file of targets with their own ports and expectations. */
  targetsFile: string | null;
  ports: number[];
  portsGiven: boolean;
  expectations: Expectation[];
  echoCount: number;
  tries: number;
  timeoutMs: number;
  rate: number;
  format: OutputFormat;
  /** --trace: also find the path, who answers each port and where silent ports die. */
  trace: boolean;
  maxHops: number;
  /** --baseline: an earlier --json report to compare with. */
  baseline: string | null;
  failOnChange: boolean;
  /** --yes: allow runs beyond the probe limit. */
  yes: boolean;
  /** --user: whom to become after opening the raw sockets (see privileges.ts). */
  user: string | null;
  /** --source-port: a fixed TCP source port (random per run when null). */
  sourcePort: number | null;
}

/** The raw values yargs hands over (strings and numbers as typed). */
export interface RawProbeArguments {
  targets?: unknown;
  targetsFile?: unknown;
  ports?: unknown;
  expect?: unknown;
  echoCount?: unknown;
  tries?: unknown;
  timeout?: unknown;
  rate?: unknown;
  json?: unknown;
  format?: unknown;
  trace?: unknown;
  maxHops?: unknown;
  baseline?: unknown;
  failOnChange?: unknown;
  yes?: unknown;
  user?: unknown;
  sourcePort?: unknown;
}


function stringList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function lastString(name: string, value: unknown, what = 'a file name'): string | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof text !== 'string' || text.trim() === '') throw new UsageError(`--${name} needs ${what}`);
  return text;
}

function formatOf(raw: RawProbeArguments): OutputFormat {
  const format = raw.format === undefined ? undefined : String(Array.isArray(raw.format) ? raw.format[raw.format.length - 1] : raw.format);
  if (format !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got "${format}"`);
  }
  if (raw.json === true) {
    if (format !== undefined && format !== 'json') throw new UsageError(`--json contradicts --format ${format}`);
    return 'json';
  }
  return (format as OutputFormat | undefined) ?? 'table';
}

/** Maps parsed arguments to validated ProbeOptions; throws UsageError naming the bad value. */
export function toProbeOptions(raw: RawProbeArguments): ProbeOptions {
  const targets = stringList(raw.targets);
  const targetsFile = lastString('targets', raw.targetsFile);
  if (targets.length === 0 && targetsFile === null) throw new UsageError('no target given: ttl-probe HOST [-p PORTS], or --targets FILE');
  const portsGiven = raw.ports !== undefined;
  const portsText = !portsGiven ? DEFAULT_PORTS : Array.isArray(raw.ports) ? raw.ports.map(String).join(',') : String(raw.ports);
  const expectations = raw.expect === undefined ? [] : parseExpectations(stringList(raw.expect));
  const failOnChange = raw.failOnChange === true;
  const baseline = lastString('baseline', raw.baseline);
  if (failOnChange && baseline === null) throw new UsageError('--fail-on-change needs --baseline FILE');
  return {
    targets,
    targetsFile,
    ports: parsePortList(portsText),
    portsGiven,
    expectations,
    echoCount: numberOption('echo-count', raw.echoCount ?? DEFAULT_SCAN_OPTIONS.echoCount, { min: 0, max: 100, integer: true }),
    tries: numberOption('tries', raw.tries ?? DEFAULT_SCAN_OPTIONS.tries, { min: 1, max: 20, integer: true }),
    timeoutMs: numberOption('timeout', raw.timeout ?? DEFAULT_SCAN_OPTIONS.timeoutMs, { min: 1, max: 60000 }),
    rate: numberOption('rate', raw.rate ?? DEFAULT_SCAN_OPTIONS.rate, { min: 1, max: 1000000 }),
    format: formatOf(raw),
    trace: raw.trace === true,
    maxHops: numberOption('max-hops', raw.maxHops ?? DEFAULT_MAX_HOPS, { min: 1, max: 255, integer: true }),
    baseline,
    failOnChange,
    yes: raw.yes === true,
    user: lastString('user', raw.user, 'a user name'),
    sourcePort: raw.sourcePort === undefined ? null : numberOption('source-port', raw.sourcePort, { min: 1, max: 65535, integer: true }),
  };
}
