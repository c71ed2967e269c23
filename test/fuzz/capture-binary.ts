/**
 * Hostile capture files (issue 7), binary formats: the pcap and pcapng
 * readers and the analyzer behind `ttl-probe analyze`, fed random bytes and
 * valid captures (built in capture-support.ts, every field reachable) then
 * mutated: bit flips, truncation at every length, extreme record, block and
 * option lengths, extreme timestamps. A read succeeds or throws
 * CaptureFormatError; any other exception is a bug, and so is a read that
 * does not end (each runs in a worker thread, stopped after
 * READ_TIMEOUT_MS). Successful reads give decoded fields in range, counts
 * that add up, and the same report whatever the chunk and window sizes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import fc from 'fast-check';
import { ipStart, NOT_IP, UNDECODABLE } from '../../src/capture/link.js';
import { LinkType } from '../../src/model/capture.js';
import { parsePcapHeader } from '../../src/capture/pcap.js';
import { timestampScale } from '../../src/capture/pcapng.js';
import { pcapngSectionHeader } from '../helpers/synthesize.js';
import {
  acceptable,
  buildPcap,
  buildPcapng,
  CaptureReader,
  conversationArb,
  describe,
  linkTypeArb,
  pcapSpecArb,
  READ_TIMEOUT_MS,
  readBoth,
  sectionArb,
  streamingArb,
} from './capture-support.js';
import { EXTREME_32, fuzz, guarded, mutate, mutationsArb } from './support.js';

const reader = new CaptureReader();
t.teardown(() => reader.close());

const prefixArb = fc.constantFrom(
  Buffer.alloc(0),
  Buffer.from('d4c3b2a1', 'hex'),
  Buffer.from('a1b2c3d4', 'hex'),
  Buffer.from('4d3cb2a1', 'hex'),
  Buffer.from('34cdb2a1', 'hex'),
  Buffer.from('d4c3b2a102000400', 'hex'),
  Buffer.from('a1b2c3d400020004', 'hex'),
  Buffer.from('0a0d0d0a', 'hex'),
  pcapngSectionHeader(true),
  pcapngSectionHeader(false),
  Buffer.from('1f8b', 'hex'),
);

t.test('the fixtures read cleanly, whole and streamed in small pieces', async (t) => {
  const fixtures = new URL('../fixtures/', import.meta.url);
  for (const name of readdirSync(fixtures).filter((file) => /\.(?:pcap|pcapng|txt)$/.test(file))) {
    const bytes = readFileSync(new URL(name, fixtures));
    const outcome = await readBoth(reader, bytes, { chunk: 7, windowBytes: 64, format: 'table' });
    t.equal(outcome.kind, 'ok', `${name}: ${describe(outcome)}`);
  }
});

t.test('random bytes, bare or behind a pcap, pcapng or gzip start', async (t) => {
  await fc.assert(
    fc.asyncProperty(prefixArb, fc.uint8Array({ maxLength: 600 }), streamingArb, async (prefix, rest, streaming) => {
      await readBoth(reader, Buffer.concat([prefix, rest]), streaming);
    }),
    fuzz(40, 150),
  );
  t.pass('success or CaptureFormatError, the same whole or streamed');
});

t.test('valid pcap files read without error, every record counted', async (t) => {
  await fc.assert(
    fc.asyncProperty(pcapSpecArb, streamingArb, async (spec, streaming) => {
      const capture = buildPcap(spec);
      const outcome = await readBoth(reader, capture.bytes, streaming);
      if (outcome.kind === 'ok' && outcome.counts.packets !== capture.frames) throw new Error(`${outcome.counts.packets} packets counted, ${capture.frames} written`);
      if (outcome.kind === 'capture-error') throw new Error(`valid pcap refused: ${describe(outcome)}`);
    }),
    fuzz(41, 120),
  );
  t.pass('every record read');
});

t.test('mutated pcap files (bit flips, truncation, extreme record lengths and times)', async (t) => {
  await fc.assert(
    fc.asyncProperty(pcapSpecArb, mutationsArb(4, EXTREME_32), streamingArb, async (spec, mutations, streaming) => {
      const capture = buildPcap(spec);
      await readBoth(reader, mutate(capture.bytes, mutations, capture.fields), streaming);
    }),
    fuzz(42, 200),
  );
  t.pass('success or CaptureFormatError');
});

t.test('valid pcapng files read without error, every packet block counted', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(sectionArb, { minLength: 1, maxLength: 2 }), streamingArb, async (sections, streaming) => {
      const capture = buildPcapng(sections);
      const outcome = await readBoth(reader, capture.bytes, streaming);
      if (!capture.valid) return;
      if (outcome.kind === 'ok' && outcome.counts.packets !== capture.frames) throw new Error(`${outcome.counts.packets} packets counted, ${capture.frames} written`);
      if (outcome.kind === 'capture-error') throw new Error(`valid pcapng refused: ${describe(outcome)}`);
    }),
    fuzz(43, 120),
  );
  t.pass('every packet block read');
});

t.test('mutated pcapng files (bit flips, truncation, extreme block and option lengths)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(sectionArb, { minLength: 1, maxLength: 2 }), mutationsArb(4, EXTREME_32), streamingArb, async (sections, mutations, streaming) => {
      const capture = buildPcapng(sections);
      await readBoth(reader, mutate(capture.bytes, mutations, capture.fields), streaming);
    }),
    fuzz(44, 200),
  );
  t.pass('success or CaptureFormatError');
});

t.test('extreme capture times: pcapng if_tsoffset and if_tsresol, with a connection cut mid-flow to report', async (t) => {
  const cut = conversationArb.filter((packets) => packets.length >= 5);
  await fc.assert(
    fc.asyncProperty(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.option(fc.nat({ max: 255 })),
      fc.array(cut, { minLength: 1, maxLength: 2 }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n - 100n }),
      async (tsoffset, tsresol, conversations, start) => {
        const packets = conversations.flat();
        const capture = buildPcapng([
          {
            littleEndian: true,
            interfaces: [{ linkType: LinkType.RAW, snaplen: 0, tsresol, tsoffset }],
            blocks: packets.map((data, i) => ({ block: 'epb' as const, iface: 0, units: start + BigInt(i), data, extra: 0 })),
          },
        ]);
        for (const format of ['table', 'json'] as const) acceptable(await reader.read({ bytes: capture.bytes, via: 'memory', chunk: capture.bytes.length, windowBytes: 1 << 20, format }), capture.bytes);
      },
    ),
    fuzz(45, 100),
  );
  t.pass('a report, whatever the capture times');
});

t.test('every truncation of small valid captures', async (t) => {
  const small = <T>(arb: fc.Arbitrary<T>, build: (spec: T) => { bytes: Buffer; frames: number }, seed: number) =>
    fc.sample(arb.map(build).filter((c) => c.frames >= 2 && c.bytes.length <= 500), { seed: fuzz(seed, 1).seed, numRuns: 1 })[0]!;
  const captures = [small(pcapSpecArb, buildPcap, 46), small(fc.array(sectionArb, { minLength: 1, maxLength: 2 }), buildPcapng, 47)];
  let reads = 0;
  for (const capture of captures) {
    for (let length = 0; length <= capture.bytes.length; length++) {
      const bytes = capture.bytes.subarray(0, length);
      // One read per length, its chunking and window varying with the length.
      acceptable(await reader.read({ bytes, via: 'memory', chunk: 1 + (length % 13), windowBytes: 1 + (length % 97), format: length % 2 === 0 ? 'json' : 'table' }), bytes);
      reads++;
    }
  }
  t.ok(reads > 100, `${reads} truncated captures read`);
});

t.test('through a file and runAnalyze, as the command reads it', async (t) => {
  const inputs = fc.oneof(
    fc.tuple(pcapSpecArb, mutationsArb(3, EXTREME_32)).map(([spec, m]) => {
      const c = buildPcap(spec);
      return mutate(c.bytes, m, c.fields);
    }),
    fc.tuple(fc.array(sectionArb, { minLength: 1, maxLength: 2 }), mutationsArb(3, EXTREME_32)).map(([s, m]) => {
      const c = buildPcapng(s);
      return mutate(c.bytes, m, c.fields);
    }),
  );
  await fc.assert(
    fc.asyncProperty(inputs, fc.constantFrom('table' as const, 'json' as const), async (bytes, format) => {
      acceptable(await reader.read({ bytes, via: 'file', chunk: 0, windowBytes: 0, format }), bytes);
    }),
    fuzz(49, 60),
  );
  t.pass('success or CaptureFormatError');
});

t.test('link layers: ipStart reads only its frame and points inside it', async (t) => {
  fc.assert(
    fc.property(linkTypeArb, fc.uint8Array({ maxLength: 40 }), (linkType, frame) => {
      // The frame inside a larger buffer whose other bytes differ between the two runs.
      const results = [0x00, 0xff, 0x08].map((fill) => {
        const { input, backing, original } = guarded(frame, fill, 16);
        const start = input.byteOffset;
        const result = ipStart(linkType, backing, start, start + frame.length);
        if (!backing.equals(original)) throw new Error('ipStart wrote into the frame');
        return result < 0 ? result : result - start;
      });
      const [first] = results;
      if (results.some((r) => r !== first)) throw new Error(`result depends on bytes outside the frame: ${results.join(', ')}`);
      return first === NOT_IP || first === UNDECODABLE || (Number.isInteger(first) && first! >= 0 && first! <= frame.length);
    }),
    fuzz(50, 5000),
  );
  t.pass('NOT_IP, UNDECODABLE or an index inside the frame');
});

t.test('pcap file header and pcapng timestamp resolution', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
      const header = parsePcapHeader(Buffer.from(bytes));
      if (typeof header === 'string') return header.length > 0;
      return header.versionMajor === 2 && header.linkType >= 0 && header.linkType <= 0xffff && header.snaplen >= 0 && header.snaplen <= 0xffffffff;
    }),
    fuzz(51, 3000),
  );
  for (let tsresol = 0; tsresol < 256; tsresol++) {
    const { multiplier, divisor } = timestampScale(tsresol);
    if (!(multiplier > 0 && divisor >= 1 && Number.isFinite(multiplier) && Number.isFinite(divisor))) t.fail(`timestampScale(${tsresol}) = ${multiplier}/${divisor}`);
  }
  t.pass('a header or a reason; a finite positive scale for every if_tsresol byte');
});

t.test('reads stay fast', async (t) => {
  t.ok(reader.slowestMs < READ_TIMEOUT_MS, `${reader.reads} reads, the slowest ${Math.round(reader.slowestMs)} ms`);
});
