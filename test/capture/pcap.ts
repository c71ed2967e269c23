import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { analyzeCapture } from '../../src/cli/analyze-command.js';
import { ByteWindow, chunkSource } from '../../src/capture/byte-window.js';
import { copyPacket, type DecodedPacket } from '../../src/capture/decoded.js';
import { CaptureFormatError } from '../../src/capture/errors.js';
import { records } from '../../src/capture/frames.js';
import { LinkType } from '../../src/model/capture.js';
import { openCaptureSource, type CaptureCounts } from '../../src/capture/open.js';
import { parsePcapHeader, PcapReader } from '../../src/capture/pcap.js';
import {
  cookedV1Frame,
  cookedV2Frame,
  echoPacket,
  ethernetFrame,
  frameFor,
  loopFrame,
  nullFrame,
  pcapFile,
  tcpPacket,
  type PcapOptions,
  type SynthFrame,
} from '../helpers/synthesize.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** Splits `file` into chunks of `size` bytes (the last may be shorter). */
function chunked(file: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < file.length; at += size) chunks.push(file.subarray(at, at + size));
  return chunks;
}

async function readAll(file: Buffer, options: { chunk?: number; windowBytes?: number } = {}): Promise<{ format: string; counts: CaptureCounts; packets: DecodedPacket[] }> {
  const capture = await openCaptureSource(chunkSource(chunked(file, options.chunk ?? 1 << 20)), 'test.pcap', { windowBytes: options.windowBytes });
  const packets: DecodedPacket[] = [];
  for await (const batch of capture.batches()) {
    for (let i = 0; i < batch.count; i++) {
      const packet = batch.packet(i);
      if (packet) packets.push(copyPacket(packet));
    }
  }
  return { format: capture.format, counts: capture.counts(), packets };
}

const syn = tcpPacket({ source: '198.18.1.1', destination: '198.18.4.2', ttl: 64, sourcePort: 50000, destinationPort: 22, sequence: 1000, flags: 0x02 });
const rst = tcpPacket({ source: '198.18.4.2', destination: '198.18.1.1', ttl: 63, sourcePort: 22, destinationPort: 50000, acknowledgment: 1001, flags: 0x14 });
const echo = echoPacket({ source: '198.18.4.2', destination: '198.18.1.1', ttl: 61, kind: 'reply', identifier: 7, sequence: 1 });

function frames(linkType: number): SynthFrame[] {
  return [
    { data: frameFor(linkType, syn), timestampMs: 1_700_000_000_123.456 },
    { data: frameFor(linkType, rst), timestampMs: 1_700_000_000_124.5 },
    { data: frameFor(linkType, echo), timestampMs: 1_700_000_001_000 },
  ];
}

t.test('both byte orders, micro- and nanosecond, modified records', async (t) => {
  for (const littleEndian of [true, false]) {
    for (const variant of ['micro', 'nano', 'modified'] as const) {
      const options: PcapOptions = { littleEndian, nanosecond: variant === 'nano', modified: variant === 'modified', linkType: LinkType.ETHERNET };
      const read = await readAll(pcapFile(options, frames(LinkType.ETHERNET)));
      const name = `${littleEndian ? 'little' : 'big'}-endian, ${variant}`;
      t.equal(read.format, variant === 'nano' ? 'pcap-ns' : 'pcap', `${name}: format`);
      t.same(read.counts, { packets: 3, ipv4: 3, ipv6: 0, notIPv4: 0, undecodable: 0, linkTypes: [1] }, `${name}: counts`);
      t.same(read.packets.map((p) => [p.source, p.ttl, p.tcp?.flags ?? null, p.icmp?.type ?? null]), [
        ['198.18.1.1', 64, 0x02, null],
        ['198.18.4.2', 63, 0x14, null],
        ['198.18.4.2', 61, null, 0],
      ], `${name}: packets`);
      // Microseconds keep 3 decimals of a millisecond, nanoseconds 6.
      const expected = variant === 'nano' ? [1_700_000_000_123.456, 1_700_000_000_124.5] : [1_700_000_000_123.456, 1_700_000_000_124.5];
      t.ok(Math.abs(read.packets[0]!.timestampMs - expected[0]!) < 1e-3, `${name}: timestamp ${read.packets[0]!.timestampMs}`);
      t.ok(Math.abs(read.packets[1]!.timestampMs - expected[1]!) < 1e-3, `${name}: timestamp ${read.packets[1]!.timestampMs}`);
    }
  }
});

