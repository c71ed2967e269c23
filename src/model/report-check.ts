import {
  ADDRESS_FAMILIES, ANSWERED_BY, CHANGE_FIELDS, NAT_EVIDENCE, PORT_STATES, REFERENCE_SOURCES, REPLY_KINDS, REPORT_SCHEMA, TTL_REWRITE_DIRECTIONS,
} from './report.js';

/**
 * A run-time check of a parsed `--json` report (schema ttl-probe/1), for
 * reading reports back (`--baseline`). It checks the contract fields and
 * their types, as schema/ttl-probe-1.schema.json does (the tests hold both to
 * the same samples); unknown fields are allowed, since later versions add some.
 */

/** Problems reported at most: a wrong file tends to be wrong everywhere. */
const MAX_PROBLEMS = 10;

type Check = (value: unknown) => string | null;

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
      ? null
      : `expected a whole number ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`}, got ${show(value)}`;
const number: Check = (value) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? null : `expected a number >= 0, got ${show(value)}`);
const string: Check = (value) => (typeof value === 'string' ? null : `expected a string, got ${show(value)}`);
const boolean: Check = (value) => (typeof value === 'boolean' ? null : `expected true or false, got ${show(value)}`);
const oneOf =
  (values: readonly string[]): Check =>
  (value) =>
    typeof value === 'string' && values.includes(value) ? null : `expected one of ${values.join(', ')}, got ${show(value)}`;
const nullable =
  (check: Check): Check =>
  (value) =>
    value === null ? null : check(value);

/** A field that later versions or options (--trace) add: checked only when present. */
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined ? null : check(value);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Problems {
  readonly list: string[] = [];
  add(place: string, message: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push(`${place}: ${message}`);
  }
  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS;
  }
  /** Checks the fields of an object; false when `value` is not an object. */
  fields(place: string, value: unknown, checks: Record<string, Check>): value is Record<string, unknown> {
    if (!isObject(value)) {
      this.add(place, `expected an object, got ${show(value)}`);
      return false;
    }
    for (const [name, check] of Object.entries(checks)) {
      const problem = check(value[name]);
      if (problem !== null) this.add(`${place}.${name}`, problem);
    }
    return true;
  }
}

/** --trace's responder and droppedAfter: {hop, address, confirmed} or null. */
const hopFinding: Check = (value) => {
  if (value === null) return null;
  if (!isObject(value)) return `expected an object or null, got ${show(value)}`;
  const problem = integer(1)(value.hop) ?? nullable(string)(value.address) ?? boolean(value.confirmed);
  return problem === null ? null : `{hop, address, confirmed}: ${problem}`;
};

/** A device on the path: {hop (0 = the client), address}. */
const hopRef: Check = (value) => {
  if (!isObject(value)) return `expected an object, got ${show(value)}`;
  const problem = integer(0, 255)(value.hop) ?? nullable(string)(value.address);
  return problem === null ? null : `{hop, address}: ${problem}`;
};

/** A change's value: a number (most fields) or text (addresses, tcp.options). */
const fieldValue: Check = (value) => (typeof value === 'string' || (Number.isInteger(value) && (value as number) >= 0) ? null : `expected an integer or a string, got ${show(value)}`);

/** A list whose every item passes `each` (a Problems method checking one item at a place). */
function checkList(problems: Problems, place: string, value: unknown, each: (itemPlace: string, item: unknown) => void): void {
  if (!Array.isArray(value)) problems.add(place, `expected a list, got ${show(value)}`);
  else value.forEach((item, index) => each(`${place}[${index}]`, item));
}

/** --trace's findings about the path itself: changes, TTL rewriter, NAT; all present once a path is. */
function checkPathFindings(problems: Problems, place: string, t: Record<string, unknown>): void {
  for (const name of ['changes', 'ttlRewrite', 'nat']) {
    if (t[name] === undefined) problems.add(`${place}.${name}`, 'expected with path (--trace), got missing');
  }
  if (t.changes !== undefined) {
    checkList(problems, `${place}.changes`, t.changes, (at, change) =>
      problems.fields(at, change, { field: oneOf(CHANGE_FIELDS), sent: fieldValue, seen: fieldValue, after: hopRef, firstSeenAt: integer(1, 255) }),
    );
  }
  if (t.ttlRewrite !== undefined && t.ttlRewrite !== null) {
    const ok = problems.fields(`${place}.ttlRewrite`, t.ttlRewrite, {
      hop: integer(0, 255), address: nullable(string), direction: oneOf(TTL_REWRITE_DIRECTIONS), explanation: string,
    });
    if (ok) {
      checkList(problems, `${place}.ttlRewrite.undermined`, (t.ttlRewrite as Record<string, unknown>).undermined, (at, port) => {
        const problem = integer(1, 65535)(port);
        if (problem) problems.add(at, problem);
      });
    }
  }
  if (t.nat !== undefined) {
    checkList(problems, `${place}.nat`, t.nat, (at, finding) =>
      problems.fields(at, finding, { hop: integer(0, 255), address: nullable(string), evidence: oneOf(NAT_EVIDENCE), detail: string }),
    );
  }
}

function checkReply(problems: Problems, place: string, reply: unknown): void {
  if (reply === null) return;
  problems.fields(place, reply, {
    kind: oneOf(REPLY_KINDS),
    from: string,
    ttl: integer(0, 255),
    initialTtl: integer(1, 255),
    distance: integer(0),
    rttMs: number,
  });
}

function checkTarget(problems: Problems, place: string, target: unknown): void {
  const ok = problems.fields(place, target, {
    target: string,
    address: string,
    // Optional when read back: reports written before IPv6 (schema ttl-probe/1 too) have no family.
    family: optional((value) => ((ADDRESS_FAMILIES as readonly unknown[]).includes(value) ? null : `expected 4 or 6, got ${show(value)}`)),
    ignored: integer(0),
    pathPort: optional(integer(1, 65535)),
  });
  if (!ok) return;
  const t = target as Record<string, unknown>;
  problems.fields(`${place}.echo`, t.echo, {
    sent: integer(0),
    received: integer(0),
    ttl: nullable(integer(0, 255)),
    initialTtl: nullable(integer(1, 255)),
    distance: nullable(integer(0)),
    rttMs: nullable(number),
  });
  problems.fields(`${place}.reference`, t.reference, {
    source: oneOf(REFERENCE_SOURCES),
    distance: nullable(integer(0)),
    hop: nullable(integer(1)),
  });
  if (!Array.isArray(t.unfinishedPorts)) {
    problems.add(`${place}.unfinishedPorts`, `expected a list of ports, got ${show(t.unfinishedPorts)}`);
  } else {
    t.unfinishedPorts.forEach((port, index) => {
      const problem = integer(1, 65535)(port);
      if (problem) problems.add(`${place}.unfinishedPorts[${index}]`, problem);
    });
  }
  if (t.path !== undefined) {
    if (!Array.isArray(t.path)) problems.add(`${place}.path`, `expected a list of hops, got ${show(t.path)}`);
    else {
      t.path.forEach((hop, index) =>
        problems.fields(`${place}.path[${index}]`, hop, {
          hop: integer(1), address: nullable(string), rttMs: nullable(number), quotedBytes: optional(nullable(integer(0))),
        }),
      );
    }
    checkPathFindings(problems, place, t);
  }
  if (!Array.isArray(t.ports)) {
    problems.add(`${place}.ports`, `expected a list of ports, got ${show(t.ports)}`);
    return;
  }
  for (const [index, port] of t.ports.entries()) {
    if (problems.full) return;
    const portPlace = `${place}.ports[${index}]`;
    const portOk = problems.fields(portPlace, port, {
      port: integer(1, 65535),
      state: oneOf(PORT_STATES),
      answeredBy: oneOf(ANSWERED_BY),
      hop: nullable(integer(1)),
      tries: integer(0),
      explanation: nullable(string),
      responder: optional(hopFinding),
      droppedAfter: optional(hopFinding),
      undermined: optional((value) => (value === true ? null : `expected true, got ${show(value)}`)),
    });
    if (!portOk) continue;
    const reply = (port as Record<string, unknown>).reply;
    if (reply === undefined) problems.add(`${portPlace}.reply`, 'expected an object or null, got missing');
    else checkReply(problems, `${portPlace}.reply`, reply);
  }
}

/**
 * Problems of a parsed value as a ttl-probe/1 report, each "place: problem"
 * (e.g. `targets[0].ports[2].state: expected one of open, closed, ..., got "shut"`);
 * empty when it is one. At most 10 are listed.
 */
export function reportProblems(value: unknown): string[] {
  const problems = new Problems();
  if (!isObject(value)) return [`expected a report object, got ${show(value)}`];
  if (value.schema !== REPORT_SCHEMA) problems.add('schema', `expected "${REPORT_SCHEMA}", got ${show(value.schema)}`);
  const interrupted = boolean(value.interrupted);
  if (interrupted) problems.add('interrupted', interrupted);
  if (!Array.isArray(value.targets)) {
    problems.add('targets', `expected a list of targets, got ${show(value.targets)}`);
    return problems.list;
  }
  for (const [index, target] of value.targets.entries()) {
    if (problems.full) break;
    checkTarget(problems, `targets[${index}]`, target);
  }
  return problems.list;
}
