import { UsageError } from '../errors.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { DEFAULT_PORTS, parsePortList } from './ports.js';

/** traceroute's default. */
export const DEFAULT_MAX_HOPS = 30;

/** Output formats of a probe report. */
export type OutputFormat = 'table' | 'json';

/** Everything a probe run needs, validated. */
export interface ProbeOptions {
  targets: string[];
  ports: number[];
  echoCount: number;
  tries: number;
  timeoutMs: number;
  rate: number;
  format: OutputFormat;
  /** --trace: also find the path, who answers each port and where silent ports die. */
  trace: boolean;
  maxHops: number;
}

/** The raw values yargs hands over (strings and numbers as typed). */
export interface RawProbeArguments {
  targets?: unknown;
  ports?: unknown;
  echoCount?: unknown;
  tries?: unknown;
  timeout?: unknown;
  rate?: unknown;
  json?: unknown;
  trace?: unknown;
  maxHops?: unknown;
}

/**
 * Checks one numeric option: a finite number within [min, max] (integers when
 * `integer`). yargs turns "abc" into NaN, so that is caught here too.
 */
export function numberOption(name: string, value: unknown, limits: { min: number; max: number; integer?: boolean }): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new UsageError(`--${name} must be a number, got "${String(value)}"`);
  }
  if (limits.integer && !Number.isInteger(number)) throw new UsageError(`--${name} must be a whole number, got ${number}`);
  if (number < limits.min || number > limits.max) {
    throw new UsageError(`--${name} must be between ${limits.min} and ${limits.max}, got ${number}`);
  }
  return number;
}

/** Maps parsed arguments to validated ProbeOptions; throws UsageError naming the bad value. */
export function toProbeOptions(raw: RawProbeArguments): ProbeOptions {
  const targets = (Array.isArray(raw.targets) ? raw.targets : raw.targets === undefined ? [] : [raw.targets]).map(String);
  if (targets.length === 0) throw new UsageError('no target given: ttl-probe HOST [-p PORTS]');
  const portsText = raw.ports === undefined ? DEFAULT_PORTS : Array.isArray(raw.ports) ? raw.ports.map(String).join(',') : String(raw.ports);
  return {
    targets,
    ports: parsePortList(portsText),
    echoCount: numberOption('echo-count', raw.echoCount ?? DEFAULT_SCAN_OPTIONS.echoCount, { min: 0, max: 100, integer: true }),
    tries: numberOption('tries', raw.tries ?? DEFAULT_SCAN_OPTIONS.tries, { min: 1, max: 20, integer: true }),
    timeoutMs: numberOption('timeout', raw.timeout ?? DEFAULT_SCAN_OPTIONS.timeoutMs, { min: 1, max: 60000 }),
    rate: numberOption('rate', raw.rate ?? DEFAULT_SCAN_OPTIONS.rate, { min: 1, max: 1000000 }),
    format: raw.json === true ? 'json' : 'table',
    trace: raw.trace === true,
    maxHops: numberOption('max-hops', raw.maxHops ?? DEFAULT_MAX_HOPS, { min: 1, max: 255, integer: true }),
  };
}