t.test('nanosecond timestamps keep sub-microsecond digits', async (t) => {
  const file = pcapFile({ nanosecond: true, linkType: LinkType.RAW }, [{ data: syn, timestampMs: 1_000.000789 }]);
  const read = await readAll(file);
  t.ok(Math.abs(read.packets[0]!.timestampMs - 1_000.000789) < 1e-9);
});

t.test('every link type', async (t) => {
  const ipv6 = Buffer.from('6000000000003b400000000000000000000000000000000100000000000000000000000000000002', 'hex');
  const variants: { name: string; linkType: number; frame: Buffer; ipv4: boolean }[] = [
    { name: 'Ethernet + 802.1Q', linkType: LinkType.ETHERNET, frame: ethernetFrame(syn, { vlanTags: [{ tpid: 0x8100, id: 5 }] }), ipv4: true },
    { name: 'Ethernet + QinQ', linkType: LinkType.ETHERNET, frame: ethernetFrame(syn, { vlanTags: [{ tpid: 0x88a8, id: 5 }, { tpid: 0x8100, id: 6 }] }), ipv4: true },
    { name: 'Ethernet IPv6', linkType: LinkType.ETHERNET, frame: ethernetFrame(ipv6, { etherType: 0x86dd }), ipv4: false },
    { name: 'raw 101', linkType: LinkType.RAW, frame: syn, ipv4: true },
    { name: 'DLT 12', linkType: LinkType.RAW_DLT12, frame: syn, ipv4: true },
    { name: 'DLT 14', linkType: LinkType.RAW_DLT14, frame: syn, ipv4: true },
    { name: 'raw IPv6', linkType: LinkType.RAW, frame: ipv6, ipv4: false },
    { name: 'cooked v1', linkType: LinkType.LINUX_SLL, frame: cookedV1Frame(syn), ipv4: true },
    { name: 'cooked v2', linkType: LinkType.LINUX_SLL2, frame: cookedV2Frame(syn), ipv4: true },
    { name: 'null, little-endian family', linkType: LinkType.NULL, frame: nullFrame(syn, 2, true), ipv4: true },
    { name: 'null, big-endian family', linkType: LinkType.NULL, frame: nullFrame(syn, 2, false), ipv4: true },
    { name: 'null IPv6', linkType: LinkType.NULL, frame: nullFrame(ipv6, 30, true), ipv4: false },
    { name: 'loop', linkType: LinkType.LOOP, frame: loopFrame(syn), ipv4: true },
    { name: 'cooked v1 IPv6', linkType: LinkType.LINUX_SLL, frame: cookedV1Frame(ipv6, 0x86dd), ipv4: false },
    { name: 'cooked v2 IPv6', linkType: LinkType.LINUX_SLL2, frame: cookedV2Frame(ipv6, 0x86dd), ipv4: false },
    { name: 'LINKTYPE_IPV6', linkType: LinkType.IPV6, frame: ipv6, ipv4: false },
    { name: 'loop IPv6', linkType: LinkType.LOOP, frame: loopFrame(ipv6, 24), ipv4: false },
  ];
  for (const variant of variants) {
    for (const littleEndian of [true, false]) {
      const read = await readAll(pcapFile({ littleEndian, linkType: variant.linkType }, [{ data: variant.frame, timestampMs: 5 }]));
      t.same(
        read.counts,
        { packets: 1, ipv4: variant.ipv4 ? 1 : 0, ipv6: variant.ipv4 ? 0 : 1, notIPv4: 0, undecodable: 0, linkTypes: [variant.linkType] },
        `${variant.name} (${littleEndian ? 'LE' : 'BE'} file)`,
      );
      if (variant.ipv4) t.match(read.packets[0], { source: '198.18.1.1', destination: '198.18.4.2', ttl: 64, tcp: { destinationPort: 22, sequence: 1000 } });
      else t.match(read.packets[0], { family: 6, source: '::1', destination: '::2', ttl: 64, protocol: 59, tcp: null });
    }
  }
});

