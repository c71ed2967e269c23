import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { analyzeCapture } from '../../src/cli/analyze-command.js';
import { chunkSource } from '../../src/capture/byte-window.js';
import { copyPacket, type DecodedPacket } from '../../src/capture/decoded.js';
import { CaptureFormatError } from '../../src/capture/errors.js';
import { LinkType } from '../../src/model/capture.js';
import { openCaptureSource, type CaptureCounts } from '../../src/capture/open.js';
import { timestampScale } from '../../src/capture/pcapng.js';
import {
  cookedV2Frame,
  ethernetFrame,
  nullFrame,
  pcapngBlock,
  pcapngEnhancedPacket,
  pcapngInterface,
  pcapngObsoletePacket,
  pcapngSectionHeader,
  pcapngSimplePacket,
  tcpPacket,
} from '../helpers/synthesize.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

function chunked(file: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < file.length; at += size) chunks.push(file.subarray(at, at + size));
  return chunks;
}

async function readAll(file: Buffer, options: { chunk?: number; windowBytes?: number } = {}): Promise<{ format: string; counts: CaptureCounts; packets: DecodedPacket[] }> {
  const capture = await openCaptureSource(chunkSource(chunked(file, options.chunk ?? 1 << 20)), 'test.pcapng', { windowBytes: options.windowBytes });
  const packets: DecodedPacket[] = [];
  for await (const batch of capture.batches()) {
    for (let i = 0; i < batch.count; i++) {
      const packet = batch.packet(i);
      if (packet) packets.push(copyPacket(packet));
    }
  }
  return { format: capture.format, counts: capture.counts(), packets };
}

async function readError(t: Test, file: Buffer, label: string, options: { chunk?: number; windowBytes?: number } = {}): Promise<CaptureFormatError | null> {
  try {
    const capture = await openCaptureSource(chunkSource(chunked(file, options.chunk ?? 1 << 20)), 'test.pcapng', { windowBytes: options.windowBytes ?? 256 });
    await analyzeCapture(capture);
    return null;
  } catch (error) {
    if (error instanceof CaptureFormatError) return error;
    t.fail(`${label}: unexpected ${(error as Error).stack}`);
    return null;
  }
}

const packetA = tcpPacket({ source: '198.18.1.1', destination: '198.18.4.2', ttl: 64, sourcePort: 40000, destinationPort: 443, sequence: 5, flags: 0x02 });
const packetB = tcpPacket({ source: '198.18.4.2', destination: '198.18.1.1', ttl: 61, sourcePort: 443, destinationPort: 40000, sequence: 9, acknowledgment: 6, flags: 0x12 });

t.test('timestamp resolutions', async (t) => {
  t.same(timestampScale(6), { multiplier: 1, divisor: 1000 });
  t.same(timestampScale(9), { multiplier: 1, divisor: 1e6 });
  t.same(timestampScale(3), { multiplier: 1, divisor: 1 });
  t.same(timestampScale(0), { multiplier: 1000, divisor: 1 });
  t.same(timestampScale(0x80 | 10), { multiplier: 1000 / 1024, divisor: 1 });
});

