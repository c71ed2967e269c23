import type { Transport } from '../transport/transport.js';

/** What a command talks to: output, errors, cancellation, and (for tests) the network and the privilege drop. */
export interface CommandIo {
  /** Writes output; may return a promise that resolves when the consumer has taken it (backpressure). */
  stdout: (text: string) => void | Promise<void>;
  stderr: (text: string) => void;
  signal?: AbortSignal;
  /** The terminal, when stderr is one: a progress bar is drawn there for long runs. */
  terminal?: { stderr: NodeJS.WriteStream; stdoutIsTTY: boolean };
  /** For tests: a transport instead of raw sockets. */
  openTransport?: () => Transport;
  /** What replaces the privilege drop: tests' stand-ins, and the launcher's, which records the code cache first. */
  dropPrivileges?: (user: string | null) => unknown;
}


/** Output is handed over in pieces of about this size. */
const BATCH_CHARS = 64 * 1024;

/**
 * Writes a report's pieces in batches, waiting for the consumer between
 * batches, so a report of every port of many hosts is never held whole.
 */
export async function writeChunks(io: Pick<CommandIo, 'stdout'>, chunks: Iterable<string>): Promise<void> {
  let batch = '';
  for (const chunk of chunks) {
    batch += chunk;
    if (batch.length >= BATCH_CHARS) {
      await io.stdout(batch);
      batch = '';
    }
  }
  if (batch !== '') await io.stdout(batch);
}
