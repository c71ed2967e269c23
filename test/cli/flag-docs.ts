import { readFileSync } from 'node:fs';
import t from 'tap';
import { README_FLAG_SECTIONS, renderFlagTable, withFlagSections } from '../../src/cli/flag-docs.js';
import { GLOBAL_FLAGS } from '../../src/cli/commands.js';
import { PROBE_FLAGS } from '../../src/cli/probe-options.js';
import { numberFlag, textFlag } from '../../src/options/flag.js';
import { SERVE_FLAGS } from '../../src/serve/options.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

t.test("the README's flag tables are the rendering of the flag tables", async (t) => {
  t.equal(withFlagSections(readme), readme, 'stale: run `npm run build --silent && node dist/scripts/write-docs.js --readme`');
  for (const table of [PROBE_FLAGS, SERVE_FLAGS, GLOBAL_FLAGS]) {
    for (const flag of Object.values(table)) t.match(readme, `--${flag.name}`, `--${flag.name} is in the README`);
  }
});

t.test('a table row per flag: synopsis, default, meaning', async (t) => {
  const table = renderFlagTable({
    tries: numberFlag({ name: 'tries', group: 'g', default: 2, min: 1, max: 20, describe: 'SYNs per port' }),
    allow: textFlag({ name: 'allow', placeholder: 'CIDR|NAME', group: 'g', describe: 'what | may be probed.', defaultText: 'none at all', read: () => null }),
  });
  t.equal(table, ['| flag | default | meaning |', '|---|---|---|', '| `--tries N` | `2` | SYNs per port. |', '| `--allow CIDR\\|NAME` | none at all | what \\| may be probed. |'].join('\n'));
});

t.test('sections are replaced between their markers; a missing marker is an error', async (t) => {
  const text = 'a\n<!-- flags:x -->\nold\nrows\n<!-- /flags:x -->\nb\n';
  t.equal(withFlagSections(text, { x: 'NEW' }), 'a\n<!-- flags:x -->\nNEW\n<!-- /flags:x -->\nb\n');
  t.throws(() => withFlagSections('no markers', { x: 'NEW' }), new Error('README: no <!-- flags:x --> ... <!-- /flags:x --> section'));
  t.ok(Object.keys(README_FLAG_SECTIONS).length >= 2);
});
