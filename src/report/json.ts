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
    yield `${from === 0 ? '' : ','}\n${portsAtDepthFour(ports.slice(from, from + PORTS_PER_CHUNK))}`;
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

export function streamedJsonTail(targets: number, tail: Readonly<Record<string, unknown>>): string {
  const fields = Object.entries(tail)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `,\n  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), 2)}`)
    .join('');
  return `${targets === 0 ? '' : '\n  '}]${fields}\n}\n`;
}

/** Ports per piece: pieces of some tens of KiB, so a sweep's output never sits whole in memory. */
const PORTS_PER_CHUNK = 256;
/** What JSON.stringify(x, null, 2) puts around the elements of the innermost of four nested arrays. */
const DEPTH_FOUR_OPEN = '[\n  [\n    [\n      [\n';
const DEPTH_FOUR_CLOSE = '\n      ]\n    ]\n  ]\n]';

/**
 * Non-empty `items` as JSON.stringify(report, null, 2) writes the elements
 * of an array nested four deep (report.targets[].ports[]: 8 spaces), joined
 * by ",\n": stringified in place, so no line of their text is re-indented.
 */
function portsAtDepthFour(items: readonly unknown[]): string {
  const text = JSON.stringify([[[items]]], null, 2);
  return text.slice(DEPTH_FOUR_OPEN.length, text.length - DEPTH_FOUR_CLOSE.length);
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
