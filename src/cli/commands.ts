import { ExitCode } from '../errors.js';
import { switchFlag, textFlag, type FlagTable } from '../options/flag.js';
import { SERVE_FLAGS } from '../serve/options.js';
import { MAX_PORTS_PER_PROBE, MAX_QUERY_BYTES } from '../serve/query.js';
import { PROBE_FLAGS } from './probe-options.js';
import { IDLE_FLAGS } from './idle-options.js';

/**
 * The shape of the command line, declared once: main.ts builds yargs from it, and the man page and
 * the README's flag tables are written from it (scripts/write-docs.ts).
 */

/** Flags every command takes (yargs adds --help and --version itself). */
export const GLOBAL_FLAGS = {
  debug: switchFlag({ name: 'debug', group: 'Options', describe: 'show stack traces of errors' }),
} as const satisfies FlagTable;

export const ANALYZE_FORMATS = ['table', 'json'] as const;

/** `analyze`'s own flags; the choice of format is checked in main.ts (its message names the command). */
export const ANALYZE_FLAGS = {
  format: textFlag({
    name: 'format',
    placeholder: 'FORMAT',
    group: 'Output',
    choices: ANALYZE_FORMATS,
    defaultText: 'table',
    describe: 'table or json',
    read: (values) => values[values.length - 1] ?? 'table',
  }),
  json: switchFlag({ name: 'json', group: 'Output', describe: 'short for --format json (schema ttl-probe/1 plus midflowResets and capture)' }),
} as const satisfies FlagTable;

export interface Positional {
  name: string;
  describe: string;
}

/** One command as --help and the man page present it. */
export interface CommandShape {
  /** yargs' command string (`$0` is the default command). */
  command: string;
  /** The usage line, after the program name. */
  synopsis: string;
  describe: string;
  /** A paragraph for the command's own --help and the man page. */
  about?: string;
  positionals: readonly Positional[];
  flags: FlagTable;
}

export const PROBE_COMMAND: CommandShape = {
  command: '$0 [hosts..]',
  synopsis: '<target...> [-p PORTS] [options]',
  describe: 'probe targets (IPv4 addresses or host names)',
  about:
    "Sends ICMP echoes and TCP SYNs, infers each reply's initial TTL and distance, and tells per port whether the host or a device on the path answered.",
  positionals: [{ name: 'hosts', describe: 'IPv4 addresses or host names' }],
  flags: PROBE_FLAGS,
};

export const SERVE_COMMAND: CommandShape = {
  command: 'serve',
  synopsis: 'serve --allow CIDR|NAME [--allow ...] [--listen HOST:PORT] [options]',
  describe: 'run a Prometheus exporter: GET /probe?target=HOST&ports=22,443[&trace=1] probes and answers in the text format; GET /metrics',
  about:
    `A blackbox_exporter-style HTTP exporter. It probes only targets whose name is listed or whose address lies in an --allow network (403 otherwise, before any packet), ` +
    `at most ${MAX_PORTS_PER_PROBE} ports per request and a query string of at most ${MAX_QUERY_BYTES} bytes (400 otherwise), ` +
    `and at most --max-concurrent probes at once (429 beyond).`,
  positionals: [],
  flags: SERVE_FLAGS,
};

export const ANALYZE_COMMAND: CommandShape = {
  command: 'analyze <file>',
  synopsis: 'analyze <file> [--format table|json]',
  describe: 'attribute the answers and resets in an existing capture: pcap, pcapng or tcpdump -n -v text (no root needed)',
  positionals: [{ name: 'file', describe: 'the capture, detected by content' }],
  flags: ANALYZE_FLAGS,
};

export const IDLE_COMMAND: CommandShape = {
  command: 'idle [hosts..]',
  synopsis: 'idle <target...>|--targets FILE -p PORTS [--max-idle DURATION] [--resolution DURATION|PCT] [options]',
  describe: 'measure how long an idle TCP connection survives on each open port, and who ends it (RST, FIN, silent drop, ICMP) from which hop',
  about:
    'Opens real connections to each open port, leaves them idle for graded times (in parallel, so the search costs about one timeout), then checks each with a zero-length ACK that carries no data into the stream. ' +
    'Reports the interval the timeout lies in, what ended the connection, and who: the host, or a device on the path at a hop (by the TTL of its RST, FIN or ICMP error), or for a silent drop the last hop that still answers. IPv4 and IPv6.',
  positionals: [{ name: 'hosts', describe: 'IPv4 or IPv6 addresses or host names' }],
  flags: IDLE_FLAGS,
};

export const COMPLETION_COMMAND = {
  command: 'completion',
  synopsis: 'completion',
  describe: 'print a bash completion script (zsh or fish when $SHELL is one): ttl-probe completion >> ~/.bashrc',
} as const;

/** `--help`'s examples, the man page's EXAMPLES: [command line, what it shows]. */
export const EXAMPLES: readonly (readonly [string, string])[] = [
  ['$0 db1.example -p 22,80,443', "the article's case: does the host refuse ssh itself, or does a firewall on the path forge the RST?"],
  ['$0 db1.example -p 22,443 --trace', 'also trace the path: the hop that answers each port, and where silent ports are dropped'],
  ['$0 --targets audit.yaml', 'check many targets against the expectations of an audit file (exit 1 when one fails)'],
  ['$0 db1.example -p 22 --expect 22=closed@middlebox --json', 'the report as JSON (schema ttl-probe/1), with the expectation\'s result'],
  ['$0 db1.example --format markdown >> "$GITHUB_STEP_SUMMARY"', 'a CI job summary: a table per target (and the path as a Mermaid diagram with --trace)'],
  ['$0 serve --allow 198.18.0.0/15', 'a Prometheus exporter on 127.0.0.1:9799 that may probe 198.18.0.0/15'],
  ['$0 idle db1.example -p 443 --max-idle 15m', 'how long an idle connection to 443 survives, and whether a firewall on the path forgets it (RST or silent drop) or the server closes it'],
  ['$0 idle --targets audit.yaml --format junit', "an audit file's expectIdle (idle connections must survive a time) as JUnit: exit 1 when the path cuts sooner"],
  ['$0 analyze capture.pcap', 'the same attribution for a capture you already have (no root needed)'],
  ['$0 completion >> ~/.bashrc', 'shell completion for bash (zsh: run it from zsh, into ~/.zshrc)'],
];

/** The exit codes, for --help's epilogue and the man page's EXIT STATUS. */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [ExitCode.OK, 'the probe ran'],
  [ExitCode.EXPECTATION_FAILED, 'an expectation failed (or --fail-on-change saw a change)'],
  [ExitCode.USAGE, 'bad input (an unknown flag, a bad value, a target that cannot be probed)'],
  [ExitCode.ENVIRONMENT, 'cannot probe here (no raw-socket privilege, no route)'],
  [ExitCode.INTERRUPTED, 'interrupted (Ctrl-C)'],
  [ExitCode.INTERNAL, 'internal error'],
];

export const PRIVILEGE_NOTE = 'Needs root or CAP_NET_RAW for raw sockets.';

/** Every flag the command line knows, of every command (for the argument checks in arguments.ts). */
export const ALL_FLAG_TABLES: readonly FlagTable[] = [GLOBAL_FLAGS, PROBE_FLAGS, SERVE_FLAGS, ANALYZE_FLAGS, IDLE_FLAGS];
