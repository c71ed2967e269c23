import type { Report, TargetReport } from '../model/report.js';

/**
 * The `--json` output in pieces: the same text as JSON.stringify(report,
 * null, 2) plus a newline, produced a port at a time so a sweep of every
 * port of many hosts never holds its whole output as one string.
 */
export function* jsonChunks(report: Report): Generator<string> {
  const { targets, ...head } = report;
  const headJson = JSON.stringify(head, null, 2);
  // Everything before "targets", then each target with its ports one by one.
  yield `${headJson.slice(0, -2)},\n  "targets": [`;
  for (const [t, target] of targets.entries()) yield* targetJsonChunks(target, t);
  yield `${targets.length === 0 ? '' : '\n  '}]\n}\n`;
}

/** One element of "targets" (the index says whether a comma goes first), a port at a time. */
export function* targetJsonChunks(target: TargetReport, index: number): Generator<string> {
  const { ports } = target;
  // Overriding "ports" keeps its place among the keys, so the surrounding text is exact.
  const restJson = indent(JSON.stringify({ ...target, ports: [] }, null, 2), 4);
  const open = restJson.lastIndexOf('"ports": []');
  yield `${index === 0 ? '' : ','}\n    ${restJson.slice(0, open)}"ports": [`;
  for (let from = 0; from < ports.length; from += PORTS_PER_CHUNK) {
    yield `${from === 0 ? '' : ','}\n${elementsAtDepth(ports.slice(from, from + PORTS_PER_CHUNK), 4)}`;
  }
  yield `${ports.length === 0 ? '' : `\n      `}]${restJson.slice(open + '"ports": []'.length)}`;
}

/**
 * A report written while it is made (many targets): the head, then targetJsonChunks for each
 * target, then the tail with what is known only at the end ("interrupted", "summary", ...), so
 * those keys come after "targets". The same JSON as jsonChunks apart from the order of keys.
 */
export function streamedJsonHead(schema: string): string {
  return `{\n  "schema": ${JSON.stringify(schema)},\n  "targets": [`;
}

export function* streamedJsonTail(targets: number, tail: Readonly<Record<string, unknown>>): Generator<string> {
  yield `${targets === 0 ? '' : '\n  '}]`;
  for (const [key, value] of Object.entries(tail)) {
    if (value === undefined) continue;
    yield `,\n  ${JSON.stringify(key)}: `;
    yield* topLevelValueChunks(value);
  }
  yield '\n}\n';
}

/**
 * A value of a top-level key as JSON.stringify(report, null, 2) writes it; an object with a
 * "ports" array (the fleet summary of a sweep: an entry per port) has that array written 256
 * entries at a time instead of as one string.
 */
function* topLevelValueChunks(value: unknown): Generator<string> {
  const ports = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { ports?: unknown }).ports : undefined;
  if (!Array.isArray(ports) || ports.length === 0) {
    yield indent(JSON.stringify(value, null, 2), 2);
    return;
  }
  // Overriding "ports" keeps its place among the keys, so the surrounding text is exact.
  const restJson = indent(JSON.stringify({ ...(value as Record<string, unknown>), ports: [] }, null, 2), 2);
  const open = restJson.lastIndexOf('"ports": []');
  yield `${restJson.slice(0, open)}"ports": [`;
  for (let from = 0; from < ports.length; from += PORTS_PER_CHUNK) {
    yield `${from === 0 ? '' : ','}\n${elementsAtDepth(ports.slice(from, from + PORTS_PER_CHUNK), 3)}`;
  }
  yield `\n    ]${restJson.slice(open + '"ports": []'.length)}`;
}

/** Ports per piece: pieces of some tens of KiB, so a sweep's output never sits whole in memory. */
const PORTS_PER_CHUNK = 256;
/**
 * Non-empty `items` as JSON.stringify(report, null, 2) writes the elements of
 * an array nested `depth` arrays deep (their lines indented by 2 x depth
 * spaces; report.targets[].ports[]: 4), joined by ",\n": stringified in
 * place, so no line of their text is re-indented.
 */
function elementsAtDepth(items: readonly unknown[], depth: number): string {
  let nested: unknown = items;
  for (let level = 1; level < depth; level++) nested = [nested];
  const text = JSON.stringify(nested, null, 2);
  // JSON.stringify opens each level with "[\n" plus its indentation and closes it with "\n" + indentation + "]".
  let head = 0;
  let tail = 0;
  for (let level = 0; level < depth; level++) {
    head += 2 + 2 * level;
    tail += 2 + 2 * level;
  }
  return text.slice(head, text.length - tail);
}

function indent(text: string, spaces: number, first = false): string {
  const pad = ' '.repeat(spaces);
  return (first ? pad : '') + text.replace(/\n/g, `\n${pad}`);
}

/** The `--json` output as one string (the concatenation of jsonChunks). */
export function formatJson(report: Report): string {
  let text = '';
  for (const chunk of jsonChunks(report)) text += chunk;
  return text;
}
