/**
 * Shared pieces of the capture fuzz tests (issue 7, hostile capture files):
 * the worker-thread reader with its time bound, the whole-versus-streamed
 * comparison, and builders of valid pcap, pcapng and tcpdump-text captures (with their
 * length and number fields listed by offset, for mutations).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { LinkType } from '../../src/model/capture.js';
import { IcmpType } from '../../src/packet/icmp.js';
import { TcpFlag } from '../../src/packet/tcp.js';
import {
  ethernetFrame,
  frameFor,
  pcapHeader,
  pcapngBlock,
  pcapngEnhancedPacket,
  pcapngObsoletePacket,
  pcapngOptions,
  pcapngSectionHeader,
  pcapngSimplePacket,
} from '../helpers/synthesize.js';
import type { ReadOutcome, ReadRequest } from './capture-worker.js';
import {
  addressArb,
  buildEchoPacket,
  buildIcmpError,
  buildTcpPacket,
  builtPacketArb,
  mutatedPacketArb,
  portArb,
  uint32Arb,
  type Field,
  type IpFields,
} from './support.js';

/** A read of a small capture taking longer than this is taken as a hang (generous: test files share two cores). */
export const READ_TIMEOUT_MS = 10_000;

export type Outcome = ReadOutcome | { kind: 'hang'; ms: number } | { kind: 'crash'; message: string; ms: number };

/**
 * A worker thread that reads captures (capture-worker.ts), replaced when a
 * read exceeds READ_TIMEOUT_MS (terminated: a synchronous endless loop
 * cannot be interrupted otherwise) or the thread dies.
 */
export class CaptureReader {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (outcome: Outcome) => void>();
  reads = 0;
  /** Slowest read after the worker's start-up. */
  slowestMs = 0;
  private warm = false;

  private spawn(): Worker {
    const worker = new Worker(new URL('./capture-worker.ts', import.meta.url));
    this.warm = false;
    worker.on('message', ({ id, outcome }: { id: number; outcome: ReadOutcome }) => {
      this.pending.get(id)?.(outcome);
      this.pending.delete(id);
    });
    const fail = (message: string): void => {
      if (this.worker === worker) this.worker = null;
      for (const [id, resolve] of this.pending) {
        resolve({ kind: 'crash', message, ms: 0 });
        this.pending.delete(id);
      }
    };
    worker.on('error', (error) => fail(`worker error: ${error.stack ?? String(error)}`));
    worker.on('exit', (code) => fail(`worker exited with code ${code}`));
    return worker;
  }

  async read(request: Omit<ReadRequest, 'id'>): Promise<Outcome> {
    const cold = this.worker === null;
    this.worker ??= this.spawn();
    const worker = this.worker;
    const id = this.nextId++;
    const started = performance.now();
    this.reads++;
    // The first read of a new worker waits for its start-up (loading TypeScript): allow for it.
    const timeout = cold ? READ_TIMEOUT_MS * 3 : READ_TIMEOUT_MS;
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.worker = null;
        void worker.terminate();
        resolve({ kind: 'hang', ms: performance.now() - started });
      }, timeout);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      worker.postMessage({ ...request, id });
    });
    if (this.warm) this.slowestMs = Math.max(this.slowestMs, performance.now() - started);
    this.warm = true;
    return outcome;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}

export function describe(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'ok':
      return `ok (${outcome.format}, ${JSON.stringify(outcome.counts)})`;
    case 'capture-error':
      return `CaptureFormatError ${outcome.code} at ${outcome.offset}: ${outcome.message}`;
    case 'other-error':
      return `${outcome.name}: ${outcome.message}\n${outcome.stack}`;
    case 'hang':
      return `no end after ${Math.round(outcome.ms)} ms`;
    case 'crash':
      return outcome.message;
  }
}

/** Comparable summary of an outcome (timings left out). */
function summary(outcome: Outcome): string {
  if (outcome.kind === 'ok') return JSON.stringify([outcome.kind, outcome.format, outcome.counts, outcome.report]);
  if (outcome.kind === 'capture-error') return JSON.stringify([outcome.kind, outcome.code, outcome.offset]);
  return outcome.kind;
}

/** How the bytes are streamed: chunk size of the source and initial window of the reader; and the report format. */
export interface Streaming {
  chunk: number;
  windowBytes: number;
  format: 'table' | 'json';
}

