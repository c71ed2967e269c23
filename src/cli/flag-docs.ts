import { defaultOf, synopsisOf, type FlagTable } from '../options/flag.js';
import { GLOBAL_FLAGS, IDLE_COMMAND, PROBE_COMMAND, SERVE_COMMAND } from './commands.js';

/**
 * The README's flag tables, rendered from the flag tables (test/cli/flag-docs.ts fails when the
 * README's copy differs; `node dist/scripts/write-docs.js --readme` rewrites it).
 */

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One Markdown table: flag, default, meaning; `extraRows` (already Markdown) at the end. */
export function renderFlagTable(table: FlagTable, extraRows: readonly string[] = []): string {
  const rows = Object.values(table).map((flag) => {
    const shown = defaultOf(flag);
    const meaning = flag.details ?? flag.describe;
    // A value in code (`22,80,443`), a phrase as text.
    const shownCell = shown === null ? '' : shown.includes(' ') ? cell(shown) : `\`${cell(shown)}\``;
    return `| \`${cell(synopsisOf(flag))}\` | ${shownCell} | ${cell(/[.)]$/.test(meaning) ? meaning : `${meaning}.`)} |`;
  });
  return ['| flag | default | meaning |', '|---|---|---|', ...rows, ...extraRows].join('\n');
}

/** The README sections by marker name: `<!-- flags:NAME -->` ... `<!-- /flags:NAME -->`. */
export const README_FLAG_SECTIONS: Readonly<Record<string, string>> = {
  probe: renderFlagTable({ ...PROBE_COMMAND.flags, ...GLOBAL_FLAGS }, ['| `-h, --help`, `--version` | | the help (of a command: `ttl-probe serve --help`), the version |']),
  serve: renderFlagTable(SERVE_COMMAND.flags),
  idle: renderFlagTable(IDLE_COMMAND.flags),
};

/** `readme` with each marked section replaced by its rendering; throws when a marker is missing. */
export function withFlagSections(readme: string, sections: Readonly<Record<string, string>> = README_FLAG_SECTIONS): string {
  let text = readme;
  for (const [name, table] of Object.entries(sections)) {
    const pattern = new RegExp(`(<!-- flags:${name} -->\\n)[\\s\\S]*?(<!-- /flags:${name} -->)`);
    if (!pattern.test(text)) throw new Error(`README: no <!-- flags:${name} --> ... <!-- /flags:${name} --> section`);
    text = text.replace(pattern, (_, open: string, close: string) => `${open}${table}\n${close}`);
  }
  return text;
}
