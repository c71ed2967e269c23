import { UsageError } from '../errors.js';
import { parseExpectations } from '../expect/expectation.js';
import type { Expectation } from '../model/expectation.js';
import { flagGiven, lastText, numberFlag, readFlags, switchFlag, textFlag, type FlagValues } from '../options/flag.js';
import { RUN_FLAGS } from '../options/run-flags.js';
import { DEFAULT_PORTS, parsePortList } from '../target/ports.js';
import type { FamilyChoice } from '../target/resolve.js';

/** Output formats of a probe report. */
export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'junit', 'prometheus', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Probes one run may send without --yes: beyond this a typo (a /8 of targets, 1-65535 on hundreds of hosts) is likelier than intent. */
export const MAX_PROBES_WITHOUT_YES = 1_000_000;

function readFormat(values: readonly string[], name: string): OutputFormat | null {
  const format = values[values.length - 1];
  if (format === undefined) return null;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--${name} must be one of ${OUTPUT_FORMATS.join(', ')}, got "${format}"`);
  return format as OutputFormat;
}

/** The flags of the probe command (the default command), keyed by their field in ProbeOptions. */
export const PROBE_FLAGS = {
  targetsFile: textFlag({
    name: 'targets',
    placeholder: 'FILE',
    group: 'Targets and ports',
    describe: 'an audit file (JSON or YAML) of targets with their ports and expectations',
    details: 'an audit file (JSON or YAML) of many targets with their own ports and expectations.',
    read: lastText('a file name'),
  }),
  ports: textFlag({
    name: 'ports',
    alias: 'p',
    placeholder: 'PORTS',
    group: 'Targets and ports',
    defaultText: DEFAULT_PORTS,
    repeatable: true,
    describe: 'ports and ranges, e.g. 22,443,8000-8010',
    details: 'ports and ranges: `22,443`, `8000-8010`, mixed; repeatable.',
    read: (values) => parsePortList(values.length === 0 ? DEFAULT_PORTS : values.join(',')),
  }),
  expectations: textFlag({
    name: 'expect',
    placeholder: 'PORT=STATE[@BY]',
    group: 'Checks',
    repeatable: true,
    describe: 'repeatable or comma-joined: exit 1 unless it holds (e.g. 22=closed@middlebox,443=open@host)',
    details:
      'repeatable and comma-joinable, e.g. `--expect 22=closed@middlebox,443=open@host`. STATE is open, closed, unreachable or filtered; BY is host, middlebox, beyond, none (or unknown). Exit 1 unless every expectation holds; the output marks each one and says what was seen instead. Ports named here are probed too (only they, when `-p` is absent).',
    read: (values): Expectation[] => (values.length === 0 ? [] : parseExpectations(values)),
  }),
  ipv4: switchFlag({
    name: 'ipv4',
    alias: '4',
    group: 'Targets and ports',
    describe: 'IPv4 only: a name\'s first IPv4 address; IPv6 literals refused',
    details: 'IPv4 only, as `ping -4`, `ssh -4`: a name gives its first IPv4 address (nmap\'s and traceroute\'s default); an IPv6 literal is refused. Only IPv4 sockets are opened.',
  }),
  ipv6: switchFlag({
    name: 'ipv6',
    alias: '6',
    group: 'Targets and ports',
    describe: 'IPv6 only: a name\'s first IPv6 address; IPv4 literals refused',
    details: 'IPv6 only: a name gives its first IPv6 address; an IPv4 literal is refused. Only IPv6 sockets are opened.',
  }),
  allAddresses: switchFlag({
    name: 'all-addresses',
    group: 'Targets and ports',
    describe: 'probe every address of a name (both families, or the one of -4/-6), each its own target',
    details: 'probe every address a name resolves to (both families and every record, or only those of `-4`/`-6`), each its own target in the report. Without it a name gives one address: the first the system resolver returns (see "IPv6").',
  }),
  echoCount: RUN_FLAGS.echoCount,
  tries: RUN_FLAGS.tries,
  timeoutMs: RUN_FLAGS.timeoutMs,
  rate: RUN_FLAGS.rate,
  sourcePort: numberFlag({
    name: 'source-port',
    placeholder: 'N',
    group: 'Probing',
    defaultText: 'a random port per run',
    min: 1,
    max: 65535,
    integer: true,
    describe: 'send every SYN from this TCP port, e.g. to test a rule that trusts port 53',
    details: 'send every SYN from this TCP source port (one random port per run otherwise), e.g. to test a rule that trusts port 53.',
  }),
  trace: switchFlag({
    name: 'trace',
    group: 'Trace',
    describe: 'also trace the path: the hop and address of whoever answers each port, and where silent ports are dropped',
    details: 'also trace: the path hop by hop, the hop and address of whoever answers each port, and where silent ports are dropped (below).',
  }),
  maxHops: RUN_FLAGS.maxHops,
  format: textFlag({
    name: 'format',
    placeholder: 'FORMAT',
    group: 'Output',
    choices: OUTPUT_FORMATS,
    defaultText: 'table',
    describe: `${OUTPUT_FORMATS.slice(0, -1).join(', ')} or ${OUTPUT_FORMATS[OUTPUT_FORMATS.length - 1]!}`,
    details: `${OUTPUT_FORMATS.slice(0, -1).map((format) => `\`${format}\``).join(', ')} or \`${OUTPUT_FORMATS[OUTPUT_FORMATS.length - 1]!}\` (markdown: a table per target and, with --trace, a Mermaid diagram of the path, for CI job summaries).`,
    read: readFormat,
  }),
  json: switchFlag({ name: 'json', group: 'Output', describe: 'short for --format json (schema ttl-probe/1)', details: 'short for `--format json` (schema `ttl-probe/1`).' }),
  baseline: textFlag({
    name: 'baseline',
    placeholder: 'FILE',
    group: 'Checks',
    describe: 'an earlier --json report: say what changed per port',
    details: 'an earlier `--json` report: say what changed per port (state, answeredBy, hop).',
    read: lastText('a file name'),
  }),
  failOnChange: switchFlag({ name: 'fail-on-change', group: 'Checks', describe: 'with --baseline: exit 1 when anything changed' }),
  user: RUN_FLAGS.user,
  yes: switchFlag({
    name: 'yes',
    group: 'Privileges and limits',
    describe: `allow a run of more than ${MAX_PROBES_WITHOUT_YES} probes`,
    // Not toLocaleString: it loads ICU when the table is built, i.e. at every start (launcher to main 26.6 -> 7.0 ms, min of 25).
    details: `allow a run of more than ${String(MAX_PROBES_WITHOUT_YES).replace(/\B(?=(\d{3})+$)/g, ',')} probes (refused otherwise, as a likely typo).`,
  }),
  inputList: textFlag({
    name: 'input-list',
    alias: 'iL',
    placeholder: 'FILE',
    group: 'Targets and ports',
    describe: 'targets from a file, one per line (blocks and ranges allowed, # comments); - for stdin',
    details:
      'targets from a file, as nmap\'s `-iL`: one per line (or several separated by blanks), addresses, names, blocks (`198.18.4.0/24`) and octet ranges (`198.18.4.1-20`), `#` starts a comment; `-` reads standard input. Probed on `-p` and checked against `--expect` like the command line\'s targets.',
    read: lastText('a file name'),
  }),
  exclude: textFlag({
    name: 'exclude',
    placeholder: 'TARGETS',
    group: 'Targets and ports',
    repeatable: true,
    describe: 'never probe these (addresses, names, blocks, ranges; comma-joined or repeated)',
    details:
      'never probe these, as nmap\'s `--exclude`: addresses, names (every address they resolve to), blocks and ranges, comma-joined (`--exclude 198.18.4.1,198.18.4.128/25`) or repeated. A comma inside an octet list stays part of it (`198.18.4.1,3` is one range).',
    read: (values): string[] => values.flatMap(splitTargets),
  }),
  excludeFile: textFlag({
    name: 'exclude-file',
    placeholder: 'FILE',
    group: 'Targets and ports',
    describe: 'never probe the targets of this file (the syntax of -iL)',
    details: 'never probe the targets listed in this file (the syntax of `-iL`; `-` for stdin), as nmap\'s `--excludefile`.',
    read: lastText('a file name'),
  }),
  summary: switchFlag({
    name: 'summary',
    group: 'Output',
    describe: 'table: only the summary per port (who answers it, for how many targets), not the per-target rows',
    details:
      'in the table, print only the fleet summary (per port, the targets grouped by who answers it: themselves, one device at a hop, silent) instead of a section per target. Without it the summary follows the per-target sections when the run has more than one target. JSON always carries it as `summary`.',
  }),
} as const;