export const streamingArb: fc.Arbitrary<Streaming> = fc.record({
  chunk: fc.oneof(fc.constantFrom(1, 2, 3, 7, 16, 64, 4096), fc.integer({ min: 1, max: 2048 })),
  windowBytes: fc.oneof(fc.constantFrom(1, 4, 16, 64, 256, 4096), fc.integer({ min: 1, max: 8192 })),
  format: fc.constantFrom('table' as const, 'json' as const),
});

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Throws unless `outcome` is a success with decoded fields in range and counts that add up, or a CaptureFormatError. */
export function acceptable(outcome: Outcome, bytes: Uint8Array): void {
  if (outcome.kind === 'capture-error') return;
  if (outcome.kind !== 'ok') throw new Error(`${describe(outcome)}\ninput (${bytes.length} bytes): ${hex(bytes)}`);
  if (outcome.problems.length > 0) throw new Error(`decoded out of range: ${outcome.problems.join('; ')}\ninput (${bytes.length} bytes): ${hex(bytes)}`);
}

/**
 * Reads `bytes` whole (one chunk, 1 MiB window) and streamed as `streaming`
 * says: each read must be acceptable (see acceptable), and the two the same
 * (a streaming reader must not depend on where chunks end). Returns the
 * whole read.
 */
export async function readBoth(reader: CaptureReader, bytes: Uint8Array, streaming: Streaming): Promise<Outcome> {
  const whole = await reader.read({ bytes, via: 'memory', chunk: Math.max(1, bytes.length), windowBytes: 1 << 20, format: streaming.format });
  const streamed = await reader.read({ bytes, via: 'memory', ...streaming });
  acceptable(whole, bytes);
  acceptable(streamed, bytes);
  if (summary(whole) !== summary(streamed)) {
    throw new Error(`whole and streamed reads differ (${JSON.stringify(streaming)}):\n${describe(whole)}\n${describe(streamed)}\ninput (${bytes.length} bytes): ${hex(bytes)}`);
  }
  return whole;
}

// ---------------------------------------------------------------------------
// Packets and frames
// ---------------------------------------------------------------------------

const byte = fc.integer({ min: 0, max: 255 });

function ip(source: string, destination: string, ttl: number): IpFields {
  return { tos: 0, id: 0, dontFragment: true, ttl, source, destination, optionWords: [] };
}

/**
 * A connection attempt as a capture at the client sees it, so the analyzer
 * has something to conclude: SYN, then a SYN-ACK (and an established
 * connection, possibly cut by a RST with another TTL), a RST, an ICMP error
 * quoting the SYN, or nothing; and an echo exchange.
 */
export const conversationArb: fc.Arbitrary<Buffer[]> = fc
  .record({
    client: addressArb,
    server: addressArb,
    router: addressArb,
    clientPort: portArb,
    serverPort: portArb,
    isn: uint32Arb,
    serverIsn: uint32Arb,
    clientTtl: byte,
    serverTtl: byte,
    otherTtl: byte,
    answer: fc.constantFrom('syn-ack', 'rst', 'unreachable', 'time-exceeded', 'none'),
    cut: fc.boolean(),
    echo: fc.option(fc.record({ identifier: portArb, sequence: portArb })),
  })
  .map((c) => {
    const tcp = (from: string, to: string, ttl: number, sourcePort: number, destinationPort: number, flags: number, sequence: number, acknowledgment: number): Buffer =>
      buildTcpPacket(ip(from, to, ttl), { sourcePort, destinationPort, sequence, acknowledgment, flags, window: 0, options: {}, payload: [] }).bytes;
    const syn = buildTcpPacket(ip(c.client, c.server, c.clientTtl), { sourcePort: c.clientPort, destinationPort: c.serverPort, sequence: c.isn, acknowledgment: 0, flags: TcpFlag.SYN, window: 64240, options: { mss: 1460 }, payload: [] });
    const packets = [syn.bytes];
    const clientSeq = (c.isn + 1) >>> 0;
    const serverSeq = (c.serverIsn + 1) >>> 0;
    switch (c.answer) {
      case 'syn-ack':
        packets.push(tcp(c.server, c.client, c.serverTtl, c.serverPort, c.clientPort, TcpFlag.SYN | TcpFlag.ACK, c.serverIsn, clientSeq));
        packets.push(tcp(c.client, c.server, c.clientTtl, c.clientPort, c.serverPort, TcpFlag.ACK, clientSeq, serverSeq));
        packets.push(tcp(c.server, c.client, c.serverTtl, c.serverPort, c.clientPort, TcpFlag.PSH | TcpFlag.ACK, serverSeq, clientSeq));
        if (c.cut) packets.push(tcp(c.server, c.client, c.otherTtl, c.serverPort, c.clientPort, TcpFlag.RST, serverSeq, 0));
        else packets.push(tcp(c.client, c.server, c.clientTtl, c.clientPort, c.serverPort, TcpFlag.FIN | TcpFlag.ACK, clientSeq, serverSeq));
        break;
      case 'rst':
        packets.push(tcp(c.server, c.client, c.serverTtl, c.serverPort, c.clientPort, TcpFlag.RST | TcpFlag.ACK, 0, clientSeq));
        break;
      case 'unreachable':
      case 'time-exceeded':
        packets.push(
          buildIcmpError(ip(c.router, c.client, c.otherTtl), { type: c.answer === 'unreachable' ? IcmpType.DEST_UNREACHABLE : IcmpType.TIME_EXCEEDED, code: 13, quoteAll: false }, syn).bytes,
        );
        break;
      case 'none':
        packets.push(syn.bytes);
        break;
    }
    if (c.echo) {
      packets.push(buildEchoPacket(ip(c.client, c.server, c.clientTtl), { type: IcmpType.ECHO_REQUEST, ...c.echo, data: [] }).bytes);
      packets.push(buildEchoPacket(ip(c.server, c.client, c.serverTtl), { type: IcmpType.ECHO_REPLY, ...c.echo, data: [] }).bytes);
    }
    return packets;
  });

const packetBytesArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: builtPacketArb.map((p) => p.bytes) },
  { weight: 2, arbitrary: mutatedPacketArb.map((m) => m.bytes) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)) },
);

/** The packets of a capture: unrelated ones, or conversations the analyzer can reason about. */
const packetListArb: fc.Arbitrary<Buffer[]> = fc.oneof(
  fc.array(packetBytesArb, { maxLength: 8 }),
  fc.array(conversationArb, { minLength: 1, maxLength: 3 }).map((lists) => lists.flat()),
);

/** `packet` behind the link header of `linkType` (Ethernet sometimes VLAN-tagged or carrying something else). */
function frameArb(linkType: number, packet: Buffer): fc.Arbitrary<Buffer> {
  if (linkType === LinkType.ETHERNET) {
    return fc
      .tuple(fc.array(fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8, 0x9100), id: fc.nat({ max: 4095 }) }), { maxLength: 2 }), fc.constantFrom(0x0800, 0x0800, 0x0800, 0x86dd, 0x0806))
      .map(([vlanTags, etherType]) => ethernetFrame(packet, { vlanTags, etherType }));
  }
  return fc.constant(frameFor(linkType, packet));
}

function framesArb(linkType: number): fc.Arbitrary<Buffer[]> {
  return packetListArb.chain((packets) => (packets.length === 0 ? fc.constant([]) : fc.tuple(...packets.map((packet) => frameArb(linkType, packet)))));
}

export const linkTypeArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...Object.values(LinkType)) }, { weight: 1, arbitrary: fc.nat({ max: 300 }) });

/** A built capture and its interesting number fields (for 'field' mutations). */
export interface BuiltCapture {
  bytes: Buffer;
  fields: Field[];
  /** Packet records or blocks in it. */
  frames: number;
  /** False when the builder knowingly wrote something a reader refuses (a packet block for an undefined interface). */
  valid: boolean;
}

// ---------------------------------------------------------------------------
// pcap
// ---------------------------------------------------------------------------

export interface PcapSpec {
  littleEndian: boolean;
  nanosecond: boolean;
  modified: boolean;
  linkType: number;
  snaplen: number;
  frames: { data: Buffer; seconds: number; fraction: number; extra: number }[];
}

