import type { CommandIo } from './probe-command.js';

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
