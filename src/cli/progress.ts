import { SingleBar } from 'cli-progress';

/** A progress display for a long run; finish() removes it before the report is printed. */
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

/** Runs with fewer probes than this finish before a bar would be worth drawing. */
export const PROGRESS_MIN_PORTS = 1000;

/**
 * Whether to draw a progress bar: only on a terminal (stderr), only for long
 * runs, and not when --json goes to a pipe (a script is reading it).
 */
export function wantsProgress(options: { stderrIsTTY: boolean; stdoutIsTTY: boolean; json: boolean; probes: number }): boolean {
  if (!options.stderrIsTTY) return false;
  if (options.json && !options.stdoutIsTTY) return false;
  return options.probes >= PROGRESS_MIN_PORTS;
}

/** A cli-progress bar on the given stream (stderr), cleared when finished. */
export function createProgressBar(stream: NodeJS.WriteStream): Progress {
  const bar = new SingleBar({
    stream,
    format: 'probing [{bar}] {percentage}% | {value}/{total} ports | {eta_formatted} left',
    clearOnComplete: true,
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    finish() {
      if (started) bar.stop();
    },
  };
}
