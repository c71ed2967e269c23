import { writeSync } from 'node:fs';

/**
 * Phase marks for finding where a short run's time goes (start-up is most of it):
 * with TTL_PROBE_TIMING=1 in the environment, each mark prints its label and the
 * milliseconds since the process started on stderr, with the memory in use then (for
 * sweeps, whose peak RSS has a goal). Otherwise a mark costs one branch.
 */
const enabled = process.env.TTL_PROBE_TIMING === '1';

export function mark(label: string): void {
  if (!enabled) return;
  try {
    // A plain write to fd 2: creating process.stderr would itself add to what is measured.
    const memory = process.memoryUsage();
    const mib = (bytes: number): string => (bytes / 1048576).toFixed(0);
    writeSync(2, `ttl-probe timing: ${(process.uptime() * 1000).toFixed(1)} ms ${label} (rss ${mib(memory.rss)} MiB, heap ${mib(memory.heapUsed)}/${mib(memory.heapTotal)} MiB, external ${mib(memory.external)} MiB)\n`);
  } catch {
    // A full non-blocking stderr: a lost timing line is not worth failing the run.
  }
}
