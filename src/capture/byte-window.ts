import { open, type FileHandle } from 'node:fs/promises';

/**
 * Where capture bytes come from: a sequential reader that fills a caller's
 * buffer. `read` resolves with the number of bytes written, 0 at the end.
 */
export interface ByteSource {
  read(into: Buffer, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A file read sequentially (FileHandle.read at the current position). While
 * the caller works on one read, the next is already under way into a second
 * buffer of the same size (read-ahead), so parsing and I/O overlap; each
 * read is then one copy into the caller's buffer. Two buffers of
 * `readAheadBytes` at most, reused; no allocation per read. Works for
 * regular files, FIFOs and /dev/stdin.
 */
export async function openFileSource(path: string, readAheadBytes = DEFAULT_WINDOW_BYTES): Promise<ByteSource> {
  const handle: FileHandle = await open(path, 'r');
  const spare = [Buffer.allocUnsafe(readAheadBytes), Buffer.allocUnsafe(readAheadBytes)];
  let next = 0;
  /** The read under way, into spare[next]. */
  let ahead: Promise<number> | null = null;
  /** Bytes of the last completed read not yet handed out: spare[ready] from readyStart to readyEnd. */
  let ready = 0;
  let readyStart = 0;
  let readyEnd = 0;
  let ended = false;
  const startRead = (): void => {
    const target = spare[next]!;
    ahead = handle.read(target, 0, target.length, null).then((result) => result.bytesRead);
    // Handled when awaited; this only keeps a failure nobody waits for from being reported as unhandled.
    ahead.catch(() => undefined);
  };
  return {
    async read(into, offset, length) {
      if (readyStart === readyEnd) {
        if (ended) return 0;
        if (ahead === null) startRead();
        const count = await ahead!;
        ready = next;
        readyStart = 0;
        readyEnd = count;
        next = 1 - next;
        if (count === 0) {
          ended = true;
          ahead = null;
          return 0;
        }
        startRead();
      }
      const count = Math.min(length, readyEnd - readyStart);
      spare[ready]!.copy(into, offset, readyStart, readyStart + count);
      readyStart += count;
      return count;
    },
    async close() {
      // A read still under way must finish before the handle closes.
      await ahead?.catch(() => 0);
      await handle.close();
    },
  };
}

/**
 * A source over chunks (a Readable such as fs.createReadStream, or an array
 * of buffers in tests): each chunk is copied into the caller's buffer, split
 * across reads as needed.
 */
export function chunkSource(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): ByteSource {
  const iterator =
    Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : (chunks as Iterable<Uint8Array>)[Symbol.iterator]();
  let current: Uint8Array | null = null;
  let position = 0;
  let done = false;
  return {
    async read(into, offset, length) {
      while (!done && (current === null || position >= current.length)) {
        const next = await iterator.next();
        if (next.done === true) {
          done = true;
          current = null;
        } else {
          current = next.value;
          position = 0;
        }
      }
      if (current === null) return 0;
      const count = Math.min(length, current.length - position);
      into.set(current.subarray(position, position + count), offset);
      position += count;
      return count;
    },
    async close() {
      done = true;
      await iterator.return?.();
    },
  };
}

/** Window size the readers start with; it grows only for a record larger than this. */
export const DEFAULT_WINDOW_BYTES = 1 << 20;

/**
 * A sliding window over a ByteSource with one reusable buffer. Readers parse
 * `buffer[position, end)` synchronously and call `ensure(n)` only when they
 * need more bytes; ensure moves the unread bytes to the front of the buffer
 * (so indexes taken before it are invalid after it) and reads as much as fits.
 * Memory stays at the buffer size, whatever the size of the input.
 */
export class ByteWindow {
  buffer: Buffer;
  /** First unread byte. */
  position = 0;
  /** End of the bytes read so far. */
  end = 0;
  /** File offset of buffer[0]. */
  private base = 0;
  private eof = false;
  private readonly maxBytes: number;

  constructor(
    private readonly source: ByteSource,
    initialBytes = DEFAULT_WINDOW_BYTES,
    maxBytes = 64 << 20,
  ) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
    this.maxBytes = Math.max(maxBytes, initialBytes);
  }

  /** Bytes read but not yet consumed. */
  get available(): number {
    return this.end - this.position;
  }

  /** File offset of buffer index `index`. */
  offsetOf(index: number): number {
    return this.base + index;
  }

  /** File offset of the first unread byte. */
  get offset(): number {
    return this.base + this.position;
  }

  /** True once the source is exhausted and every byte has been consumed. */
  get finished(): boolean {
    return this.eof && this.position >= this.end;
  }

  /** Largest record `ensure` accepts. */
  get limit(): number {
    return this.maxBytes;
  }

  /**
   * Makes at least `need` unread bytes available; resolves false when the
   * source ends first (whatever was available stays available). May move
   * the unread bytes and replace `buffer`. `need` must not exceed `limit`.
   */
  async ensure(need: number): Promise<boolean> {
    if (this.end - this.position >= need) return true;
    if (need > this.maxBytes) throw new RangeError(`window of ${this.maxBytes} bytes cannot hold ${need}`);
    this.compact(need);
    while (this.end - this.position < need) {
      if (this.eof) return false;
      const count = await this.source.read(this.buffer, this.end, this.buffer.length - this.end);
      if (count === 0) this.eof = true;
      this.end += count;
    }
    return true;
  }

  /** Consumes `count` bytes, reading past the window when they are not all there. Resolves false at the end of the source. */
  async skip(count: number): Promise<boolean> {
    let left = count;
    for (;;) {
      const here = Math.min(left, this.end - this.position);
      this.position += here;
      left -= here;
      if (left === 0) return true;
      if (this.eof) return false;
      this.base += this.end;
      this.position = 0;
      this.end = 0;
      const read = await this.source.read(this.buffer, 0, this.buffer.length);
      if (read === 0) this.eof = true;
      this.end = read;
    }
  }

  /** Moves the unread bytes to the front (growing the buffer to hold `need`), so a read can fill the rest. */
  private compact(need: number): void {
    const unread = this.end - this.position;
    if (need > this.buffer.length) {
      let size = this.buffer.length;
      while (size < need) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, this.maxBytes));
      this.buffer.copy(grown, 0, this.position, this.end);
      this.buffer = grown;
    } else if (unread > 0) {
      this.buffer.copy(this.buffer, 0, this.position, this.end);
    }
    this.base += this.position;
    this.position = 0;
    this.end = unread;
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
