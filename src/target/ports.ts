import { UsageError } from '../errors.js';

/** The ports probed when `-p` is not given. */
export const DEFAULT_PORTS = '22,80,443';

/**
 * Parses a port list such as "22,443", "8000-8010" or "22,8000-8002,443" into
 * ascending unique port numbers. Throws UsageError naming the bad element.
 */
export function parsePortList(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError('empty port list: give ports like 22,443 or 8000-8010');
  const ports = new Set<number>();
  for (const rawPart of trimmed.split(',')) {
    const part = rawPart.trim();
    if (part === '') throw new UsageError(`empty element in port list "${text}"`);
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const low = parsePort(range[1] ?? '', part);
      const high = parsePort(range[2] ?? '', part);
      if (low > high) throw new UsageError(`port range "${part}" is reversed: write ${high}-${low}`);
      for (let port = low; port <= high; port++) ports.add(port);
      continue;
    }
    if (/^\d+$/.test(part)) {
      ports.add(parsePort(part, part));
      continue;
    }
    throw new UsageError(`invalid port "${part}": expected a number 1-65535 or a range like 8000-8010`);
  }
  return [...ports].sort((a, b) => a - b);
}

function parsePort(digits: string, element: string): number {
  const port = Number(digits);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`port ${digits} out of range in "${element}": ports are 1-65535`);
  }
  return port;
}
