import { UsageError } from '../errors.js';

/** The values and limits of a run's options, shared by the command line and the exporter. */

/** traceroute's default. */
export const DEFAULT_MAX_HOPS = 30;

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
