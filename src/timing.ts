/**
 * Phase marks for finding where a short run's time goes (start-up is most of it):
 * with TTL_PROBE_TIMING=1 in the environment, each mark prints its label and the
 * milliseconds since the process started on stderr. Otherwise a mark costs one branch.
 */
const enabled = process.env.TTL_PROBE_TIMING === '1';

export function mark(label: string): void {
  if (enabled) process.stderr.write(`ttl-probe timing: ${performance.now().toFixed(1)} ms ${label}\n`);
}