t.test('undecodable frames are counted, not fatal', async (t) => {
  const badIp = Buffer.from(syn);
  badIp[0] = 0x43; // IHL 3
  const read = await readAll(
    pcapFile({ linkType: LinkType.ETHERNET }, [
      { data: Buffer.alloc(10), timestampMs: 1 }, // shorter than an Ethernet header
      { data: ethernetFrame(badIp), timestampMs: 2 },
      { data: ethernetFrame(syn.subarray(0, 30)), timestampMs: 3 }, // IPv4 cut, but not by the snaplen
      { data: ethernetFrame(syn), timestampMs: 4 },
    ]),
  );
  t.same(read.counts, { packets: 4, ipv4: 1, ipv6: 0, notIPv4: 0, undecodable: 3, linkTypes: [1] });
  const unsupported = await readAll(pcapFile({ linkType: 127 }, [{ data: syn, timestampMs: 1 }]));
  t.same(unsupported.counts, { packets: 1, ipv4: 0, ipv6: 0, notIPv4: 0, undecodable: 1, linkTypes: [127] });
});

t.test('a frame cut by the snapshot length still gives its IPv4 and TCP headers', async (t) => {
  const full = tcpPacket({ source: '198.18.4.2', destination: '198.18.1.1', ttl: 61, sourcePort: 443, destinationPort: 50000, flags: 0x18, payloadLength: 1000 });
  const frame = ethernetFrame(full);
  const read = await readAll(pcapFile({ linkType: LinkType.ETHERNET, snaplen: 96 }, [{ data: frame.subarray(0, 96), timestampMs: 1, originalLength: frame.length }]));
  t.same(read.counts.ipv4, 1);
  t.match(read.packets[0], { ttl: 61, tcp: { sourcePort: 443, flags: 0x18 } });
});

t.test('the frame reader API: records with timestamps and views', async (t) => {
  const reader = new PcapReader(new ByteWindow(chunkSource([pcapFile({ linkType: LinkType.ETHERNET }, frames(LinkType.ETHERNET))])), 'x.pcap');
  const seen: { timestampMs: number; length: number; first: number }[] = [];
  for await (const record of records(reader)) seen.push({ timestampMs: record.timestampMs, length: record.packet.length, first: record.packet[0]! });
  t.same(seen.map((r) => [r.length, r.first]), [
    [syn.length, 0x45],
    [rst.length, 0x45],
    [echo.length, 0x45],
  ]);
  t.match(reader.header, { littleEndian: true, nanosecond: false, versionMajor: 2, linkType: 1 });
});

t.test('parsePcapHeader rejects what is not a pcap header', async (t) => {
  t.match(parsePcapHeader(Buffer.alloc(10)), /needs 24 bytes/);
  t.match(parsePcapHeader(Buffer.alloc(24)), /not a pcap magic number \(0x00000000\)/);
  const v1 = pcapFile({ linkType: 1 }, []);
  v1.writeUInt16LE(1, 4);
  t.match(parsePcapHeader(v1), /unsupported pcap version 1\.4/);
});

t.test('lab captures: Ethernet, cooked v1 and v2', async (t) => {
  for (const [name, linkType] of [
    ['article-eth.pcap', 1],
    ['article-any-sll.pcap', 113],
    ['article-any-sll2.pcap', 276],
  ] as const) {
    const file = fixture(name);
    const whole = await readAll(file);
    t.equal(whole.format, 'pcap', name);
    t.same(whole.counts.linkTypes, [linkType], `${name}: link type`);
    t.equal(whole.counts.undecodable, 0, `${name}: everything decodes`);
    t.ok(whole.counts.ipv4 >= 30, `${name}: ${whole.counts.ipv4} IPv4 packets`);
    t.equal(whole.counts.packets, whole.counts.ipv4 + whole.counts.ipv6 + whole.counts.notIPv4, `${name}: IPv4 + IPv6 + other = all`);
    t.ok(whole.packets.some((p) => p.source === '198.18.4.2' && p.ttl === 63 && p.tcp?.flags === 0x04), `${name}: has the forged mid-flow RST`);
    // Read in odd-sized chunks through a tiny window that must grow: the same packets.
    for (const chunk of [1, 7, 61]) {
      const small = await readAll(file, { chunk, windowBytes: 32 });
      t.same(small.counts, whole.counts, `${name}: counts with ${chunk}-byte chunks`);
      t.same(small.packets, whole.packets, `${name}: packets with ${chunk}-byte chunks`);
    }
  }
});

/** Byte offsets where each record of a pcap file starts (test oracle; little-endian, 16-byte records). */
function recordStarts(file: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 24; at < file.length; at += 16 + file.readUInt32LE(at + 8)) starts.push(at);
  return starts;
}

