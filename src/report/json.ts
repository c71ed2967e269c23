import type { Report } from './model.js';

/** The `--json` output: the report record as pretty-printed JSON with a trailing newline. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