export const pcapSpecArb: fc.Arbitrary<PcapSpec> = linkTypeArb.chain((linkType) =>
  fc
    .record({
      littleEndian: fc.boolean(),
      nanosecond: fc.boolean(),
      modified: fc.boolean(),
      linkType: fc.constant(linkType),
      snaplen: fc.oneof(fc.constantFrom(0, 64, 65535, 262144, 0xffffffff), uint32Arb),
      data: framesArb(linkType),
      base: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xfffffff0), uint32Arb),
      times: fc.array(
        fc.record({
          seconds: fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: uint32Arb }),
          fraction: fc.oneof(fc.constantFrom(0, 999_999, 999_999_999, 0xffffffff), uint32Arb),
          // Bytes on the wire beyond those captured.
          extra: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 2000 }) }),
        }),
        { minLength: 12, maxLength: 12 },
      ),
    })
    .map(({ data, base, times, ...spec }) => ({
      ...spec,
      frames: data.map((frame, i) => {
        const time = times[i % times.length]!;
        return { data: frame, seconds: (base + time.seconds + i) % 0x100000000, fraction: time.fraction, extra: time.extra };
      }),
    })),
);

export function buildPcap(spec: PcapSpec): BuiltCapture {
  const little = spec.littleEndian;
  const header = pcapHeader({ littleEndian: little, nanosecond: spec.nanosecond, modified: spec.modified, linkType: spec.linkType, snaplen: spec.snaplen });
  const fields: Field[] = [
    { name: 'magic', at: 0, size: 4, little },
    { name: 'versionMajor', at: 4, size: 2, little },
    { name: 'snaplen', at: 16, size: 4, little },
    { name: 'linkType', at: 20, size: 4, little },
  ];
  const parts = [header];
  let at = header.length;
  const recordHeader = spec.modified ? 24 : 16;
  for (const frame of spec.frames) {
    const record = Buffer.alloc(recordHeader);
    [frame.seconds, frame.fraction, frame.data.length, Math.min(0xffffffff, frame.data.length + frame.extra)].forEach((value, i) =>
      little ? record.writeUInt32LE(value, i * 4) : record.writeUInt32BE(value, i * 4),
    );
    fields.push(
      { name: 'record.seconds', at, size: 4, little },
      { name: 'record.fraction', at: at + 4, size: 4, little },
      { name: 'record.captured', at: at + 8, size: 4, little },
      { name: 'record.original', at: at + 12, size: 4, little },
    );
    parts.push(record, frame.data);
    at += record.length + frame.data.length;
  }
  return { bytes: Buffer.concat(parts), fields, frames: spec.frames.length, valid: true };
}

// ---------------------------------------------------------------------------
// pcapng
// ---------------------------------------------------------------------------

const INT64_EXTREMES = [-(2n ** 63n), -(2n ** 53n), -1n, 0n, 1n, 2n ** 31n, 2n ** 40n, 2n ** 53n, 2n ** 63n - 1n];
const UINT64_EXTREMES = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

export interface InterfaceSpec {
  linkType: number;
  snaplen: number;
  tsresol: number | null;
  tsoffset: bigint | null;
}

export type BlockSpec =
  | { block: 'epb'; iface: number; units: bigint; data: Buffer; extra: number }
  | { block: 'spb'; data: Buffer }
  | { block: 'pb'; iface: number; units: bigint; data: Buffer }
  | { block: 'other'; type: number; body: Buffer };

export interface SectionSpec {
  littleEndian: boolean;
  interfaces: InterfaceSpec[];
  blocks: BlockSpec[];
}

const interfaceArb: fc.Arbitrary<InterfaceSpec> = fc.record({
  linkType: linkTypeArb,
  snaplen: fc.oneof(fc.constantFrom(0, 1, 40, 65535, 262144, 0xffffffff), uint32Arb),
  tsresol: fc.option(fc.oneof(fc.constantFrom(0, 3, 6, 9, 0x7f, 0x80, 0x8a, 0xbf, 0xff), fc.nat({ max: 255 }))),
  tsoffset: fc.option(fc.oneof(fc.constantFrom(...INT64_EXTREMES), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))),
});

const unitsArb = fc.oneof(fc.constantFrom(...UINT64_EXTREMES), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 52n }));

