import { UsageError } from '../errors.js';
import { lazyBuiltin } from '../lazy-builtin.js';

/**
 * `-iL FILE` and `--exclude-file FILE`: targets one per line, as nmap reads them. A line may hold
 * several targets separated by blanks (nmap accepts that too), `#` starts a comment to the end of
 * the line, blank lines are skipped. Each target keeps its line number for messages.
 */
export interface ListedTarget {
  text: string;
  line: number;
}

/** Largest list accepted, in bytes (64 MiB: some two million addresses). */
export const MAX_TARGET_LIST_BYTES = 64 * 1024 * 1024;

/** Splits a target list's text. Pure; UsageError naming the file for text that is not a list. */
export function parseTargetList(file: string, text: string): ListedTarget[] {
  const targets: ListedTarget[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const body = hash >= 0 ? raw.slice(0, hash) : raw;
    for (const word of body.split(/\s+/)) {
      if (word === '') continue;
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(word)) throw new UsageError(`${file}: line ${index + 1}: a control character in "${JSON.stringify(word).slice(1, -1)}"`);
      targets.push({ text: word, line: index + 1 });
    }
  });
  return targets;
}

/** Prefixes a UsageError thrown by `fn` with the file and line of the target. */
export async function atLine<T>(file: string, target: ListedTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${file}: line ${target.line}: ${error.message}`);
    throw error;
  }
}

/**
 * Reads a target list: a file, or standard input for `-` (read to its end before anything is
 * sent). Refuses a file over MAX_TARGET_LIST_BYTES, a directory, and text that is not UTF-8, with
 * the file named.
 */
export async function readTargetList(path: string): Promise<ListedTarget[]> {
  const name = path === '-' ? '(stdin)' : path;
  let bytes: Buffer;
  try {
    if (path === '-') {
      bytes = process.getBuiltinModule('node:fs').readFileSync(0);
    } else {
      const info = await lazyBuiltin.fsPromises().stat(path);
      if (!info.isFile()) throw new UsageError(`${path}: not a regular file`);
      if (info.size > MAX_TARGET_LIST_BYTES) throw new UsageError(`${path}: ${info.size} bytes is larger than the limit of ${MAX_TARGET_LIST_BYTES} (64 MiB) for a target list`);
      bytes = await lazyBuiltin.fsPromises().readFile(path);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${name}: cannot read the target list (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length > MAX_TARGET_LIST_BYTES) throw new UsageError(`${name}: more than ${MAX_TARGET_LIST_BYTES} bytes (64 MiB) for a target list`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${name}: not UTF-8 text`);
  }
  return parseTargetList(name, text);
}
