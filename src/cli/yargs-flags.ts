import type { Argv } from 'yargs';
import { helpText, type FlagTable } from '../options/flag.js';

/**
 * Declares a command's flags to yargs from its table, grouped as the table groups them when
 * `grouped` (the groups only matter to --help; declaring them costs every start). Values are
 * declared as strings (numbers too): readFlags checks them with our messages, and yargs' own number
 * parsing would turn "abc" into NaN.
 */
export function declareFlags<T>(y: Argv<T>, table: FlagTable, options: { grouped: boolean }): Argv<T> {
  const groups = new Map<string, string[]>();
  for (const flag of Object.values(table)) {
    y.option(flag.name, {
      type: flag.kind === 'switch' ? 'boolean' : 'string',
      describe: helpText(flag),
      ...(flag.alias ? { alias: flag.alias } : {}),
    });
    groups.set(flag.group, [...(groups.get(flag.group) ?? []), flag.name]);
  }
  // 'Options' is yargs' own group (--help, --version), listed last.
  if (options.grouped) for (const [group, names] of groups) if (group !== 'Options') y.group(names, `${group}:`);
  return y;
}