function blocksArb(linkType: number): fc.Arbitrary<BlockSpec[]> {
  // Interface indexes mostly valid, sometimes not.
  const iface = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat({ max: 2 }) }, { weight: 1, arbitrary: fc.nat({ max: 0xffff }) });
  const packetBlock = (data: Buffer): fc.Arbitrary<BlockSpec> =>
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ block: fc.constant('epb' as const), iface, units: unitsArb, data: fc.constant(data), extra: fc.oneof(fc.constant(0), fc.nat({ max: 5000 })) }) },
      { weight: 1, arbitrary: fc.record({ block: fc.constant('spb' as const), data: fc.constant(data) }) },
      { weight: 1, arbitrary: fc.record({ block: fc.constant('pb' as const), iface, units: unitsArb, data: fc.constant(data) }) },
    );
  const other: fc.Arbitrary<BlockSpec> = fc.record({
    block: fc.constant('other' as const),
    type: fc.oneof(fc.constantFrom(4, 5, 7, 0x0bad, 0x40000bad, 0x80000001), uint32Arb),
    body: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  });
  return fc
    .tuple(framesArb(linkType), fc.array(other, { maxLength: 2 }))
    .chain(([frames, others]) => (frames.length === 0 ? fc.constant(others) : fc.tuple(...frames.map(packetBlock)).map((blocks) => [...others, ...blocks])));
}

export const sectionArb: fc.Arbitrary<SectionSpec> = fc
  .tuple(fc.boolean(), fc.array(interfaceArb, { maxLength: 3 }))
  .chain(([littleEndian, interfaces]) =>
    fc.record({ littleEndian: fc.constant(littleEndian), interfaces: fc.constant(interfaces), blocks: blocksArb(interfaces[0]?.linkType ?? LinkType.ETHERNET) }),
  );

function interfaceBlock(spec: InterfaceSpec, little: boolean): Buffer {
  const head = Buffer.alloc(8);
  if (little) {
    head.writeUInt16LE(spec.linkType & 0xffff, 0);
    head.writeUInt32LE(spec.snaplen, 4);
  } else {
    head.writeUInt16BE(spec.linkType & 0xffff, 0);
    head.writeUInt32BE(spec.snaplen, 4);
  }
  const options: { code: number; value: Buffer }[] = [];
  if (spec.tsresol !== null) options.push({ code: 9, value: Buffer.from([spec.tsresol]) });
  if (spec.tsoffset !== null) {
    const value = Buffer.alloc(8);
    if (little) value.writeBigInt64LE(spec.tsoffset);
    else value.writeBigInt64BE(spec.tsoffset);
    options.push({ code: 14, value });
  }
  return pcapngBlock(1, Buffer.concat([head, pcapngOptions(options, little)]), little);
}

export function buildPcapng(sections: readonly SectionSpec[]): BuiltCapture {
  const parts: Buffer[] = [];
  const fields: Field[] = [];
  let at = 0;
  let frames = 0;
  let valid = true;
  for (const section of sections) {
    const little = section.littleEndian;
    const add = (block: Buffer, extra: (o: number) => Field[] = () => []): void => {
      fields.push(
        { name: 'block.type', at, size: 4, little },
        { name: 'block.length', at: at + 4, size: 4, little },
        { name: 'block.trailer', at: at + block.length - 4, size: 4, little },
        ...extra(at),
      );
      parts.push(block);
      at += block.length;
    };
    add(pcapngSectionHeader(little), (o) => [
      { name: 'shb.magic', at: o + 8, size: 4, little },
      { name: 'shb.major', at: o + 12, size: 2, little },
    ]);
    for (const iface of section.interfaces) {
      add(interfaceBlock(iface, little), (o) => [
        { name: 'idb.linkType', at: o + 8, size: 2, little },
        { name: 'idb.snaplen', at: o + 12, size: 4, little },
        { name: 'idb.option.code', at: o + 16, size: 2, little },
        { name: 'idb.option.length', at: o + 18, size: 2, little },
        { name: 'idb.option2.length', at: o + 26, size: 2, little },
      ]);
    }
    for (const block of section.blocks) {
      switch (block.block) {
        case 'epb':
          if (block.iface >= section.interfaces.length) valid = false;
          frames++;
          add(pcapngEnhancedPacket(block.iface, block.units, block.data, Math.min(0xffffffff, block.data.length + block.extra), little), (o) => [
            { name: 'epb.interface', at: o + 8, size: 4, little },
            { name: 'epb.high', at: o + 12, size: 4, little },
            { name: 'epb.captured', at: o + 20, size: 4, little },
            { name: 'epb.original', at: o + 24, size: 4, little },
          ]);
          break;
        case 'spb':
          if (section.interfaces.length === 0) valid = false;
          frames++;
          add(pcapngSimplePacket(block.data, little), (o) => [{ name: 'spb.original', at: o + 8, size: 4, little }]);
          break;
        case 'pb':
          if (block.iface >= section.interfaces.length) valid = false;
          frames++;
          add(pcapngObsoletePacket(block.iface, block.units, block.data, little), (o) => [
            { name: 'pb.interface', at: o + 8, size: 2, little },
            { name: 'pb.captured', at: o + 20, size: 4, little },
          ]);
          break;
        case 'other': {
          // Not a block type the reader interprets (those need their own layout).
          const type = [0x0a0d0d0a, 1, 2, 3, 6].includes(block.type) ? 0x0bad : block.type;
          add(pcapngBlock(type, block.body, little));
          break;
        }
      }
    }
  }
  return { bytes: Buffer.concat(parts), fields, frames, valid };
}

