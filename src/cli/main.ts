import yargs, { type Argv } from 'yargs';
import { ExitCode, TtlProbeError, UsageError, type ExitCodeValue } from '../errors.js';
import { runProbe } from './probe-command.js';
import type { CommandIo } from './io.js';
import { toProbeOptions } from './probe-options.js';
import { runServeCommand } from './serve-command.js';
import { VERSION } from '../version.js';
import { mark } from '../timing.js';
import { argumentShapeOf, checkArguments, expandNmapFlags } from './arguments.js';
import {
  ALL_FLAG_TABLES,
  ANALYZE_FLAGS,
  ANALYZE_COMMAND,
  ANALYZE_FORMATS,
  COMPLETION_COMMAND,
  EXAMPLES,
  EXIT_CODES,
  GLOBAL_FLAGS,
  IDLE_COMMAND,
  PRIVILEGE_NOTE,
  PROBE_COMMAND,
  SERVE_COMMAND,
  type CommandShape,
} from './commands.js';
import { declareFlags } from './yargs-flags.js';
import { COMPLETION_KEY, completionsFor } from './completion.js';
import { readFlags } from '../options/flag.js';

export { createStdoutWriter, openProcessStdout, whenDrained } from './stdout.js';
/** For the launcher, which records the V8 code cache while it may still write (see bin/ttl-probe.js). */
export { dropPrivileges } from '../privileges.js';

const EPILOGUE = `Exit codes: ${EXIT_CODES.map(([code, meaning]) => `${code} ${meaning}`).join('; ')}.\n${PRIVILEGE_NOTE}`;

function isAnalyzeFormat(format: string): format is (typeof ANALYZE_FORMATS)[number] {
  return (ANALYZE_FORMATS as readonly string[]).includes(format);
}

const ARGUMENT_SHAPE = argumentShapeOf(ALL_FLAG_TABLES, ['help', 'h', 'version']);

/**
 * How the parser is built. `forHelp`: with what only --help shows (groups, examples, epilogue),
 * left out of every other run to keep start-up short.
 */
interface ParserStyle {
  /** The column help text wraps at. */
  width: number;
  forHelp: boolean;
}

/** A command's builder: its usage paragraph, positionals and flags, from its shape. */
function builderOf(shape: CommandShape, style: ParserStyle): (y: Argv) => Argv {
  return (y) => {
    if (shape.command !== PROBE_COMMAND.command) y.usage(`$0 ${shape.synopsis}${shape.about ? `\n\n${shape.about}` : ''}`);
    for (const positional of shape.positionals) {
      y.positional(positional.name, { type: 'string', describe: positional.describe, ...(shape === PROBE_COMMAND || shape === IDLE_COMMAND ? { array: true } : {}) });
    }
    return declareFlags(y, shape.flags, { grouped: style.forHelp });
  };
}

function buildParser(style: ParserStyle): Argv {
  let parser = yargs()
    .scriptName('ttl-probe')
    .usage(`$0 ${PROBE_COMMAND.synopsis}\n\n${PROBE_COMMAND.about ?? ''}`)
    .command(SERVE_COMMAND.command, SERVE_COMMAND.describe, builderOf(SERVE_COMMAND, style))
    .command(ANALYZE_COMMAND.command, ANALYZE_COMMAND.describe, builderOf(ANALYZE_COMMAND, style))
    .command(IDLE_COMMAND.command, IDLE_COMMAND.describe, builderOf(IDLE_COMMAND, style))
    .command(PROBE_COMMAND.command, PROBE_COMMAND.describe, builderOf(PROBE_COMMAND, style))
    // Listed in --help; main() answers it (and the script's completion requests) before yargs parses.
    .command(COMPLETION_COMMAND.command, COMPLETION_COMMAND.describe);
  parser = declareFlags(parser, GLOBAL_FLAGS, { grouped: style.forHelp });
  if (style.forHelp) {
    for (const [command, meaning] of EXAMPLES) parser.example(command, meaning);
    parser.epilogue(EPILOGUE);
  }
  return parser
    .strict()
    .strictOptions()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .wrap(style.width)
    .exitProcess(false);
}

/**
 * yargs' completion script for the shell in $SHELL (bash unless zsh), made by a parser of its own:
 * the main one has a default command, which would take `completion` for a host name.
 */
function completionScript(): string {
  let script = '';
  yargs()
    .scriptName('ttl-probe')
    .completion(COMPLETION_COMMAND.command)
    .exitProcess(false)
    .parse([COMPLETION_COMMAND.command], {}, (_error, _argv, output) => {
      script ||= output;
    });
  return script.endsWith('\n') ? script : `${script}\n`;
}

type Parsed = { kind: 'output'; text: string } | { kind: 'args'; argv: Record<string, unknown> };

function parseWith(args: readonly string[], width: number): Parsed {
  let parsed: Parsed | undefined;
  // A --help anywhere (a value that looks like one included) only adds the help's decorations.
  const forHelp = args.some((arg) => arg === '--help' || arg === '-h');
  buildParser({ width, forHelp }).parse([...args], {}, (error, argv, output) => {
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
export async function main(given: readonly string[], io: CommandIo): Promise<ExitCodeValue> {
  const args = expandNmapFlags(given);
  const debug = args.includes('--debug');
  try {
    checkArguments(args, ARGUMENT_SHAPE);
    mark('main');
    if (args[0] === COMPLETION_KEY) {
      await io.stdout(completionsFor(args.slice(1)).map((word) => `${word}\n`).join(''));
      return ExitCode.OK;
    }
    if (args[0] === COMPLETION_COMMAND.command) {
      // Caught here, or yargs' default command would take the extra words (and `completion`) for hosts.
      if (args.length > 1) throw new UsageError(`completion takes no arguments (got ${args.slice(1).join(' ')}): the shell is read from $SHELL`);
      await io.stdout(completionScript());
      return ExitCode.OK;
    }
    const parsed = parse(args);
    mark('arguments parsed');
    if (parsed.kind === 'output') {
      await io.stdout(`${parsed.text}\n`);
      return ExitCode.OK;
    }
    if ((parsed.argv._ as unknown[] | undefined)?.[0] === 'serve') return await runServeCommand(parsed.argv, io);
    if ((parsed.argv._ as unknown[] | undefined)?.[0] === 'analyze') {
      const flags = readFlags(ANALYZE_FLAGS, parsed.argv);
      const format = flags.json ? 'json' : flags.format;
      if (!isAnalyzeFormat(format)) throw new UsageError(`analyze: --format must be table or json (got ${format})`);
      // Loaded only for this command: the capture readers are a third of the CLI.
      const { runAnalyze } = await import('./analyze-command.js');
      return await runAnalyze(String(parsed.argv.file), { format }, io);
    }
    if ((parsed.argv._ as unknown[] | undefined)?.[0] === 'idle') {
      const [{ toIdleOptions }, { runIdleCommand }] = await Promise.all([import('./idle-options.js'), import('./idle-command.js')]);
      return await runIdleCommand(toIdleOptions(parsed.argv), io);
    }
    const options = toProbeOptions(parsed.argv);
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
