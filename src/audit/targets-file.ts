import { lazyBuiltin } from '../lazy-builtin.js';
import { isIPv6Literal } from '../packet/address.js';
import { LineCounter, Parser, parseDocument } from 'yaml';
import { DEFAULT_PORTS, parsePortList } from '../target/ports.js';
import { unprobeableIPv6Reason, unprobeableReason } from '../target/resolve.js';
import { looksLikeAddressSet, parseAddressSet } from '../target/blocks.js';
import { UsageError } from '../errors.js';
import { parseExpectedValue } from '../expect/expectation.js';
import { parseIdleMinimum, type IdleExpectation } from '../expect/idle-expectation.js';
import type { Expectation } from '../model/expectation.js';
import { compactPorts } from '../model/ports.js';
import { checkJsonText } from './json-check.js';

/**
 * `--targets FILE`: many targets with their ports and expectations, JSON or
 * YAML, e.g.
 *
 *     {"targets": [{"host": "198.18.4.2", "ports": "22,443",
 *                   "expect": {"22": "closed@middlebox", "443": "open@host"},
 *                   "expectIdle": {"443": "5m"}}]}
 *
 * The whole file is checked before anything runs; every problem is a
 * UsageError naming the file and the place ("targets.yaml: line 3, column 5: ..."
 * for syntax, "audit.json: targets[1].ports: ..." for content).
 */

/** Largest file accepted, in bytes (1 MiB). */
export const MAX_TARGETS_FILE_BYTES = 1024 * 1024;
/** Deepest nesting of lists and mappings accepted. */
export const MAX_TARGETS_FILE_DEPTH = 32;
/** Most targets in one file. */
export const MAX_TARGETS = 10000;
/** Most ports over all targets of one file (10000 targets of 1-65535 would be 655 million probes). */
export const MAX_TOTAL_PORTS = 1_000_000;
/** YAML aliases expanded at most (guards against "billion laughs" files). */
const MAX_YAML_ALIASES = 100;

export type TargetsFileFormat = 'json' | 'yaml';

/** One target of a targets file, validated. */
export interface AuditTarget {
  /**
   * An IPv4 or IPv6 address, a block, an octet range or a host name, as written (expanded later,
   * like a command-line target). Two entries may name the same host (each is reported with its
   * own ports and expectations; the host is probed once).
   */
  host: string;
  /** Ascending unique ports to probe. */
  ports: number[];
  /** Sorted by port; empty when the entry has no `expect`. */
  expectations: Expectation[];
  /**
   * `expectIdle`: connections to the port must survive the idle time (checked by `ttl-probe idle
   * --targets FILE`; the probe command only probes these ports). Sorted by port; empty when none.
   */
  idleExpectations: IdleExpectation[];
}

export interface TargetsFile {
  /** The file name as given, which every message starts with. */
  file: string;
  format: TargetsFileFormat;
  targets: AuditTarget[];
}

export interface TargetsFileOptions {
  /**
   * Ports for an entry without `ports` and without `expect` (an entry with
   * only `expect` probes the ports it expects something of). Default DEFAULT_PORTS.
   */
  defaultPorts?: readonly number[];
}

const TOP_FIELDS = ['targets', '$schema'];
const TARGET_FIELDS = ['host', 'ports', 'expect', 'expectIdle'];