// ---------------------------------------------------------------------------
// tcpdump text
// ---------------------------------------------------------------------------

const FIXTURE_TEXT = readFileSync(new URL('../fixtures/article-v.txt', import.meta.url), 'latin1');
/** The fixture's packets: a line at column 0 and the indented lines after it. */
export const FIXTURE_PACKETS: string[] = FIXTURE_TEXT.split(/\n(?=\S)/).filter((p) => p.trim() !== '');

const numberTextArb = fc.oneof(
  fc.constantFrom('0', '1', '63', '255', '256', '65535', '65536', '4294967295', '4294967296', '99999999999999999999999', '007', '1e3', '-1', ''),
  fc.nat({ max: 70000 }).map(String),
);
const addressTextArb = fc.oneof(
  fc.constantFrom('198.18.1.1', '198.18.4.2', '198.18.2.2', '0.0.0.0', '255.255.255.255', '256.1.1.1', '999.999.999.999', '1.2.3'),
  fc.tuple(byte, byte, byte, byte).map((o) => o.join('.')),
);
const portTextArb = fc.oneof(numberTextArb, fc.constantFrom('ssh', 'https', 'http-alt', 'nosuchservice', 'x-y'));
const timeTextArb = fc.oneof(
  fc.constantFrom(
    '',
    '03:11:49.237482 ',
    '23:59:59.999999 ',
    '00:00:00.000000 ',
    '99:99:99.9 ',
    '1700000000.123456 ',
    '99999999999.999999999 ',
    '2024-02-29 12:00:00.000001 ',
    '9999-12-31 23:59:59.999999999 ',
    '0000-00-00 00:00:00 ',
  ),
  fc.tuple(fc.nat({ max: 30 }), fc.nat({ max: 70 }), fc.nat({ max: 70 }), fc.nat({ max: 999999 })).map(([h, m, s, f]) => `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${f} `),
);
const flagsTextArb = fc.constantFrom('S', 'S.', 'R', 'R.', '.', 'F.', 'P.', 'none', 'SEW', 'FSRPUEW.', '');

/** One packet in tcpdump -v's words, with numbers and names from valid to absurd. */
export const textPacketArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...FIXTURE_PACKETS),
  fc
    .record({
      time: timeTextArb,
      ttl: numberTextArb,
      id: numberTextArb,
      offset: fc.oneof(fc.constant('0'), numberTextArb),
      proto: fc.constantFrom(['TCP', '6'], ['ICMP', '1'], ['UDP', '17'], ['unknown', '250'], ['TCP', '99999999999']),
      length: numberTextArb,
      source: addressTextArb,
      destination: addressTextArb,
      sourcePort: portTextArb,
      destinationPort: portTextArb,
      flags: flagsTextArb,
      seq: numberTextArb,
      ack: numberTextArb,
      icmp: fc.constantFrom(
        'ICMP echo reply, id 8521, seq 1, length 24',
        'ICMP echo request, id 99999999, seq 99999999, length 24',
        'ICMP time exceeded in-transit, length 36',
        'ICMP host 198.18.4.2 unreachable - admin prohibited filter, length 52',
        'ICMP 198.18.4.2 tcp port 22 unreachable, length 36',
        'ICMP #99 198.18.4.2 unreachable, length 36',
        'ICMP net 198.18.4.2 unreachable, length',
      ),
      oneLine: fc.boolean(),
      quote: fc.boolean(),
    })
    .map((p) => {
      const header = `IP (tos 0x0, ttl ${p.ttl}, id ${p.id}, offset ${p.offset}, flags [DF], proto ${p.proto[0]} (${p.proto[1]}), length ${p.length})`;
      const tcp = `${p.source}.${p.sourcePort} > ${p.destination}.${p.destinationPort}: Flags [${p.flags}], cksum 0x9142 (correct), seq ${p.seq}, ack ${p.ack}, win 0, length 0`;
      const body = p.proto[0] === 'ICMP' ? `${p.source} > ${p.destination}: ${p.icmp}` : tcp;
      const quoted = p.quote ? `\n\tIP (tos 0x0, ttl ${p.ttl}, id ${p.id}, offset ${p.offset}, flags [DF], proto TCP (6), length 60)\n    ${tcp}` : '';
      return `${p.time}${header}${p.oneLine ? ' ' : '\n    '}${body}${quoted}`;
    }),
  fc.constantFrom(
    'tcpdump: verbose output suppressed',
    'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
    '3 packets captured',
    '\t0x0000:  4500 003c 6489 4000 4006 1b8f c612 0101',
    '',
  ),
);

