import { lazyBuiltin } from '../lazy-builtin.js';
import { checkJsonText } from '../audit/json-check.js';
import { UsageError } from '../errors.js';
import { REPORT_SCHEMA, type Report } from '../model/report.js';
import { reportProblems } from '../model/report-check.js';

/** Largest baseline file read, in bytes (a report of 10000 targets with a few ports each is far smaller). */
export const MAX_BASELINE_BYTES = 256 * 1024 * 1024;
/** Deepest nesting in a baseline: a report nests 5 levels; extra fields may add some. */
const MAX_BASELINE_DEPTH = 64;

const HINT = 'give a file written by ttl-probe --json';

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** True when the first line is an ndjson record of ours: a common mix-up. */
function looksLikeNdjson(text: string): boolean {
  try {
    const first = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
    return first.schema === REPORT_SCHEMA && typeof first.port === 'number';
  } catch {
    return false;
  }
}

/**
 * Parses a baseline: the text of an earlier `--json` report. Throws a
 * UsageError naming `file` when it is not JSON, not a ttl-probe/1 report
 * (another schema, or none), or breaks the report's contract.
 */
export function parseBaseline(file: string, text: string): Report {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new UsageError(`${file}: the baseline is empty: ${HINT}`);
  const problem = checkJsonText(body, MAX_BASELINE_DEPTH);
  if (problem) {
    if (problem.message.endsWith('after the end of the JSON value') && looksLikeNdjson(body)) {
      throw new UsageError(`${file}: this is ndjson output (one line per port), not a report: ${HINT}`);
    }
    throw new UsageError(`${file}: not a JSON report (${lineColumn(body, problem.offset)}: ${problem.message}): ${HINT}`);
  }
  const value = JSON.parse(body) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new UsageError(`${file}: not a ttl-probe/1 report (JSON ${kind}, not an object): ${HINT}`);
  }
  const schema = (value as Record<string, unknown>).schema;
  if (schema === undefined) throw new UsageError(`${file}: not a ttl-probe/1 report (no "schema" field): ${HINT}`);
  if (schema !== REPORT_SCHEMA) {
    throw new UsageError(`${file}: not a ttl-probe/1 report (its schema is ${JSON.stringify(schema)}): ${HINT}`);
  }
  const problems = reportProblems(value);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new UsageError(`${file}: not a valid ttl-probe/1 report: ${problems[0]}${more}`);
  }
  return value as Report;
}

/** Reads and parses a baseline file (see parseBaseline); UsageError when it cannot be read. */
export async function loadBaseline(path: string): Promise<Report> {
  let text: string;
  try {
    const info = await lazyBuiltin.fsPromises().stat(path);
    if (!info.isFile()) throw new UsageError(`${path}: the baseline is not a regular file`);
    if (info.size > MAX_BASELINE_BYTES) {
      throw new UsageError(`${path}: ${info.size} bytes is larger than the limit of ${MAX_BASELINE_BYTES} (256 MiB) for a baseline`);
    }
    text = await lazyBuiltin.fsPromises().readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${path}: cannot read the baseline (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseBaseline(path, text);
}
