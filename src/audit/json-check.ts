/**
 * A strict JSON syntax check that says where a file goes wrong, before
 * JSON.parse runs (whose messages differ between Node versions and often
 * carry no position). Also refuses what JSON.parse would silently accept or
 * choke on: duplicate keys (the last one would win) and nesting deeper than a
 * limit. Iterative, so no input can exhaust the stack.
 */

/** Where and why a text is not acceptable JSON; offset counts UTF-16 code units from 0. */
export interface JsonProblem {
  offset: number;
  message: string;
}

type Frame = { kind: 'object'; keys: Set<string> } | { kind: 'array' };
type Expect = 'value' | 'value-or-end' | 'key' | 'key-or-end' | 'colon' | 'comma-or-end' | 'eof';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

function show(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${String.fromCodePoint(code)}'`;
}

/** Reads a string literal starting at the quote at `start`: the index after its closing quote, or a problem. */
function readString(text: string, start: number): number | JsonProblem {
  let i = start + 1;
  while (i < text.length) {
    const char = text[i]!;
    const code = char.charCodeAt(0);
    if (char === '"') return i + 1;
    if (code < 0x20) return { offset: i, message: `control character ${show(char)} inside a string (write \\n, \\t or \\u00XX)` };
    if (char === '\\') {
      const next = text[i + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i, message: 'invalid \\u escape: expected 4 hex digits' };
        i += 6;
        continue;
      }
      if (next === undefined || !ESCAPES.has(next)) return { offset: i, message: `invalid escape \\${next ?? ''} inside a string` };
      i += 2;
      continue;
    }
    i++;
  }
  return { offset: start, message: 'unterminated string: no closing "' };
}

/**
 * Checks that `text` is one JSON value with unique keys per object and at
 * most `maxDepth` nested objects/arrays. Returns null when it is, else the
 * first problem.
 */
export function checkJsonText(text: string, maxDepth: number): JsonProblem | null {
  const stack: Frame[] = [];
  let expect: Expect = 'value';
  let i = 0;
  // What follows a complete value: the end, or a comma or closer.
  const afterValue = (): Expect => (stack.length === 0 ? 'eof' : 'comma-or-end');
  const open = (frame: Frame): JsonProblem | null => {
    if (stack.length >= maxDepth) return { offset: i, message: `nesting deeper than ${maxDepth} levels` };
    stack.push(frame);
    i++;
    return null;
  };
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= text.length) {
      if (expect === 'eof') return null;
      if (stack.length === 0 && expect === 'value') return { offset: i, message: 'no JSON value: the file is empty' };
      const closer = stack.at(-1)?.kind === 'object' ? '}' : ']';
      return { offset: i, message: `unexpected end of file: a ${closer} or more is missing` };
    }
    const char = text[i]!;
    switch (expect) {
      case 'value':
      case 'value-or-end': {
        if (char === ']' && expect === 'value-or-end') {
          stack.pop();
          i++;
          expect = afterValue();
          break;
        }
        if (char === '{') {
          const problem = open({ kind: 'object', keys: new Set() });
          if (problem) return problem;
          expect = 'key-or-end';
          break;
        }
        if (char === '[') {
          const problem = open({ kind: 'array' });
          if (problem) return problem;
          expect = 'value-or-end';
          break;
        }
        if (char === '"') {
          const end = readString(text, i);
          if (typeof end !== 'number') return end;
          i = end;
          expect = afterValue();
          break;
        }
        if (char === '-' || (char >= '0' && char <= '9')) {
          NUMBER.lastIndex = i;
          const match = NUMBER.exec(text);
          if (!match) return { offset: i, message: 'invalid number' };
          i += match[0].length;
          expect = afterValue();
          break;
        }
        const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
        if (literal) {
          i += literal.length;
          expect = afterValue();
          break;
        }
        const hint = char === "'" ? ' (JSON strings take double quotes)' : char === ']' || char === '}' ? ' (a trailing comma?)' : '';
        return { offset: i, message: `unexpected ${show(char)}: expected a value${hint}` };
      }
      case 'key':
      case 'key-or-end': {
        if (char === '}' && expect === 'key-or-end') {
          stack.pop();
          i++;
          expect = afterValue();
          break;
        }
        if (char !== '"') {
          const hint = char === '}' ? ' (a trailing comma?)' : '';
          return { offset: i, message: `unexpected ${show(char)}: expected a key in double quotes${hint}` };
        }
        const end = readString(text, i);
        if (typeof end !== 'number') return end;
        const key = JSON.parse(text.slice(i, end)) as string;
        const frame = stack.at(-1) as { kind: 'object'; keys: Set<string> };
        if (frame.keys.has(key)) return { offset: i, message: `duplicate key ${JSON.stringify(key)}` };
        frame.keys.add(key);
        i = end;
        expect = 'colon';
        break;
      }
      case 'colon':
        if (char !== ':') return { offset: i, message: `unexpected ${show(char)}: expected ':' after the key` };
        i++;
        expect = 'value';
        break;
      case 'comma-or-end': {
        const frame = stack.at(-1)!;
        const closer = frame.kind === 'object' ? '}' : ']';
        if (char === ',') {
          i++;
          expect = frame.kind === 'object' ? 'key' : 'value';
        } else if (char === closer) {
          stack.pop();
          i++;
          expect = afterValue();
        } else {
          return { offset: i, message: `unexpected ${show(char)}: expected ',' or '${closer}'` };
        }
        break;
      }
      case 'eof':
        return { offset: i, message: `unexpected ${show(char)} after the end of the JSON value` };
    }
  }
}