export type TextMutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; count: number }
  | { op: 'number'; index: number; value: string }
  | { op: 'repeat'; at: number; count: number; times: number }
  | { op: 'truncate'; at: number };

const TOKENS = [
  '(tos 0x0, ',
  'ttl ',
  ' > ',
  ': ',
  'Flags [',
  ']',
  '(',
  ')',
  'IP ',
  'IP6 ',
  'ICMP ',
  '\n',
  '\n    ',
  '\n\t',
  '\r',
  '\0',
  '\xff',
  ' ',
  '.',
  ',',
  'seq ',
  'ack ',
  'length ',
  'proto TCP (6)',
  '9'.repeat(40),
  '('.repeat(50),
  '1.'.repeat(40),
];

export const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary-ascii', maxLength: 8 })) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('number' as const), index: fc.nat(), value: numberTextArb }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 80 }), times: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

export function mutateText(text: string, mutations: readonly TextMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const n = out.length;
    switch (m.op) {
      case 'insert': {
        const at = m.at % (n + 1);
        out = out.slice(0, at) + m.text + out.slice(at);
        break;
      }
      case 'delete': {
        const at = m.at % Math.max(1, n);
        out = out.slice(0, at) + out.slice(at + m.count);
        break;
      }
      case 'number': {
        const numbers = [...out.matchAll(/\d+/g)];
        const match = numbers[m.index % Math.max(1, numbers.length)];
        if (match) out = out.slice(0, match.index) + m.value + out.slice(match.index + match[0].length);
        break;
      }
      case 'repeat': {
        const at = m.at % Math.max(1, n);
        const slice = out.slice(at, at + m.count);
        out = out.slice(0, at) + slice.repeat(m.times + 1) + out.slice(at + slice.length);
        break;
      }
      case 'truncate':
        out = out.slice(0, m.at % (n + 1));
        break;
    }
  }
  return out;
}

export const textCaptureArb: fc.Arbitrary<string> = fc
  .tuple(fc.array(textPacketArb, { minLength: 1, maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([packets, newline, finalNewline]) => packets.join('\n').replaceAll('\n', newline) + (finalNewline ? newline : ''));

// Run directly by tap (every file under test/ is a test): the builders make what the readers read.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { default: t } = await import('tap');
  const { readCapture } = await import('./capture-worker.js');
  t.test('built pcap and pcapng captures have every frame counted', async (t) => {
    for (const spec of fc.sample(pcapSpecArb.filter((s) => (Object.values(LinkType) as number[]).includes(s.linkType)), { seed: 1, numRuns: 20 })) {
      const capture = buildPcap(spec);
      const outcome = await readCapture({ bytes: capture.bytes, via: 'memory', chunk: capture.bytes.length, windowBytes: 1 << 20, format: 'json' });
      t.match(outcome, { kind: 'ok', counts: { packets: capture.frames } });
    }
    for (const sections of fc.sample(fc.array(sectionArb, { minLength: 1, maxLength: 2 }), { seed: 2, numRuns: 20 })) {
      const capture = buildPcapng(sections);
      if (!capture.valid) continue;
      const outcome = await readCapture({ bytes: capture.bytes, via: 'memory', chunk: capture.bytes.length, windowBytes: 1 << 20, format: 'json' });
      t.match(outcome, { kind: 'ok', counts: { packets: capture.frames } });
    }
  });
  t.test('text mutations', async (t) => {
    t.equal(mutateText('ttl 64, id 7', [{ op: 'number', index: 1, value: '99999' }, { op: 'repeat', at: 0, count: 3, times: 1 }, { op: 'truncate', at: 12 }]), 'ttlttl 64, i');
  });
}
