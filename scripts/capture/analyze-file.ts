/**
 * Runs `ttl-probe analyze` on one file without the CLI (for the benchmark,
 * and until the command is wired into src/cli):
 *
 *   node dist/scripts/capture/analyze-file.js FILE [--json] [--rss]
 *
 * --rss prints the process's peak resident set size (KiB) to stderr as
 * `peak-rss-kib N` when done.
 */
import { runAnalyze } from '../../src/cli/analyze-command.js';
import { TtlProbeError } from '../../src/errors.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: analyze-file FILE [--json] [--rss]\n');
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await runAnalyze(file, { format: args.includes('--json') ? 'json' : 'table' }, {
      stdout: (text) => {
        process.stdout.write(text);
      },
      stderr: (text) => process.stderr.write(text),
    });
  } catch (error) {
    if (!(error instanceof TtlProbeError)) throw error;
    process.stderr.write(`ttl-probe: ${error.message}\n`);
    process.exitCode = error.exitCode;
  }
  if (args.includes('--rss')) process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\n`);
}

await main();
