import t from 'tap';
import { createStdoutWriter, SYNC_PIPE_BYTES, type OutputStream, type StdoutKind, type StdoutPort } from '../../src/cli/stdout.js';

/** A fake fd 1 and process.stdout: records what each path wrote; the stream completes writes when told. */
function fakePort(kind: StdoutKind, failWith: (written: number) => string | null = () => null) {
  const state = {
    sync: '',
    streamed: '',
    streamCreated: 0,
    pending: [] as (() => void)[],
    drainListeners: [] as (() => void)[],
    errorListener: null as ((e: NodeJS.ErrnoException) => void) | null,
  };
  const stream: OutputStream = {
    write(chunk, done) {
      state.pending.push(() => {
        state.streamed += chunk.toString();
        done();
      });
      return true;
    },
    get writableLength() {
      return state.pending.length;
    },
    on(_event, listener) {
      state.errorListener = listener;
    },
    once(event, listener) {
      if (event === 'drain') state.drainListeners.push(listener);
    },
  };
  const port: StdoutPort = {
    kind: () => kind,
    writeSync(bytes, offset) {
      const code = failWith(state.sync.length);
      if (code) throw Object.assign(new Error(code), { code });
      // A partial write of at most 1000 bytes, as a pipe may do.
      const part = bytes.subarray(offset, Math.min(bytes.length, offset + 1000));
      state.sync += part.toString();
      return part.length;
    },
    stream() {
      state.streamCreated++;
      return stream;
    },
  };
  const flush = () => {
    for (const complete of state.pending.splice(0)) complete();
    for (const drain of state.drainListeners.splice(0)) drain();
  };
  return { port, state, flush };
}

t.test('a file or a terminal: every write synchronous, no stream created', async (t) => {
  for (const kind of ['file', 'character-device'] as const) {
    const { port, state } = fakePort(kind);
    const writer = createStdoutWriter(port);
    const big = 'x'.repeat(3 * SYNC_PIPE_BYTES);
    await writer.write('head\n');
    await writer.write(big);
    t.equal(state.sync, `head\n${big}`, kind);
    t.equal(state.streamCreated, 0, `${kind}: no stream`);
  }
});

t.test('a pipe: synchronous up to SYNC_PIPE_BYTES in all, then the stream, and a write resolves only once written', async (t) => {
  const { port, state, flush } = fakePort('pipe');
  const writer = createStdoutWriter(port);
  const chunk = 'y'.repeat(SYNC_PIPE_BYTES / 2);
  await writer.write(chunk);
  await writer.write(chunk);
  t.equal(state.sync.length, SYNC_PIPE_BYTES, 'the first 64 KiB went synchronously');
  let resolved = false;
  const third = writer.write('z'.repeat(10)).then(() => {
    resolved = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(state.streamCreated, 1, 'the stream took over');
  t.notOk(resolved, 'not resolved while the stream still holds the chunk');
  let drained = false;
  const waiting = writer.drained().then(() => {
    drained = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.notOk(drained, 'drained() waits while the stream holds a chunk');
  flush();
  await third;
  await waiting;
  t.ok(drained, 'and resolves once it is written');
  t.equal(state.streamed, 'z'.repeat(10));
  const more = writer.write('more');
  flush();
  await more;
  t.equal(state.sync.length, SYNC_PIPE_BYTES, 'nothing more written synchronously once the stream is in use');
});

t.test('EAGAIN in the middle of a write: the rest goes through the stream, nothing lost or doubled', async (t) => {
  const { port, state, flush } = fakePort('pipe', (written) => (written >= 2500 ? 'EAGAIN' : null));
  const writer = createStdoutWriter(port);
  const text = Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join('');
  const done = writer.write(text);
  await new Promise((resolve) => setImmediate(resolve));
  flush();
  await done;
  t.equal(state.sync + state.streamed, text);
  t.equal(state.sync.length, 3000, 'three partial writes before EAGAIN');
});

t.test('a closed pipe (EPIPE): the rest is dropped quietly, later writes resolve', async (t) => {
  const { port, state } = fakePort('pipe', () => 'EPIPE');
  const writer = createStdoutWriter(port);
  await writer.write('lost\n');
  await writer.write('also lost\n');
  t.equal(state.sync, '');
  t.equal(state.streamCreated, 0);

  const viaStream = fakePort('pipe');
  const streamWriter = createStdoutWriter(viaStream.port);
  const pending = streamWriter.write('w'.repeat(SYNC_PIPE_BYTES + 1));
  viaStream.state.errorListener?.(Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
  viaStream.flush();
  await pending;
  await streamWriter.write('after the reader left');
  t.equal(viaStream.state.pending.length, 0, 'nothing queued after EPIPE');
});

t.test('other write errors are not swallowed', async (t) => {
  const { port } = fakePort('file', () => 'EIO');
  const writer = createStdoutWriter(port);
  t.throws(() => writer.write('x'), { code: 'EIO' });
});

t.test('a full non-blocking pipe: paused and retried in order, no stream, drained() waits for it', async (t) => {
  let room = 1500;
  const written: string[] = [];
  let streamCreated = 0;
  const port: StdoutPort = {
    kind: () => 'nonblocking-pipe',
    writeSync(bytes, offset) {
      if (room === 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      const part = bytes.subarray(offset, offset + Math.min(room, bytes.length - offset));
      room -= part.length;
      written.push(part.toString());
      return part.length;
    },
    stream() {
      streamCreated++;
      throw new Error('no stream expected');
    },
  };
  const writer = createStdoutWriter(port);
  const first = writer.write('a'.repeat(4000));
  const second = writer.write('b'.repeat(10));
  let drained = false;
  const whenDrained = writer.drained().then(() => {
    drained = true;
  });
  // The reader frees room a little at a time.
  const reader = setInterval(() => (room += 700), 2);
  await Promise.all([first, second, whenDrained]);
  clearInterval(reader);
  t.equal(written.join(''), `${'a'.repeat(4000)}${'b'.repeat(10)}`, 'everything, in order');
  t.ok(drained);
  t.equal(streamCreated, 0, 'no stream: only pauses and retries');
});