/** .json -> json, .yaml/.yml -> yaml; otherwise json when the text starts with { or [, else yaml. */
export function detectFormat(file: string, text: string): TargetsFileFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\s*[{[]/.test(text.replace(/^\uFEFF/, '')) ? 'json' : 'yaml';
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function at(file: string, text: string, offset: number, message: string): UsageError {
  const { line, column } = lineColumn(text, offset);
  return new UsageError(`${file}: line ${line}, column ${column}: ${message}`);
}

function parseJsonText(file: string, text: string): unknown {
  const problem = checkJsonText(text, MAX_TARGETS_FILE_DEPTH);
  if (problem) throw at(file, text, problem.offset, problem.message);
  return JSON.parse(text) as unknown;
}

interface CstNode {
  type?: string;
  offset?: number;
  value?: CstNode;
  items?: { key?: CstNode | null; value?: CstNode | null }[];
}

/**
 * The first collection in a YAML concrete syntax tree nested deeper than
 * `maxDepth`, by offset; null when there is none. Walks iteratively: the
 * yaml package's composer recurses and can crash on a few thousand levels,
 * so this runs on its (iterative) parser's output before composing.
 */
function yamlTooDeep(text: string, maxDepth: number): number | null {
  for (const token of new Parser().parse(text) as Iterable<CstNode>) {
    const stack: [CstNode, number][] = [[token, 0]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      let inner = depth;
      if (node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection') {
        inner = depth + 1;
        if (inner > maxDepth) return node.offset ?? 0;
      }
      if (node.type === 'document' && node.value) stack.push([node.value, inner]);
      for (const item of node.items ?? []) {
        if (item.key) stack.push([item.key, inner]);
        if (item.value) stack.push([item.value, inner]);
      }
    }
  }
  return null;
}

function parseYamlText(file: string, text: string): unknown {
  const deep = yamlTooDeep(text, MAX_TARGETS_FILE_DEPTH);
  if (deep !== null) throw at(file, text, deep, `nesting deeper than ${MAX_TARGETS_FILE_DEPTH} levels`);
  const lineCounter = new LineCounter();
  // prettyErrors off: its context snippets are not wanted in a one-line message.
  const document = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: true });
  const error = document.errors[0];
  if (error) {
    const message =
      error.code === 'MULTIPLE_DOCS' ? 'more than one YAML document (---): put all targets in one' : error.message.replace(/\.$/, '');
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new UsageError(`${file}: line ${line}, column ${col}: ${message}`);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
  } catch (error) {
    // Unresolved or excessive aliases.
    throw new UsageError(`${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

/** How deep a parsed value nests, counting at most limit + 1 (aliases can make cycles). */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Runs `fn`, prefixing a UsageError it throws with the file and place. */
function within<T>(file: string, place: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${file}: ${place}: ${error.message}`);
    throw error;
  }
}

/**
 * The target syntax of the command line, checked without a lookup: an IPv4 or IPv6 address, a
 * block or octet range (parsed, so its limits are checked here), or a host name.
 */
function checkHost(host: string): string {
  const given = host.trim();
  if (given === '') throw new UsageError('empty host');
  if (looksLikeAddressSet(given)) {
    parseAddressSet(given);
    return given;
  }
  const bare = given.startsWith('[') && given.endsWith(']') ? given.slice(1, -1) : given;
  if (bare.includes(':')) {
    if (!isIPv6Literal(bare)) throw new UsageError(`invalid target "${given}": not an IPv6 address`);
    const reason = unprobeableIPv6Reason(bare);
    if (reason !== null) throw new UsageError(reason);
    return given;
  }
  if (/^[\d.]+$/.test(given)) {
    const reason = unprobeableReason(given);
    if (reason !== null) throw new UsageError(reason);
    return given;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(given) || given.length > 253) {
    throw new UsageError(`invalid target "${given}": expected an IPv4 or IPv6 address, a block, a range or a host name`);
  }
  return given;
}

function portsOf(value: unknown, place: string, file: string): number[] {
  if (typeof value === 'string') return within(file, place, () => parsePortList(value));
  if (typeof value === 'number') return within(file, place, () => parsePortList(String(value)));
  if (Array.isArray(value)) {
    if (value.length === 0) throw new UsageError(`${file}: ${place}: empty port list: give ports like "22,443" or [22, 443]`);
    const parts = value.map((element, index) => {
      if (typeof element === 'number' || typeof element === 'string') return String(element);
      throw new UsageError(`${file}: ${place}[${index}]: expected a port number or a range like "8000-8010", got ${describe(element)}`);
    });
    return within(file, place, () => parsePortList(parts.join(',')));
  }
  throw new UsageError(`${file}: ${place}: expected ports as "22,443" or [22, 443], got ${describe(value)}`);
}