t.test('interfaces with their own link type, resolution and offset; both byte orders', async (t) => {
  for (const little of [true, false]) {
    const file = Buffer.concat([
      pcapngSectionHeader(little),
      pcapngInterface({ linkType: LinkType.ETHERNET }, little), // microseconds
      pcapngInterface({ linkType: LinkType.LINUX_SLL2, tsresol: 9 }, little), // nanoseconds
      pcapngInterface({ linkType: LinkType.RAW, tsresol: 0x80 | 10, tsoffsetSeconds: 1000 }, little), // 1/1024 s, +1000 s
      pcapngBlock(4, Buffer.alloc(20), little), // name resolution: skipped
      pcapngEnhancedPacket(0, 1_700_000_000_123_456n, ethernetFrame(packetA), undefined, little),
      pcapngEnhancedPacket(1, 1_700_000_000_123_456_789n, cookedV2Frame(packetB), undefined, little),
      pcapngBlock(5, Buffer.alloc(16), little), // interface statistics: skipped
      pcapngEnhancedPacket(2, 2048n, packetA, undefined, little),
      pcapngObsoletePacket(0, 5_000_000n, ethernetFrame(packetB), little),
      pcapngBlock(0x40000bad, Buffer.alloc(40), little), // custom block: skipped
    ]);
    const read = await readAll(file);
    const label = little ? 'little-endian' : 'big-endian';
    t.equal(read.format, 'pcapng');
    t.same(read.counts, { packets: 4, ipv4: 4, ipv6: 0, notIPv4: 0, undecodable: 0, linkTypes: [1, 276, 101] }, `${label}: counts`);
    t.same(read.packets.map((p) => [p.source, p.ttl]), [
      ['198.18.1.1', 64],
      ['198.18.4.2', 61],
      ['198.18.1.1', 64],
      ['198.18.4.2', 61],
    ], `${label}: packets`);
    const times = read.packets.map((p) => p.timestampMs);
    t.ok(Math.abs(times[0]! - 1_700_000_000_123.456) < 1e-6, `${label}: microseconds ${times[0]}`);
    t.ok(Math.abs(times[1]! - 1_700_000_000_123.456789) < 1e-3, `${label}: nanoseconds ${times[1]}`);
    t.equal(times[2], 1_000_000 + 2000, `${label}: 2048 units of 1/1024 s after the 1000 s offset`);
    t.equal(times[3], 5000, `${label}: obsolete packet block`);
  }
});

t.test('several sections, each with its byte order and interfaces; simple packet blocks', async (t) => {
  const file = Buffer.concat([
    pcapngSectionHeader(true),
    pcapngInterface({ linkType: LinkType.ETHERNET }),
    pcapngEnhancedPacket(0, 1_000n, ethernetFrame(packetA)),
    pcapngSectionHeader(false),
    pcapngInterface({ linkType: LinkType.NULL, snaplen: 0 }, false),
    pcapngSimplePacket(nullFrame(packetB), false),
    pcapngEnhancedPacket(0, 3_000_000n, nullFrame(packetA), undefined, false),
  ]);
  const read = await readAll(file);
  t.same(read.counts, { packets: 3, ipv4: 3, ipv6: 0, notIPv4: 0, undecodable: 0, linkTypes: [1, 0] });
  t.same(read.packets.map((p) => [p.ttl, p.timestampMs]), [
    [64, 1],
    [61, 1], // a simple packet block has no timestamp: the last one seen
    [64, 3000],
  ]);
});

t.test('a skipped block larger than the window is not buffered', async (t) => {
  const file = Buffer.concat([
    pcapngSectionHeader(),
    pcapngInterface({ linkType: LinkType.ETHERNET }),
    pcapngBlock(0x0bad, Buffer.alloc(100_000)),
    pcapngEnhancedPacket(0, 1n, ethernetFrame(packetA)),
  ]);
  // A 64 KiB window cannot hold the 100 KB custom block, and the limit is the window's maximum.
  const read = await readAll(file, { chunk: 4096, windowBytes: 1024 });
  t.same(read.counts, { packets: 1, ipv4: 1, ipv6: 0, notIPv4: 0, undecodable: 0, linkTypes: [1] });
});

t.test('lab captures: editcap pcapng and a two-interface mergecap pcapng', async (t) => {
  const single = await readAll(fixture('article.pcapng'));
  const pcap = await readAll(fixture('article-eth.pcap'));
  t.same(single.counts, pcap.counts, 'the same packets as the pcap it was converted from');
  t.same(single.packets, pcap.packets, 'the same packets, timestamps included');
  const merged = await readAll(fixture('article-2if.pcapng'));
  const cooked = await readAll(fixture('article-any-sll2.pcap'));
  t.same(merged.counts.linkTypes, [1, 276]);
  t.equal(merged.counts.packets, pcap.counts.packets + cooked.counts.packets);
  t.equal(merged.counts.ipv4, pcap.counts.ipv4 + cooked.counts.ipv4);
  for (const chunk of [1, 13, 100]) {
    const small = await readAll(fixture('article-2if.pcapng'), { chunk, windowBytes: 64 });
    t.same(small.packets, merged.packets, `${chunk}-byte chunks through a small window`);
  }
});