/**
 * Splits an --exclude value on the commas between targets: a piece without a dot that follows a
 * dotted piece, or any piece after a dotted form with fewer than three dots, belongs to an octet
 * list of the previous one (`198.18.4.1,3`, `198.18.1,2.5`). Pure.
 */
export function splitTargets(value: string): string[] {
  const targets: string[] = [];
  for (const piece of value.split(',')) {
    const previous = targets[targets.length - 1];
    const unfinished = previous !== undefined && !previous.includes(':') && /^[\d.,*-]+$/.test(previous) && (previous.match(/\./g)?.length ?? 0) < 3;
    if (previous !== undefined && (unfinished || (/^[\d*-]+$/.test(piece) && /^[\d.,*-]+$/.test(previous)))) targets[targets.length - 1] = `${previous},${piece}`;
    else targets.push(piece);
  }
  return targets.map((target) => target.trim()).filter((target) => target !== '');
}

/** Everything a probe run needs, validated. */
export interface ProbeOptions extends Omit<FlagValues<typeof PROBE_FLAGS>, 'format' | 'json' | 'ipv4' | 'ipv6'> {
  /** -4 / -6: only that family; null: a name's first address in the system's order (see README, "IPv6"). */
  family: FamilyChoice;
  /** Targets given on the command line (probed on `ports`, checked against `expectations`). */
  targets: string[];
  /** Whether -p was given (without it, only the ports --expect names are probed, when it names any). */
  portsGiven: boolean;
  /** --format, or json for --json. */
  format: OutputFormat;
}

