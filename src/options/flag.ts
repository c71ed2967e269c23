import { UsageError } from '../errors.js';

/**
 * A command-line flag, declared once: yargs' builder (src/cli/yargs-flags.ts), --help, the man page,
 * the README's flag table and the validated options object (readFlags) all come from this record.
 */
interface FlagCommon {
  /** The long name, as typed after `--`. */
  name: string;
  /** A one-letter alias (`-p`). */
  alias?: string;
  /** The --help line, without the default (helpText adds it). */
  describe: string;
  /** The longer text of the man page and the README (describe when absent); may use `code` spans. */
  details?: string;
  /** The value's name in the docs: `--timeout MS`. */
  placeholder?: string;
  /** The default as the docs should show it, when it is not a plain value (or the flag has none to apply). */
  defaultText?: string;
  /** The heading it appears under in --help and the man page. */
  group: string;
}

/** A number within limits; `default` applies when the flag is absent (none: the value is null). */
export interface NumberFlag extends FlagCommon {
  kind: 'number';
  default?: number;
  min: number;
  max: number;
  integer?: boolean;
}

/** A flag without a value (`--trace`); absent is false. */
export interface SwitchFlag extends FlagCommon {
  kind: 'switch';
}

/**
 * A flag with a text value. `read` receives every occurrence in order (none when absent) and
 * returns the value or throws UsageError naming the flag.
 */
export interface TextFlag<V = unknown> extends FlagCommon {
  kind: 'text';
  /** Shown in the docs and offered by shell completion; `read` checks them. */
  choices?: readonly string[];
  /** Repeatable flags say so in the docs (`--expect`, `--allow`). */
  repeatable?: boolean;
  read(values: readonly string[], name: string): V;
}

export type Flag = NumberFlag | SwitchFlag | TextFlag;

/** The flags of one command, keyed by the field of the options object each becomes. */
export type FlagTable = Readonly<Record<string, Flag>>;

/** The value a flag gives: a number (or null without default), a boolean, or what `read` returns. */
export type FlagValue<F> = F extends TextFlag<infer V> ? V : F extends SwitchFlag ? boolean : F extends { default: number } ? number : number | null;

export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]: FlagValue<T[K]> };

export function numberFlag<const S extends Omit<NumberFlag, 'kind'>>(spec: S): S & { kind: 'number' } {
  return { ...spec, kind: 'number' };
}

export function switchFlag<const S extends Omit<SwitchFlag, 'kind'>>(spec: S): S & { kind: 'switch' } {
  return { ...spec, kind: 'switch' };
}

export function textFlag<V, const S extends Omit<TextFlag<V>, 'kind'> = Omit<TextFlag<V>, 'kind'>>(spec: S & { read(values: readonly string[], name: string): V }): S & { kind: 'text' } {
  return { ...spec, kind: 'text' };
}

/** `read` for a single text value: the last occurrence wins; empty is an error ("--user needs a user name"). */
export function lastText(what: string): (values: readonly string[], name: string) => string | null {
  return (values, name) => {
    const text = values[values.length - 1];
    if (text === undefined) return null;
    if (text.trim() === '') throw new UsageError(`--${name} needs ${what}`);
    return text;
  };
}

/**
 * Checks one numeric value: a finite number within [min, max] (integers when
 * `integer`). yargs hands numbers over as strings; "abc" is caught here.
 */
export function numberOption(name: string, value: unknown, limits: { min: number; max: number; integer?: boolean }): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new UsageError(`--${name} must be a number, got "${String(value)}"`);
  }
  if (limits.integer && !Number.isInteger(number)) throw new UsageError(`--${name} must be a whole number, got ${number}`);
  if (number < limits.min || number > limits.max) {
    throw new UsageError(`--${name} must be between ${limits.min} and ${limits.max}, got ${number}`);
  }
  return number;
}

/** `echo-count` -> `echoCount`: the key yargs (and the tests) hand a flag's value under. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function occurrences(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Whether the flag appears in the parsed arguments at all. */
export function flagGiven(flag: Flag, raw: Readonly<Record<string, unknown>>): boolean {
  return raw[camelCase(flag.name)] !== undefined;
}

/** One flag's value from the parsed arguments (a repeated single-valued flag: the last one wins). */
export function readFlag<F extends Flag>(flag: F, raw: Readonly<Record<string, unknown>>): FlagValue<F> {
  const given = occurrences(raw[camelCase(flag.name)]);
  switch (flag.kind) {
    case 'switch':
      return (given[given.length - 1] === true) as FlagValue<F>;
    case 'number': {
      const last = given[given.length - 1];
      if (last === undefined) return (flag.default ?? null) as FlagValue<F>;
      return numberOption(flag.name, last, flag) as FlagValue<F>;
    }
    default:
      return flag.read(given.map(String), flag.name) as FlagValue<F>;
  }
}

/** Every flag of `table` read from the parsed arguments, in the table's order; throws the first UsageError. */
export function readFlags<T extends FlagTable>(table: T, raw: Readonly<Record<string, unknown>>): FlagValues<T> {
  const values: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(table)) values[key] = readFlag(flag, raw);
  return values as FlagValues<T>;
}

/** The default as the docs show it, or null when there is none to show. */
export function defaultOf(flag: Flag): string | null {
  if (flag.defaultText !== undefined) return flag.defaultText;
  if (flag.kind === 'number' && flag.default !== undefined) return String(flag.default);
  return null;
}

/** The --help line: describe, then the default. */
export function helpText(flag: Flag): string {
  const shown = defaultOf(flag);
  return shown === null ? flag.describe : `${flag.describe} (default ${shown})`;
}

/** How the flag is written in the docs: `-p, --ports PORTS`. */
export function synopsisOf(flag: Flag): string {
  const names = flag.alias ? `-${flag.alias}, --${flag.name}` : `--${flag.name}`;
  if (flag.kind === 'switch') return names;
  return `${names} ${flag.placeholder ?? (flag.kind === 'number' ? 'N' : 'VALUE')}`;
}