/** Analyses `file` (the whole pipeline); returns null or the CaptureFormatError, and fails on any other exception. */
async function analyzeOrError(t: Test, file: Buffer, label: string): Promise<CaptureFormatError | null> {
  try {
    const capture = await openCaptureSource(chunkSource(chunked(file, 512)), 'cut.pcap', { windowBytes: 256 });
    await analyzeCapture(capture);
    return null;
  } catch (error) {
    if (error instanceof CaptureFormatError) return error;
    t.fail(`${label}: unexpected ${(error as Error).stack}`);
    return null;
  }
}

t.test('truncated at every byte: a clear error naming the record offset, or a clean end at a record boundary', async (t) => {
  const file = fixture('article-eth.pcap');
  const starts = recordStarts(file);
  t.equal(starts.length, 51);
  let errors = 0;
  for (let length = 0; length < file.length; length++) {
    const error = await analyzeOrError(t, file.subarray(0, length), `cut at ${length}`);
    if (length === 24 || starts.includes(length)) {
      t.equal(error, null, `cut at ${length}: a record boundary reads cleanly`);
      continue;
    }
    if (!error) {
      t.fail(`cut at ${length}: no error`);
      continue;
    }
    errors++;
    if (length === 0) {
      t.equal(error.code, 'ERR_CAPTURE_UNKNOWN_FORMAT');
      continue;
    }
    if (length < 4) {
      // Too short to carry a magic number at all.
      t.equal(error.code, 'ERR_CAPTURE_UNKNOWN_FORMAT', `cut at ${length}`);
      continue;
    }
    const expected = length < 24 ? 0 : starts.filter((start) => start <= length).at(-1)!;
    if (error.code !== 'ERR_CAPTURE_TRUNCATED' || error.offset !== expected || !error.message.includes(`byte offset ${expected}`)) {
      t.fail(`cut at ${length}: ${error.code} at ${error.offset} (${error.message}), expected a truncation at ${expected}`);
    }
  }
  t.ok(errors > file.length - 60, `${errors} truncated files gave an error`);
  const example = await analyzeOrError(t, file.subarray(0, starts[3]! + 20), 'example');
  t.equal(
    example?.message,
    `cut.pcap: truncated pcap record at byte offset ${starts[3]}: ${file.readUInt32LE(starts[3]! + 8)} bytes of packet data announced, the file ends after 4`,
  );
  const header = await analyzeOrError(t, file.subarray(0, 10), 'header');
  t.equal(header?.message, 'cut.pcap: truncated pcap file header at byte offset 0: 10 of 24 bytes');
});

t.test('a corrupt record length names the record offset', async (t) => {
  const file = Buffer.from(fixture('article-eth.pcap'));
  const starts = recordStarts(file);
  for (const index of [0, 5, 50]) {
    const corrupt = Buffer.from(file);
    corrupt.writeUInt32LE(0x7fff0000, starts[index]! + 8);
    const error = await analyzeOrError(t, corrupt, `record ${index}`);
    t.equal(error?.code, 'ERR_CAPTURE_CORRUPT', `record ${index}`);
    t.equal(error?.offset, starts[index], `record ${index}: offset`);
    t.match(error?.message, `corrupt pcap record at byte offset ${starts[index]}: it claims 2147418112 bytes of packet data (limit 262144)`);
  }
  const version = Buffer.from(file);
  version.writeUInt16LE(9, 4);
  const error = await analyzeOrError(t, version, 'version');
  t.match(error, { code: 'ERR_CAPTURE_CORRUPT', offset: 0, message: 'cut.pcap: unsupported pcap version 9.4 (expected 2.x) at byte offset 0' });
});

t.test('random corruption never crashes: a typed error or a report', async (t) => {
  const file = fixture('article-eth.pcap');
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let reports = 0;
  let errors = 0;
  for (let round = 0; round < 300; round++) {
    const corrupt = Buffer.from(file);
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) corrupt[24 + Math.floor(random() * (corrupt.length - 24))] = Math.floor(random() * 256);
    const error = await analyzeOrError(t, corrupt, `round ${round}`);
    if (error) {
      errors++;
      t.ok(error.message.includes(`byte offset ${error.offset}`), `round ${round}: ${error.message}`);
    } else reports++;
  }
  t.ok(reports > 0 && reports + errors === 300, `${reports} reports, ${errors} errors`);
});