function expectationsOf(value: unknown, place: string, file: string): Expectation[] {
  if (!isMapping(value)) {
    throw new UsageError(`${file}: ${place}: expected a mapping of port to STATE[@BY], e.g. {"22": "closed@middlebox"}, got ${describe(value)}`);
  }
  const expectations: Expectation[] = [];
  for (const [key, expected] of Object.entries(value)) {
    const port = Number(key);
    if (!/^\d+$/.test(key) || port < 1 || port > 65535) {
      throw new UsageError(`${file}: ${place}: key ${JSON.stringify(key)} is not a port number 1-65535`);
    }
    if (typeof expected !== 'string') {
      throw new UsageError(`${file}: ${place}.${key}: expected STATE[@BY] as a string, e.g. "closed@middlebox", got ${describe(expected)}`);
    }
    expectations.push(within(file, `${place}.${key}`, () => parseExpectedValue(port, expected)));
  }
  return expectations.sort((a, b) => a.port - b.port);
}

function idleExpectationsOf(value: unknown, place: string, file: string): IdleExpectation[] {
  if (!isMapping(value)) {
    throw new UsageError(`${file}: ${place}: expected a mapping of port to the idle time it must survive, e.g. {"443": "5m"}, got ${describe(value)}`);
  }
  const expectations: IdleExpectation[] = [];
  for (const [key, minimum] of Object.entries(value)) {
    const port = Number(key);
    if (!/^\d+$/.test(key) || port < 1 || port > 65535) {
      throw new UsageError(`${file}: ${place}: key ${JSON.stringify(key)} is not a port number 1-65535`);
    }
    expectations.push({ port, minimumS: within(file, `${place}.${key}`, () => parseIdleMinimum(minimum)) });
  }
  return expectations.sort((a, b) => a.port - b.port);
}

function unknownField(file: string, place: string, key: string, known: readonly string[]): UsageError {
  return new UsageError(`${file}: ${place}unknown field ${JSON.stringify(key)} (known: ${known.join(', ')})`);
}

/**
 * Parses and validates a targets file's text. Pure. `file` is the name the
 * messages start with; the format comes from its extension or, failing that,
 * the text. Throws UsageError on the first problem.
 */
