/**
 * Run by `npm test` before tap: installs the programs the tests run (TEST_TOOLS in lab/tools.ts) when
 * some are missing and this is root, each install announced on stderr first; otherwise stops with the
 * exact command, so a fresh machine needs nothing but `npm install` and `sudo npm test`. Tests never
 * skip for a missing tool: they fail with the reason, and this step makes that reason rare.
 */
import { ensureTools, TEST_TOOLS } from './lab/tools.js';

const result = ensureTools(TEST_TOOLS, { purpose: 'npm test' });
if (!result.ok) {
  process.stderr.write(`${result.message}\n`);
  process.exitCode = 1;
}
