import { defaultOf, synopsisOf, type Flag, type FlagTable } from '../options/flag.js';
import {
  ANALYZE_COMMAND,
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

/**
 * man/ttl-probe.1, written at build (scripts/write-docs.ts) from the command shapes and flag
 * tables that --help comes from, so the two cannot disagree. Plain man(7) macros.
 */

/** Text safe in a roff text line or macro argument: backslashes, hyphens and quotes escaped, non-ASCII as \\[uXXXX], a leading dot or quote neutralised, `code` in bold. */
export function roffText(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/"/g, '\\(dq')
    .replace(/`([^`]*)`/g, (_, code: string) => `\\fB${code}\\fR`)
    // Input stays ASCII: anything else as a named Unicode character (× -> \[u00D7]).
    .replace(/[^\x00-\x7f]/gu, (char) => `\\[u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
  return escaped
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function flagEntry(flag: Flag): string[] {
  const shown = defaultOf(flag);
  const text = flag.details ?? flag.describe;
  const choices = flag.kind === 'text' && flag.choices && !flag.choices.every((choice) => text.includes(choice)) ? ` One of: ${flag.choices.join(', ')}.` : '';
  const repeatable = flag.kind === 'text' && flag.repeatable && !/repeatable/i.test(text) ? ' Repeatable.' : '';
  const defaultPart = shown === null ? '' : ` Default: ${shown}.`;
  const sentence = /[.)]$/.test(text) ? text : `${text}.`;
  return ['.TP', `.B ${roffText(synopsisOf(flag))}`, roffText(`${sentence}${choices}${repeatable}${defaultPart}`)];
}

function flagSection(title: string, table: FlagTable): string[] {
  const groups = new Map<string, Flag[]>();
  for (const flag of Object.values(table)) groups.set(flag.group, [...(groups.get(flag.group) ?? []), flag]);
  const lines = [`.SH ${roffText(title)}`];
  for (const [group, flags] of groups) {
    if (groups.size > 1) lines.push(`.SS ${roffText(group)}`);
    for (const flag of flags) lines.push(...flagEntry(flag));
  }
  return lines;
}

function commandEntry(shape: Pick<CommandShape, 'synopsis' | 'describe' | 'about'>): string[] {
  return ['.TP', `\\fBttl\\-probe\\fR ${roffText(shape.synopsis)}`, roffText(shape.about ? `${shape.describe}. ${shape.about}` : `${shape.describe}.`)];
}

/** The whole page for `version`. */
export function renderManPage(version: string): string {
  const lines = [
    `.TH TTL\\-PROBE 1 "" "ttl\\-probe ${roffText(version)}" "User Commands"`,
    '.SH NAME',
    'ttl\\-probe \\- tell which ports a host answers itself and which a device on the path answers, from the TTL of the replies',
    '.SH SYNOPSIS',
    ...[PROBE_COMMAND, SERVE_COMMAND, ANALYZE_COMMAND, COMPLETION_COMMAND, IDLE_COMMAND].flatMap((shape, index) => [...(index > 0 ? ['.br'] : []), `.B ttl\\-probe`, roffText(shape.synopsis)]),
    '.SH DESCRIPTION',
    roffText(PROBE_COMMAND.about ?? PROBE_COMMAND.describe),
    '.PP',
    roffText(PRIVILEGE_NOTE),
    '.SH COMMANDS',
    ...commandEntry({ ...PROBE_COMMAND, describe: `${PROBE_COMMAND.describe} (the default command)`, about: undefined }),
    ...commandEntry(SERVE_COMMAND),
    ...commandEntry(ANALYZE_COMMAND),
    ...commandEntry(COMPLETION_COMMAND),
    ...commandEntry(IDLE_COMMAND),
    ...flagSection('OPTIONS', PROBE_COMMAND.flags),
    ...flagSection('SERVE OPTIONS', SERVE_COMMAND.flags),
    ...flagSection('ANALYZE OPTIONS', ANALYZE_COMMAND.flags),
    ...flagSection('IDLE OPTIONS', IDLE_COMMAND.flags),
    ...flagSection('COMMON OPTIONS', GLOBAL_FLAGS),
    '.TP',
    '.B \\-h, \\-\\-help',
    'show the help of the command and exit.',
    '.TP',
    '.B \\-\\-version',
    'print the version and exit.',
    '.SH EXAMPLES',
    ...EXAMPLES.flatMap(([command, meaning]) => ['.TP', `.B ${roffText(command.replace('$0', 'ttl-probe'))}`, roffText(meaning)]),
    '.SH "EXIT STATUS"',
    ...EXIT_CODES.flatMap(([code, meaning]) => ['.TP', `.B ${code}`, roffText(meaning)]),
    '.SH "SEE ALSO"',
    'The README of the package, for the reasoning behind the verdicts, the JSON schema and the lab.',
  ];
  return `${lines.join('\n')}\n`;
}