/** Block starts of a little-endian pcapng file (test oracle). */
function blockStarts(file: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 0; at < file.length; at += file.readUInt32LE(at + 4)) starts.push(at);
  return starts;
}

t.test('truncated at every byte: an error naming the block offset, or a clean end at a block boundary', async (t) => {
  const file = fixture('article-2if.pcapng');
  const starts = blockStarts(file);
  for (let length = 4; length < file.length; length++) {
    const error = await readError(t, file.subarray(0, length), `cut at ${length}`, { chunk: 333 });
    if (starts.includes(length)) {
      t.equal(error, null, `cut at ${length}`);
      continue;
    }
    const expected = starts.filter((start) => start <= length).at(-1)!;
    if (error?.code !== 'ERR_CAPTURE_TRUNCATED' || error.offset !== expected || !error.message.includes(`byte offset ${expected}`)) {
      t.fail(`cut at ${length}: ${error?.code} at ${error?.offset} (${error?.message}), expected a truncation at ${expected}`);
    }
  }
  const example = await readError(t, file.subarray(0, starts[4]! + 30), 'example');
  t.equal(example?.message, `test.pcapng: truncated pcapng block at byte offset ${starts[4]}: the block announces ${file.readUInt32LE(starts[4]! + 4)} bytes, the file ends after 30`);
});

t.test('corrupt blocks name their offset', async (t) => {
  const base = Buffer.concat([
    pcapngSectionHeader(),
    pcapngInterface({ linkType: LinkType.ETHERNET }),
    pcapngEnhancedPacket(0, 1n, ethernetFrame(packetA)),
    pcapngEnhancedPacket(0, 2n, ethernetFrame(packetB)),
  ]);
  const starts = blockStarts(base);
  const cases: { name: string; patch: (file: Buffer) => void; offset: number; message: RegExp }[] = [
    {
      name: 'trailing length differs',
      patch: (file) => file.writeUInt32LE(999, starts[3]! - 4),
      offset: starts[2]!,
      message: /leading block length \d+ and trailing block length 999 differ \(type 6\)/,
    },
    { name: 'length not a multiple of 4', patch: (file) => file.writeUInt32LE(77, starts[3]! + 4), offset: starts[3]!, message: /block length 77 \(type 6\) is not a multiple of 4/ },
    { name: 'length below 12', patch: (file) => file.writeUInt32LE(8, starts[2]! + 4), offset: starts[2]!, message: /block length 8/ },
    { name: 'undefined interface', patch: (file) => file.writeUInt32LE(3, starts[2]! + 8), offset: starts[2]!, message: /packet block for interface 3, but the section defines 1/ },
    { name: 'captured length beyond the block', patch: (file) => file.writeUInt32LE(5000, starts[2]! + 20), offset: starts[2]!, message: /captured length 5000 does not fit/ },
    { name: 'bad byte-order magic', patch: (file) => file.writeUInt32LE(0x11223344, 8), offset: 0, message: /bad byte-order magic 0x44332211/ },
    { name: 'huge packet block', patch: (file) => file.writeUInt32LE(0x7ffffff0, starts[3]! + 4), offset: starts[3]!, message: /larger than/ },
  ];
  for (const c of cases) {
    const file = Buffer.from(base);
    c.patch(file);
    const error = await readError(t, file, c.name);
    t.equal(error?.code, 'ERR_CAPTURE_CORRUPT', `${c.name}: code`);
    t.equal(error?.offset, c.offset, `${c.name}: offset`);
    t.match(error?.message, c.message, `${c.name}: message`);
    t.match(error?.message, `at byte offset ${c.offset}`, `${c.name}: the message names the offset`);
  }
});

t.test('random corruption never crashes', async (t) => {
  const file = fixture('article.pcapng');
  let seed = 99;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let outcomes = 0;
  for (let round = 0; round < 300; round++) {
    const corrupt = Buffer.from(file);
    for (let i = 0; i < 1 + Math.floor(random() * 6); i++) corrupt[Math.floor(random() * corrupt.length)] = Math.floor(random() * 256);
    const error = await readError(t, corrupt, `round ${round}`);
    if (error) t.ok(error.message.includes(`byte offset ${error.offset}`), error.message);
    outcomes++;
  }
  t.equal(outcomes, 300);
});
