import { constants, fstatSync, openSync, writeSync } from 'node:fs';

/**
 * How the launcher writes reports to standard output. Plain synchronous writes
 * to fd 1 wherever they cannot stall the process: creating process.stdout
 * loads the stream and pipe (or tty) machinery, node:net among it, several ms
 * of a short run. A pipe is written through a non-blocking descriptor of its
 * own; when it is full the writer pauses on a timer and tries again, so the
 * event loop runs (a second Ctrl-C still ends the run at once). Where neither
 * is possible (a socket, no /proc) it hands over to process.stdout after 64 KiB.
 */

/**
 * What fd 1 is, as far as blocking goes: a pipe or socket we could reopen without blocking
 * ('nonblocking-pipe', writes answer EAGAIN when it is full), or one we could not ('pipe').
 */
export type StdoutKind = 'file' | 'character-device' | 'nonblocking-pipe' | 'pipe';

/** The process's side of the writer; tests pass a fake. */
export interface StdoutPort {
  kind(): StdoutKind;
  /** write(2) on fd 1 (or its non-blocking reopening): bytes written; throws the errno error (EAGAIN, EPIPE, ...). */
  writeSync(bytes: Buffer, offset: number): number;
  /** process.stdout, created on first call. */
  stream(): OutputStream;
}

/** The part of a Writable the writer uses. */
export interface OutputStream {
  write(chunk: Buffer, done: (error?: Error | null) => void): boolean;
  readonly writableLength: number;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

export interface StdoutWriter {
  /** Resolves once the text has been written (or the reader has gone: EPIPE drops the rest quietly). */
  write(text: string): Promise<void>;
  /** Resolves once nothing handed to the stream is still waiting to be written. */
  drained(): Promise<void>;
}

/**
 * Bytes that may go with blocking writes to a pipe or socket that could not be
 * reopened non-blocking: Linux pipes hold 64 KiB, so as long as the reader is
 * not behind by more than what we wrote, writes up to this total return at
 * once. Beyond it the stream takes over.
 */
export const SYNC_PIPE_BYTES = 64 * 1024;

/** The longest pause between two tries of a full non-blocking pipe. */
export const MAX_RETRY_PAUSE_MS = 50;

export function createStdoutWriter(port: StdoutPort): StdoutWriter {
  let closed = false;
  let stream: OutputStream | null = null;
  const kind = port.kind();
  let syncBudget = kind === 'pipe' ? SYNC_PIPE_BYTES : Infinity;

  const toStream = (chunk: Buffer): Promise<void> => {
    if (stream === null) {
      stream = port.stream();
      stream.on('error', (error) => {
        // The reader went away (ttl-probe ... | head): drop the rest, keep the run's exit code.
        if (error.code === 'EPIPE') closed = true;
        else throw error;
      });
    }
    const target = stream;
    return new Promise((resolve) => {
      if (closed) return resolve();
      // The callback runs once the chunk is written (or failed): only then is it safe to exit.
      target.write(chunk, () => resolve());
    });
  };

  /**
   * Writes what fd 1 takes now. When a non-blocking pipe is full, retries after a pause that
   * doubles up to MAX_RETRY_PAUSE_MS (the event loop, and with it Ctrl-C, runs meanwhile, and no
   * stream machinery is loaded); anything else that would block goes to the stream.
   */
  const writeDirect = (bytes: Buffer, start: number, pauseMs = 1): Promise<void> => {
    let offset = start;
    try {
      while (offset < bytes.length) offset += port.writeSync(bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        closed = true;
        return Promise.resolve();
      }
      if (code !== 'EAGAIN') throw error;
      if (kind !== 'nonblocking-pipe') return toStream(bytes.subarray(offset));
      const resume = offset;
      return new Promise<void>((resolve) => setTimeout(resolve, pauseMs)).then(() =>
        closed ? undefined : writeDirect(bytes, resume, Math.min(pauseMs * 2, MAX_RETRY_PAUSE_MS)),
      );
    } finally {
      syncBudget -= offset - start;
    }
    return Promise.resolve();
  };

  // Set while a write waits for room in the pipe: later writes queue behind it, in order.
  let waiting: Promise<void> | null = null;

  const writeNow = (bytes: Buffer): Promise<void> => {
    if (closed) return Promise.resolve();
    if (stream !== null) return toStream(bytes);
    if (bytes.length > syncBudget) return toStream(bytes);
    return writeDirect(bytes, 0);
  };

  return {
    write(text) {
      const bytes = Buffer.from(text);
      const written = waiting === null ? writeNow(bytes) : waiting.then(() => writeNow(bytes));
      waiting = written;
      const settled = (): void => {
        if (waiting === written) waiting = null;
      };
      // Both ways, so this bookkeeping branch never leaves an unhandled rejection (the caller gets `written`).
      written.then(settled, settled);
      return written;
    },
    async drained() {
      if (waiting !== null) await waiting;
      if (stream !== null && !closed) await whenDrained(stream);
    },
  };
}

/** Resolves once `stream` holds nothing waiting to be written (or has closed). */
export function whenDrained(stream: Pick<OutputStream, 'writableLength' | 'once'>): Promise<void> {
  if (stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('drain', resolve);
    stream.once('close', resolve);
  });
}

/**
 * The real fd 1 and process.stdout. A pipe is reopened through /proc/self/fd/1
 * with O_NONBLOCK: a file description of our own for the same pipe, so a full
 * pipe answers EAGAIN (and the writer pauses and retries) instead of stalling
 * the process, without changing the mode of the descriptor others share.
 */
export function openProcessStdout(): StdoutPort {
  // At once, not on the first write: by then the process may have become `nobody`, and a process
  // that changed its uid may no longer open its own /proc/self/fd entries.
  let fd = 1;
  let kind: StdoutKind = 'pipe';
  try {
    const stat = fstatSync(1);
    if (stat.isFile()) kind = 'file';
    else if (stat.isCharacterDevice()) kind = 'character-device';
    else if (stat.isFIFO()) {
      fd = openSync('/proc/self/fd/1', constants.O_WRONLY | constants.O_NONBLOCK);
      kind = 'nonblocking-pipe';
    }
  } catch {
    // No /proc, or an unusable fd 1 (the write itself will say what is wrong): be careful.
  }
  return {
    kind: () => kind,
    writeSync: (bytes, offset) => writeSync(fd, bytes, offset),
    stream: () => process.stdout,
  };
}