/** The parsed arguments: yargs' argv (`hosts` are the positionals; each flag under its camelCase name). */
export type RawProbeArguments = Readonly<Record<string, unknown>>;

function hostsOf(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function formatOf(format: OutputFormat | null, json: boolean): OutputFormat {
  if (json) {
    if (format !== null && format !== 'json') throw new UsageError(`--json contradicts --format ${format}`);
    return 'json';
  }
  return format ?? 'table';
}

/** Maps parsed arguments to validated ProbeOptions; throws UsageError naming the bad value. */
export function toProbeOptions(raw: RawProbeArguments): ProbeOptions {
  const targets = hostsOf(raw.hosts);
  if (targets.length === 0 && raw.targets === undefined && raw.inputList === undefined) throw new UsageError('no target given: ttl-probe HOST [-p PORTS], -iL FILE, or --targets FILE');
  const { format, json, ipv4, ipv6, ...flags } = readFlags(PROBE_FLAGS, raw);
  if (flags.failOnChange && flags.baseline === null) throw new UsageError('--fail-on-change needs --baseline FILE');
  if (ipv4 && ipv6) throw new UsageError('-4 and -6 contradict each other');
  const family: FamilyChoice = ipv4 ? 4 : ipv6 ? 6 : null;
  return { ...flags, family, targets, portsGiven: flagGiven(PROBE_FLAGS.ports, raw), format: formatOf(format, json) };
}
