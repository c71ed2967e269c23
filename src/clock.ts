/**
 * The clock of every send and receive time: monotonic milliseconds from
 * process.hrtime (arbitrary origin; only differences mean anything). The
 * global `performance.now()` would do as well, but its first use loads
 * perf_hooks and its dependencies, ~1.5 ms of a short run.
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}
