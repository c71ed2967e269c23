import { isIPv6Literal } from '../packet/address.js';
import { TtlProbeError } from '../errors.js';
import { parsePortList } from '../target/ports.js';
import { unprobeableIPv6Reason, unprobeableReason } from '../target/resolve.js';

/**
 * The query of `GET /probe?target=HOST&ports=22,443[&trace=1]`, checked before
 * anything is resolved or sent. Every refusal is a one-line reason for a 400.
 */
export interface ProbeQuery {
  /** As given: an IPv4 literal or a host name (not resolved yet). */
  target: string;
  ports: number[];
  trace: boolean;
}

export type QueryResult = { ok: true; query: ProbeQuery } | { ok: false; reason: string };

/** Longest query string accepted, in bytes as received (percent-escapes count as three). */
export const MAX_QUERY_BYTES = 2048;

/** Most ports one request may probe: beyond this a scrape's answer (about 15 series per port) is absurd. */
export const MAX_PORTS_PER_PROBE = 1024;

const PARAMETERS = new Set(['target', 'ports', 'trace']);

const TRACE_VALUES: Readonly<Record<string, boolean>> = { '1': true, true: true, '0': false, false: false };

/**
 * Parses the raw query string (what follows `?`, without it). Refuses:
 * oversized strings, malformed escapes, unknown or repeated parameters, a
 * missing or malformed target, a bad port list (through the CLI's parser, so
 * the reasons read the same), more than MAX_PORTS_PER_PROBE ports, and trace
 * values other than 1/0/true/false. `ports` is required: the exporter has no
 * default, so a scrape config always says what it measures.
 */
export function parseProbeQuery(rawQuery: string): QueryResult {
  if (Buffer.byteLength(rawQuery) > MAX_QUERY_BYTES) {
    return { ok: false, reason: `query string too long (${Buffer.byteLength(rawQuery)} bytes; at most ${MAX_QUERY_BYTES})` };
  }
  const values = new Map<string, string>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      return { ok: false, reason: `malformed percent-escape in query parameter "${printable(rawName)}"` };
    }
    if (!PARAMETERS.has(name)) return { ok: false, reason: `unknown query parameter "${printable(name)}" (expected target, ports and optionally trace)` };
    if (values.has(name)) return { ok: false, reason: `query parameter "${name}" given more than once` };
    values.set(name, value);
  }

  const target = values.get('target')?.trim();
  if (target === undefined || target === '') return { ok: false, reason: 'missing target: /probe?target=HOST&ports=22,443' };
  const targetReason = targetSyntaxReason(target);
  if (targetReason !== null) return { ok: false, reason: targetReason };

  const portsText = values.get('ports');
  if (portsText === undefined || portsText.trim() === '') return { ok: false, reason: 'missing ports: /probe?target=HOST&ports=22,443' };
  // Counted before expanding: "1-65535,1-65535,..." would otherwise cost millions of steps per request.
  const count = countPorts(portsText);
  if (count > MAX_PORTS_PER_PROBE) return { ok: false, reason: `too many ports (${count}; at most ${MAX_PORTS_PER_PROBE} per probe)` };
  let ports: number[];
  try {
    ports = parsePortList(portsText);
  } catch (error) {
    if (error instanceof TtlProbeError) return { ok: false, reason: error.message };
    throw error;
  }

  const traceText = values.get('trace');
  let trace = false;
  if (traceText !== undefined) {
    const known = TRACE_VALUES[traceText.toLowerCase()];
    if (known === undefined) return { ok: false, reason: `trace must be 1 or 0 (or true or false), got "${printable(traceText)}"` };
    trace = known;
  }
  return { ok: true, query: { target, ports, trace } };
}

/**
 * How many distinct ports a port list names, without expanding its ranges.
 * Elements that are not valid ports or ranges are left out (the port-list
 * parser names them afterwards).
 */
export function countPorts(text: string): number {
  const ranges: [number, number][] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!match) continue;
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : Number(match[2]);
    if (low >= 1 && high <= 65535 && low <= high) ranges.push([low, high]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let count = 0;
  let reached = 0;
  for (const [low, high] of ranges) {
    const from = Math.max(low, reached + 1);
    if (high >= from) count += high - from + 1;
    reached = Math.max(reached, high);
  }
  return count;
}

/**
 * What is wrong with a target as written, or null: the checks resolveTarget
 * makes before any lookup, done here so that a malformed target is a 400 that
 * costs no probe slot.
 */
export function targetSyntaxReason(target: string): string | null {
  const bare = target.startsWith('[') && target.endsWith(']') ? target.slice(1, -1) : target;
  if (bare.includes(':') && isIPv6Literal(bare)) return unprobeableIPv6Reason(bare);
  if (/^[\d.]+$/.test(target)) return unprobeableReason(target);
  if (!/^[A-Za-z0-9._-]+$/.test(target) || target.length > 253) {
    return `invalid target "${printable(target)}": expected an IPv4 or IPv6 address or a host name`;
  }
  return null;
}

/** Echoes user input into a one-line reason: control characters escaped, length bounded. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > 64 ? `${escaped.slice(0, 61)}...` : escaped;
}
