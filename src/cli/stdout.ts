import { constants, fstatSync, openSync, writeSync } from 'node:fs';

/**
 * How the launcher writes reports to standard output. Plain synchronous writes
 * to fd 1 wherever they cannot stall the process: creating process.stdout
 * loads the stream and pipe (or tty) machinery, node:net among it, several ms
 * of a short run. Where a write could block (a pipe or socket whose reader is
 * slow), the writer hands over to process.stdout, which waits asynchronously,
 * so a second Ctrl-C can still end the run at once.
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

export function createStdoutWriter(port: StdoutPort): StdoutWriter {
  let closed = false;
  let stream: OutputStream | null = null;
  let kind: StdoutKind | null = null;
  let syncBudget = 0;

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

  return {
    write(text) {
      if (closed) return Promise.resolve();
      const bytes = Buffer.from(text);
      if (stream !== null) return toStream(bytes);
      if (kind === null) {
        kind = port.kind();
        syncBudget = kind === 'pipe' ? SYNC_PIPE_BYTES : Infinity;
      }
      if (bytes.length > syncBudget) return toStream(bytes);
      let offset = 0;
      try {
        while (offset < bytes.length) offset += port.writeSync(bytes, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          closed = true;
          return Promise.resolve();
        }
        if (code === 'EAGAIN') return toStream(bytes.subarray(offset));
        throw error;
      } finally {
        syncBudget -= offset;
      }
      return Promise.resolve();
    },
    drained() {
      const target = stream;
      if (target === null || closed || target.writableLength === 0) return Promise.resolve();
      return new Promise((resolve) => {
        target.once('drain', resolve);
        target.once('close', resolve);
      });
    },
  };
}

/**
 * The real fd 1 and process.stdout. A pipe is reopened through /proc/self/fd/1
 * with O_NONBLOCK: a file description of our own for the same pipe, so a full
 * pipe answers EAGAIN (and the stream takes over) instead of stalling the
 * process, without changing the mode of the descriptor others share.
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
