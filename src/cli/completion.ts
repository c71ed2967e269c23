import type { Flag, FlagTable } from '../options/flag.js';
import { ANALYZE_COMMAND, COMPLETION_COMMAND, GLOBAL_FLAGS, IDLE_COMMAND, PROBE_COMMAND, SERVE_COMMAND } from './commands.js';

/** The argument the completion script passes before the words typed so far (yargs' protocol). */
export const COMPLETION_KEY = '--get-yargs-completions';

const SUBCOMMANDS: ReadonlyMap<string, FlagTable> = new Map([
  ['serve', SERVE_COMMAND.flags],
  ['analyze', ANALYZE_COMMAND.flags],
  ['idle', IDLE_COMMAND.flags],
]);
const COMMAND_NAMES = ['serve', 'analyze', COMPLETION_COMMAND.command, 'idle'];

/**
 * What the shell may offer for the last word of `words` (the program name first, as the bash and
 * zsh scripts pass them; yargs' fish script leaves it out): a flag's choices after that flag (`--format <TAB>`), the flags of the command
 * being typed after a `-`, the commands as the first word. Nothing when a value is expected.
 */
export function completionsFor(words: readonly string[]): string[] {
  const typed = /(^|\/)ttl-probe(\.js)?$/.test(words[0] ?? '') ? words.slice(1) : [...words];
  const current = typed[typed.length - 1] ?? '';
  const before = typed.slice(0, -1);
  const command = before.find((word) => SUBCOMMANDS.has(word));
  const flags: Flag[] = Object.values({ ...(command === undefined ? PROBE_COMMAND.flags : SUBCOMMANDS.get(command)!), ...GLOBAL_FLAGS });
  const previous = before[before.length - 1];
  const valueOf = previous === undefined ? undefined : flags.find((flag) => flag.kind !== 'switch' && (previous === `--${flag.name}` || (flag.alias !== undefined && previous === `-${flag.alias}`)));
  const matching = (candidates: readonly string[]): string[] => candidates.filter((candidate) => candidate.startsWith(current));
  if (valueOf) return valueOf.kind === 'text' && valueOf.choices ? matching(valueOf.choices) : [];
  if (current.startsWith('-')) return matching([...flags.map((flag) => `--${flag.name}`), '--help', '--version']);
  if (before.length === 0) return matching(COMMAND_NAMES);
  return [];
}