export function parseTargetsFile(file: string, text: string, options: TargetsFileOptions = {}): TargetsFile {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TARGETS_FILE_BYTES) {
    throw new UsageError(`${file}: ${bytes} bytes is larger than the limit of ${MAX_TARGETS_FILE_BYTES} (1 MiB) for a targets file`);
  }
  const body = text.replace(/^\uFEFF/, '');
  const format = detectFormat(file, body);
  if (body.trim() === '') throw new UsageError(`${file}: the file is empty: expected {"targets": [{"host": ..., "ports": ...}]}`);
  const data = format === 'json' ? parseJsonText(file, body) : parseYamlText(file, body);
  if (depthExceeds(data, MAX_TARGETS_FILE_DEPTH)) throw new UsageError(`${file}: nesting deeper than ${MAX_TARGETS_FILE_DEPTH} levels`);
  if (!isMapping(data)) {
    throw new UsageError(`${file}: expected a mapping with a "targets" list at the top, e.g. {"targets": [{"host": ..., "ports": ...}]}, got ${describe(data)}`);
  }
  for (const key of Object.keys(data)) if (!TOP_FIELDS.includes(key)) throw unknownField(file, '', key, TOP_FIELDS);
  if (!('targets' in data)) throw new UsageError(`${file}: no "targets" list at the top: expected {"targets": [{"host": ..., "ports": ...}]}`);
  const list = data.targets;
  if (!Array.isArray(list)) throw new UsageError(`${file}: targets: expected a list of targets, got ${describe(list)}`);
  if (list.length === 0) throw new UsageError(`${file}: targets: the list is empty`);
  if (list.length > MAX_TARGETS) throw new UsageError(`${file}: targets: ${list.length} targets, more than the limit of ${MAX_TARGETS}`);
  const defaultPorts = options.defaultPorts ? [...options.defaultPorts] : parsePortList(DEFAULT_PORTS);
  const targets: AuditTarget[] = [];
  let totalPorts = 0;
  list.forEach((entry: unknown, index) => {
    const place = `targets[${index}]`;
    if (!isMapping(entry)) throw new UsageError(`${file}: ${place}: expected a mapping like {"host": "198.18.4.2", "ports": "22,443"}, got ${describe(entry)}`);
    for (const key of Object.keys(entry)) if (!TARGET_FIELDS.includes(key)) throw unknownField(file, `${place}: `, key, TARGET_FIELDS);
    if (!('host' in entry)) throw new UsageError(`${file}: ${place}: no "host"`);
    if (typeof entry.host !== 'string') throw new UsageError(`${file}: ${place}.host: expected an address, a block or a host name as a string, got ${describe(entry.host)}`);
    const hostText = entry.host;
    const host = within(file, `${place}.host`, () => checkHost(hostText));
    const expectations = 'expect' in entry ? expectationsOf(entry.expect, `${place}.expect`, file) : [];
    const idleExpectations = 'expectIdle' in entry ? idleExpectationsOf(entry.expectIdle, `${place}.expectIdle`, file) : [];
    const expectedPorts = [...new Set([...expectations, ...idleExpectations].map((expectation) => expectation.port))].sort((a, b) => a - b);
    let ports: number[];
    if ('ports' in entry) {
      ports = portsOf(entry.ports, `${place}.ports`, file);
      for (const [key, list] of [['expect', expectations], ['expectIdle', idleExpectations]] as const) {
        const missing = list.find((expectation) => !ports.includes(expectation.port));
        if (missing) {
          throw new UsageError(`${file}: ${place}.${key}.${missing.port}: port ${missing.port} is not among the ports probed (${compactPorts(ports)}): add it to ports`);
        }
      }
    } else {
      ports = expectedPorts.length > 0 ? expectedPorts : [...defaultPorts];
    }
    totalPorts += ports.length;
    if (totalPorts > MAX_TOTAL_PORTS) {
      throw new UsageError(`${file}: ${place}.ports: more than ${MAX_TOTAL_PORTS} ports over all targets: split the file`);
    }
    targets.push({ host, ports, expectations, idleExpectations });
  });
  return { file, format, targets };
}

/**
 * Reads and validates a targets file (see parseTargetsFile). Refuses a file
 * over MAX_TARGETS_FILE_BYTES before reading it. Throws UsageError for an
 * unreadable or invalid file.
 */
export async function loadTargetsFile(path: string, options: TargetsFileOptions = {}): Promise<TargetsFile> {
  let size: number;
  try {
    const info = await lazyBuiltin.fsPromises().stat(path);
    if (!info.isFile()) throw new UsageError(`${path}: not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${path}: cannot read the targets file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (size > MAX_TARGETS_FILE_BYTES) {
    throw new UsageError(`${path}: ${size} bytes is larger than the limit of ${MAX_TARGETS_FILE_BYTES} (1 MiB) for a targets file`);
  }
  let bytes: Buffer;
  try {
    bytes = await lazyBuiltin.fsPromises().readFile(path);
  } catch (error) {
    throw new UsageError(`${path}: cannot read the targets file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length > MAX_TARGETS_FILE_BYTES) {
    throw new UsageError(`${path}: ${bytes.length} bytes is larger than the limit of ${MAX_TARGETS_FILE_BYTES} (1 MiB) for a targets file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${path}: not UTF-8 text`);
  }
  return parseTargetsFile(path, text, options);
}
