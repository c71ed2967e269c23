/**
 * Writes man/ttl-probe.1 from the command line's own tables (run by `npm run build`): the man page
 * is derived, never edited by hand. With --readme it also rewrites the README's flag tables
 * (test/cli/flag-docs.ts fails while they differ from the tables).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withFlagSections } from '../src/cli/flag-docs.js';
import { renderManPage } from '../src/cli/man-page.js';
import { VERSION } from '../src/version.js';

// dist/scripts/write-docs.js -> the project's root
const root = new URL('../../', import.meta.url);
mkdirSync(fileURLToPath(new URL('man/', root)), { recursive: true });
writeFileSync(fileURLToPath(new URL('man/ttl-probe.1', root)), renderManPage(VERSION));
if (process.argv.includes('--readme')) {
  const readme = fileURLToPath(new URL('README.md', root));
  writeFileSync(readme, withFlagSections(readFileSync(readme, 'utf8')));
}
