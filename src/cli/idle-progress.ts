import { SingleBar } from 'cli-progress';

/** `idle`'s progress on a terminal: seconds waited of --max-idle, and how many connections are alive. */
export interface IdleProgress {
  update(waitedS: number, alive: number): void;
  finish(): void;
}

/** Whether to draw it: stderr is a terminal, and --json does not go to a pipe (a script is reading it). */
export function wantsIdleProgress(options: { stderrIsTTY: boolean; stdoutIsTTY: boolean; json: boolean }): boolean {
  return options.stderrIsTTY && !(options.json && !options.stdoutIsTTY);
}

export function createIdleProgress(stream: NodeJS.WriteStream, maxIdleS: number): IdleProgress {
  const bar = new SingleBar({
    stream,
    format: 'idle [{bar}] {value}/{total} s waited | {alive} connections alive',
    clearOnComplete: true,
    hideCursor: true,
  });
  let started = false;
  return {
    update(waitedS, alive) {
      const value = Math.min(Math.round(waitedS), Math.ceil(maxIdleS));
      if (!started) {
        bar.start(Math.ceil(maxIdleS), value, { alive });
        started = true;
      } else bar.update(value, { alive });
    },
    finish() {
      if (started) bar.stop();
    },
  };
}
