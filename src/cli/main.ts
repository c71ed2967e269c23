import yargs, { type Argv } from 'yargs';
import { ExitCode, TtlProbeError, UsageError, type ExitCodeValue } from '../errors.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { MAX_PROBES_WITHOUT_YES, runProbe } from './probe-command.js';
import type { CommandIo } from './io.js';
import { toProbeOptions } from './probe-options.js';
import { DEFAULT_MAX_HOPS } from '../run/options.js';
import { DEFAULT_PORTS } from '../target/ports.js';
import { runServeCommand, SERVE_COMMAND } from './serve-command.js';
import { VERSION } from '../version.js';
import { mark } from '../timing.js';

export { createStdoutWriter, openProcessStdout, whenDrained } from './stdout.js';

const EPILOGUE = `Exit codes: 0 the probe ran; 1 an expectation failed (or --fail-on-change saw a change); 2 bad input; 3 cannot probe here (no raw-socket privilege, no route); 130 interrupted (Ctrl-C); 70 internal error.
Needs root or CAP_NET_RAW for raw sockets.`;

/** `width`: the column help text wraps at. */
function buildParser(width: number): Argv {
  return yargs()
    .scriptName('ttl-probe')
    .usage('$0 <target...> [-p PORTS]\n\nSends ICMP echoes and TCP SYNs, infers each reply\'s initial TTL and distance, and tells per port whether the host or a device on the path answered.')
    .command(SERVE_COMMAND.command, SERVE_COMMAND.describe, SERVE_COMMAND.builder)
    .command('analyze <file>', 'attribute the answers and resets in an existing capture: pcap, pcapng or tcpdump -n -v text (no root needed)', (y) =>
      y
        .positional('file', { type: 'string', describe: 'the capture, detected by content' })
        .option('format', { type: 'string', describe: 'table or json (default table)' })
        .option('json', { type: 'boolean', describe: 'short for --format json (schema ttl-probe/1 plus midflowResets and capture)' }),
    )
    .command('$0 [hosts..]', 'probe targets (IPv4 addresses or host names)', (y) =>
      y
        .positional('hosts', { type: 'string', array: true, describe: 'IPv4 addresses or host names' })
        .option('ports', { alias: 'p', type: 'string', describe: `ports and ranges, e.g. 22,443,8000-8010 (default ${DEFAULT_PORTS})` })
        .option('echo-count', { type: 'string', describe: `ICMP echo requests per target (default ${DEFAULT_SCAN_OPTIONS.echoCount})` })
        .option('tries', { type: 'string', describe: `SYNs per port at most; re-sends go to silent ports only (default ${DEFAULT_SCAN_OPTIONS.tries})` })
        .option('timeout', { type: 'string', describe: `longest wait for one reply, in ms; the wait adapts to the measured round trip below it (default ${DEFAULT_SCAN_OPTIONS.timeoutMs})` })
        .option('rate', { type: 'string', describe: `packets per second at most, all targets together (default ${DEFAULT_SCAN_OPTIONS.rate})` })
        .option('targets', { type: 'string', describe: 'an audit file (JSON or YAML) of targets with their ports and expectations' })
        .option('expect', { type: 'string', describe: 'PORT=STATE[@BY], repeatable or comma-joined: exit 1 unless it holds (e.g. 22=closed@middlebox,443=open@host)' })
        .option('format', { type: 'string', describe: 'table, json, ndjson, junit or prometheus (default table)' })
        .option('json', { type: 'boolean', describe: 'short for --format json (schema ttl-probe/1)' })
        .option('baseline', { type: 'string', describe: 'an earlier --json report: say what changed per port' })
        .option('fail-on-change', { type: 'boolean', describe: 'with --baseline: exit 1 when anything changed' })
        .option('source-port', { type: 'string', describe: 'send every SYN from this TCP port (default: a random port per run), e.g. to test a rule that trusts port 53' })
        .option('user', { type: 'string', describe: 'the user to become once the raw sockets are open (default: the user who ran sudo; nobody when run as root; --user root keeps root)' })
        .option('yes', { type: 'boolean', describe: `allow a run of more than ${MAX_PROBES_WITHOUT_YES} probes` })
        .option('trace', { type: 'boolean', describe: 'also trace the path: the hop and address of whoever answers each port, and where silent ports are dropped' })
        .option('max-hops', { type: 'string', describe: `--trace: the farthest hop probed (default ${DEFAULT_MAX_HOPS})` }),
    )
    .option('debug', { type: 'boolean', describe: 'show stack traces of errors' })
    .epilogue(EPILOGUE)
    .strict()
    .strictOptions()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .wrap(width)
    .exitProcess(false);
}

