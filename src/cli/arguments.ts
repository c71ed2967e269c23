import { UsageError } from '../errors.js';
import type { FlagTable } from '../options/flag.js';

/**
 * Checks of the raw arguments that yargs does not make, before it parses them. Pure: the flag
 * tables say which flags are switches and which take a value.
 */

/** What the checks need to know of the flags, from the tables. */
export interface ArgumentShape {
  /** Long names of flags without a value (`trace`, plus yargs' `help` and `version`). */
  switches: ReadonlySet<string>;
  /** Every name and alias, long or short, of the flags that take a value (`timeout`, `p`). */
  takesValue: ReadonlySet<string>;
  /** Every name and alias of every flag. */
  known: ReadonlySet<string>;
}

export function argumentShapeOf(tables: readonly FlagTable[], builtInSwitches: readonly string[]): ArgumentShape {
  const switches = new Set(builtInSwitches);
  const takesValue = new Set<string>();
  const known = new Set(builtInSwitches);
  for (const table of tables) {
    for (const flag of Object.values(table)) {
      const names = flag.alias ? [flag.name, flag.alias] : [flag.name];
      for (const name of names) known.add(name);
      if (flag.kind === 'switch') switches.add(flag.name);
      else for (const name of names) takesValue.add(name);
    }
  }
  return { switches, takesValue, known };
}

/** A negative number as yargs-parser sees it: `-6`, `-1.5`, `-.5`. */
const NEGATIVE_NUMBER = /^-(\d+(\.\d+)?|\.\d+)$/;

/**
 * Rejects what yargs would let through:
 * - a value given to a switch (`--trace=foo`: yargs would read false and go on; a typo must not
 *   silently change a run);
 * - a short flag made of digits (`-6`, `-4`): yargs-parser takes it for a negative number, a
 *   positional, which would then be looked up as a host name. Unless it is the value of the flag
 *   before it (`--timeout -5`, so that the limit check can name it), it is an unknown argument.
 * Everything after `--` is left alone.
 */
export function checkArguments(args: readonly string[], shape: ArgumentShape): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return;
    const assigned = /^--([a-z0-9-]+)=(.*)$/s.exec(arg);
    if (assigned) {
      if (shape.switches.has(assigned[1]!) && assigned[2] !== 'true' && assigned[2] !== 'false') {
        throw new UsageError(`--${assigned[1]} takes no value (got "${assigned[2]}")`);
      }
      continue;
    }
    const option = /^--?([A-Za-z0-9][A-Za-z0-9-]*)$/.exec(arg);
    if (NEGATIVE_NUMBER.test(arg) && !shape.known.has(arg.slice(1))) throw new UsageError(`Unknown argument: ${arg}`);
    // The next argument is this flag's value, whatever it looks like.
    if (option && shape.takesValue.has(option[1]!)) i++;
  }
}

/**
 * nmap's multi-letter short flags, which yargs would split into single letters (`-iL` into -i
 * -L), written as the long flags they stand for. Nothing after `--` is touched. Pure.
 */
export const NMAP_SHORT_FLAGS: Readonly<Record<string, string>> = { '-iL': '--input-list' };

/** Flags whose value may be `-` (standard input), which yargs would otherwise not take as a value. */
const STDIN_FLAGS: ReadonlySet<string> = new Set(['--input-list', '--exclude-file']);

export function expandNmapFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const flag = NMAP_SHORT_FLAGS[arg] ?? arg;
    if (STDIN_FLAGS.has(flag) && args[i + 1] === '-') {
      out.push(`${flag}=-`);
      i++;
    } else {
      out.push(flag);
    }
  }
  return out;
}