/** Switches: yargs would read `--trace=foo` as false and go on; a typo must not silently change a run. */
const SWITCHES = new Set(['trace', 'json', 'yes', 'fail-on-change', 'debug', 'help', 'version']);

function checkSwitchValues(args: readonly string[]): void {
  for (const arg of args) {
    if (arg === '--') return;
    const match = /^--([a-z-]+)=(.*)$/s.exec(arg);
    if (match && SWITCHES.has(match[1]!) && match[2] !== 'true' && match[2] !== 'false') {
      throw new UsageError(`--${match[1]} takes no value (got "${match[2]}")`);
    }
  }
}

type Parsed = { kind: 'output'; text: string } | { kind: 'args'; argv: Record<string, unknown> };

function parseWith(args: readonly string[], width: number): Parsed {
  let parsed: Parsed | undefined;
  buildParser(width).parse([...args], {}, (error, argv, output) => {
    if (error) throw new UsageError(error.message.split('\n')[0] ?? 'invalid arguments');
    parsed = output ? { kind: 'output', text: output } : { kind: 'args', argv: argv as Record<string, unknown> };
  });
  if (!parsed) throw new UsageError('invalid arguments');
  return parsed;
}

const HELP_WIDTH = 100;

function parse(args: readonly string[]): Parsed {
  const parsed = parseWith(args, HELP_WIDTH);
  if (parsed.kind === 'args') return parsed;
  // Help or version: only now ask the terminal's width. Asking creates the stdout stream, which a
  // probe run never needs (the launcher writes reports with plain file writes).
  const columns = process.stdout.columns;
  return columns && columns < HELP_WIDTH ? parseWith(args, columns) : parsed;
}

/**
 * The whole command line: parses `args` (without node and script), runs the
 * command and returns the exit code. Errors become one line on stderr (with
 * the stack under --debug); nothing here exits the process.
 */
export async function main(args: readonly string[], io: CommandIo): Promise<ExitCodeValue> {
  const debug = args.includes('--debug');
  try {
    checkSwitchValues(args);
    mark('main');
    const parsed = parse(args);
    mark('arguments parsed');
    if (parsed.kind === 'output') {
      await io.stdout(`${parsed.text}\n`);
      return ExitCode.OK;
    }
    if ((parsed.argv._ as unknown[] | undefined)?.[0] === 'serve') return await runServeCommand(parsed.argv, io);
    if ((parsed.argv._ as unknown[] | undefined)?.[0] === 'analyze') {
      const format = parsed.argv.json === true ? 'json' : (parsed.argv.format ?? 'table');
      if (format !== 'table' && format !== 'json') throw new UsageError(`analyze: --format must be table or json (got ${String(format)})`);
      // Loaded only for this command: the capture readers are a third of the CLI.
      const { runAnalyze } = await import('./analyze-command.js');
      return await runAnalyze(String(parsed.argv.file), { format }, io);
    }
    const options = toProbeOptions({
      targets: parsed.argv.hosts,
      ports: parsed.argv.ports,
      echoCount: parsed.argv.echoCount,
      tries: parsed.argv.tries,
      timeout: parsed.argv.timeout,
      rate: parsed.argv.rate,
      json: parsed.argv.json,
      trace: parsed.argv.trace,
      maxHops: parsed.argv.maxHops,
      targetsFile: parsed.argv.targets,
      expect: parsed.argv.expect,
      format: parsed.argv.format,
      baseline: parsed.argv.baseline,
      failOnChange: parsed.argv.failOnChange,
      yes: parsed.argv.yes,
      user: parsed.argv.user,
      sourcePort: parsed.argv.sourcePort,
    });
    mark('options checked');
    return await runProbe(options, io);
  } catch (error) {
    if (error instanceof TtlProbeError) {
      io.stderr(`ttl-probe: ${error.message}${error instanceof UsageError ? ' (see ttl-probe --help)' : ''}\n`);
      if (debug && error.stack) io.stderr(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`ttl-probe: internal error: ${message.split('\n')[0]} (run with --debug for details)\n`);
    if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return ExitCode.INTERNAL;
  }
}
