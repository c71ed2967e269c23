/**
 * Shared pieces of the fuzz suite (issue 7, hostile packets): fixed seeds and
 * run counts, byte mutations as plain data (so fast-check prints and shrinks
 * them), the guard band that shows reads past the end and writes into the
 * input, and builders of valid packets whose interesting fields are listed by
 * offset so mutations can set them to extreme values.
 *
 * Reproduce or extend a run: FUZZ_SEED=<int> changes the base seed, FUZZ_SCALE=<x>
 * multiplies every run count (e.g. FUZZ_SCALE=50 for a long local session).
 * A failure prints the seed and path fast-check needs to replay it.
 */
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { internetChecksum } from '../../src/packet/checksum.js';
import { IcmpType, writeIcmpEcho } from '../../src/packet/icmp.js';
import { IpProtocol, writeIPv4Header, ipv4PseudoHeaderSum } from '../../src/packet/ipv4.js';
import { writeTcpSegment, type TcpOptions } from '../../src/packet/tcp.js';

const BASE_SEED = Number.parseInt(process.env.FUZZ_SEED ?? '', 10) || 0x7e5707;
const SCALE = Number.parseFloat(process.env.FUZZ_SCALE ?? '') || 1;

/** fast-check parameters: a fixed seed per property (base seed + `offset`) and `numRuns` times FUZZ_SCALE. */
export function fuzz(offset: number, numRuns: number): { seed: number; numRuns: number } {
  return { seed: (BASE_SEED + offset) | 0, numRuns: Math.max(1, Math.round(numRuns * SCALE)) };
}

/** Values that make length and offset arithmetic go wrong. */
export const EXTREME_8 = [0, 1, 2, 3, 4, 5, 8, 10, 0x0f, 0x10, 0x40, 0x45, 0x4f, 0x7f, 0x80, 0xf0, 0xfe, 0xff] as const;
export const EXTREME_16 = [0, 1, 2, 3, 4, 7, 8, 19, 20, 21, 24, 27, 28, 40, 59, 60, 61, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff] as const;
export const EXTREME_32 = [
  0, 1, 4, 8, 11, 12, 16, 20, 24, 28, 31, 32, 36, 0xff, 0xffff, 0x10000, 262143, 262144, 262145, 0x3fffff, 0x3fffffc, 0x4000000, 0x4000004,
  0x7ffffffc, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff,
] as const;

/** A number field of a built input, by offset: what field mutations set to extreme values. */
export interface Field {
  name: string;
  at: number;
  /** 'nibble' is the upper 4 bits of the byte at `at` (IHL and data offset live in the lower/upper nibbles). */
  size: 1 | 2 | 4 | 'nibble-low' | 'nibble-high';
  little?: boolean;
}

/** One edit of a byte string. Positions are taken modulo the current length, so any value applies. */
export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; length: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; count: number }
  | { op: 'overwrite'; at: number; bytes: number[] }
  | { op: 'repeat'; at: number; count: number; times: number }
  /** Sets the `index`-th listed field (modulo their number) to `value` (truncated to the field's width). */
  | { op: 'field'; index: number; value: number };

const byte = fc.integer({ min: 0, max: 255 });
const position = fc.nat({ max: 1 << 20 });

/** A mutation of any kind; `values` are the candidates field mutations use besides random ones. */
export function mutationArb(values: readonly number[] = [...EXTREME_8, ...EXTREME_16, ...EXTREME_32]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), at: position, value: fc.constantFrom(...EXTREME_8) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), length: position }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.array(byte, { minLength: 1, maxLength: 16 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 16 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('overwrite' as const), at: position, bytes: fc.array(byte, { minLength: 1, maxLength: 12 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('repeat' as const), at: position, count: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 4 }) }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant('field' as const),
        index: fc.nat({ max: 1000 }),
        value: fc.oneof(fc.constantFrom(...values), fc.nat({ max: 0xffffffff })),
      }),
    },
  );
}

/** Up to `max` mutations (at least one). */
export function mutationsArb(max = 6, values?: readonly number[]): fc.Arbitrary<Mutation[]> {
  return fc.array(mutationArb(values), { minLength: 1, maxLength: max });
}

function writeField(out: Buffer, field: Field, value: number): void {
  if (field.at < 0) return;
  const width = typeof field.size === 'number' ? field.size : 1;
  if (field.at + width > out.length) return;
  switch (field.size) {
    case 'nibble-high':
      out[field.at] = (out[field.at]! & 0x0f) | ((value & 0x0f) << 4);
      return;
    case 'nibble-low':
      out[field.at] = (out[field.at]! & 0xf0) | (value & 0x0f);
      return;
    case 1:
      out[field.at] = value & 0xff;
      return;
    case 2:
      if (field.little === true) out.writeUInt16LE(value & 0xffff, field.at);
      else out.writeUInt16BE(value & 0xffff, field.at);
      return;
    case 4:
      if (field.little === true) out.writeUInt32LE(value >>> 0, field.at);
      else out.writeUInt32BE(value >>> 0, field.at);
      return;
  }
}

/** Applies `mutations` in order to a copy of `input`; `fields` are the targets of 'field' mutations. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[], fields: readonly Field[] = []): Buffer {
  let bytes = Buffer.from(input);
  for (const m of mutations) {
    const n = bytes.length;
    switch (m.op) {
      case 'flip':
        if (n > 0) bytes[m.at % n] = bytes[m.at % n]! ^ (1 << m.bit);
        break;
      case 'set':
        if (n > 0) bytes[m.at % n] = m.value;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, m.length % (n + 1));
        break;
      case 'insert': {
        const at = m.at % (n + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
        break;
      }
      case 'delete': {
        if (n === 0) break;
        const at = m.at % n;
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.count)]);
        break;
      }
      case 'overwrite': {
        if (n === 0) break;
        const at = m.at % n;
        bytes.set(m.bytes.slice(0, n - at), at);
        break;
      }
      case 'repeat': {
        if (n === 0) break;
        const at = m.at % n;
        const slice = bytes.subarray(at, at + m.count);
        bytes = Buffer.concat([bytes.subarray(0, at), ...Array.from({ length: m.times + 1 }, () => slice), bytes.subarray(at + slice.length)]);
        break;
      }
      case 'field': {
        const field = fields[m.index % Math.max(1, fields.length)];
        if (field) writeField(bytes, field, m.value);
        break;
      }
    }
    // Keep a private copy: a later mutation must not write into an earlier slice's backing store shared with `input`.
    bytes = Buffer.from(bytes);
  }
  return bytes;
}

/**
 * `bytes` copied into the middle of a larger buffer whose other bytes are
 * `fill`: a decoder that reads outside its input sees the fill (so results
 * differ between fills), and one that writes anywhere changes `backing`.
 */
export interface Guarded {
  input: Buffer;
  backing: Buffer;
  /** The backing store as it was before decoding. */
  original: Buffer;
}

export function guarded(bytes: Uint8Array, fill: number, pad = 64): Guarded {
  // Buffer.alloc: a backing store of its own (never the shared pool), so views can be checked against it exactly.
  const backing = Buffer.alloc(pad + bytes.length + pad, fill);
  backing.set(bytes, pad);
  return { input: backing.subarray(pad, pad + bytes.length), backing, original: Buffer.from(backing) };
}

/** True if `view` lies inside `outer` (same memory, within its bounds). */
export function inside(view: Uint8Array, outer: Uint8Array): boolean {
  return view.buffer === outer.buffer && view.byteOffset >= outer.byteOffset && view.byteOffset + view.length <= outer.byteOffset + outer.length;
}

/**
 * A comparable copy of a decode result: every byte view becomes
 * { at, hex } relative to `input`. A view outside `input`, an undefined
 * value or a NaN (what indexing past the end of a Buffer yields) is reported
 * in `outside` by its path in the result.
 */
export function normalize(value: unknown, input: Uint8Array, outside: string[], path = 'result'): unknown {
  if (value === undefined) outside.push(`${path}: undefined`);
  if (typeof value === 'number' && Number.isNaN(value)) outside.push(`${path}: NaN`);
  if (value instanceof Uint8Array) {
    if (!inside(value, input)) outside.push(`${path}: view at ${value.byteOffset}+${value.length} outside the input at ${input.byteOffset}+${input.length}`);
    return { at: value.byteOffset - input.byteOffset, hex: Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex') };
  }
  if (Array.isArray(value)) return value.map((item, i) => normalize(item, input, outside, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = normalize(item, input, outside, `${path}.${key}`);
    return out;
  }
  return value;
}

/**
 * Runs `decode` on `bytes` placed in two guard bands (fill 0x00 and 0xff)
 * and returns the normalized result; throws if the two differ (a read past
 * the end), if a returned view lies outside the input, or if anything in the
 * backing store changed (a write into the input).
 */
export function decodeGuarded<R>(bytes: Uint8Array, decode: (input: Buffer) => R): { result: R; input: Buffer; normalized: unknown } {
  const low = guarded(bytes, 0x00);
  const high = guarded(bytes, 0xff);
  const result = decode(low.input);
  const other = decode(high.input);
  const outside: string[] = [];
  const normalized = normalize(result, low.input, outside);
  const normalizedOther = normalize(other, high.input, outside);
  if (outside.length > 0) throw new Error(`read outside the input: ${outside.join('; ')}`);
  if (JSON.stringify(normalized) !== JSON.stringify(normalizedOther)) {
    throw new Error(`result depends on bytes outside the input:\n${JSON.stringify(normalized)}\n${JSON.stringify(normalizedOther)}`);
  }
  if (!low.backing.equals(low.original) || !high.backing.equals(high.original)) throw new Error('the decoder wrote into its input');
  return { result, input: low.input, normalized };
}

/** Collects range violations of decoded fields; `check()` throws them all at once. */
export class RangeCheck {
  readonly problems: string[] = [];
  int(name: string, value: unknown, min: number, max: number): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} = ${String(value)} is not an integer in ${min}..${max}`);
    }
  }
  address(name: string, value: unknown): void {
    if (typeof value !== 'string' || !/^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(value)) {
      this.problems.push(`${name} = ${JSON.stringify(value)} is not a dotted quad`);
    }
  }
  that(condition: boolean, message: string): void {
    if (!condition) this.problems.push(message);
  }
  check(context: string): void {
    if (this.problems.length > 0) throw new Error(`${context}: ${this.problems.join('; ')}`);
  }
}

// ---------------------------------------------------------------------------
// Valid packets, built with src/packet's encoders
// ---------------------------------------------------------------------------

export const addressArb = fc.tuple(byte, byte, byte, byte).map((octets) => octets.join('.'));
export const portArb = fc.integer({ min: 0, max: 0xffff });
export const uint32Arb = fc.nat({ max: 0xffffffff });

export interface IpFields {
  tos: number;
  id: number;
  dontFragment: boolean;
  ttl: number;
  source: string;
  destination: string;
  /** 32-bit words of IP options (random bytes) after the fixed header: IHL = 5 + words. */
  optionWords: number[];
}

export const ipFieldsArb: fc.Arbitrary<IpFields> = fc.record({
  tos: byte,
  id: portArb,
  dontFragment: fc.boolean(),
  ttl: byte,
  source: addressArb,
  destination: addressArb,
  optionWords: fc.oneof({ weight: 3, arbitrary: fc.constant([] as number[]) }, { weight: 1, arbitrary: fc.array(uint32Arb, { maxLength: 10 }) }),
});

export const tcpOptionsArb: fc.Arbitrary<TcpOptions> = fc.record(
  {
    mss: portArb,
    windowScale: byte,
    sackPermitted: fc.constant(true),
    timestamp: fc.record({ value: uint32Arb, echo: uint32Arb }),
  },
  { requiredKeys: [] },
);

export interface TcpFields {
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgment: number;
  flags: number;
  window: number;
  options: TcpOptions;
  payload: number[];
}

export const tcpFieldsArb: fc.Arbitrary<TcpFields> = fc.record({
  sourcePort: portArb,
  destinationPort: portArb,
  sequence: uint32Arb,
  acknowledgment: uint32Arb,
  flags: byte,
  window: portArb,
  options: tcpOptionsArb,
  payload: fc.array(byte, { maxLength: 32 }),
});

/** A built packet, the byte offsets of its layers and its interesting fields. */
export interface BuiltPacket {
  bytes: Buffer;
  /** Where the transport (TCP or ICMP) header starts. */
  l4: number;
  /** TCP options region, when there is one. */
  options?: { start: number; end: number };
  /** Where the IPv4 header quoted by an ICMP error starts. */
  quote?: number;
  fields: Field[];
}

/** Fields of an IPv4 header at `at`. */
export function ipv4Fields(at: number, prefix = 'ip'): Field[] {
  return [
    { name: `${prefix}.version`, at, size: 'nibble-high' },
    { name: `${prefix}.ihl`, at, size: 'nibble-low' },
    { name: `${prefix}.totalLength`, at: at + 2, size: 2 },
    { name: `${prefix}.fragment`, at: at + 6, size: 2 },
    { name: `${prefix}.ttl`, at: at + 8, size: 1 },
    { name: `${prefix}.protocol`, at: at + 9, size: 1 },
  ];
}

/** An IPv4 header (with `ip.optionWords` of options) for a payload of `payloadLength` bytes. */
export function ipv4Header(ip: IpFields, protocol: number, payloadLength: number): Buffer {
  const optionBytes = ip.optionWords.length * 4;
  const header = Buffer.alloc(20 + optionBytes);
  writeIPv4Header(header, 0, {
    tos: ip.tos,
    id: ip.id,
    dontFragment: ip.dontFragment,
    ttl: ip.ttl,
    protocol,
    source: ip.source,
    destination: ip.destination,
    totalLength: header.length + payloadLength,
  });
  if (optionBytes > 0) {
    ip.optionWords.forEach((word, i) => header.writeUInt32BE(word, 20 + i * 4));
    header[0] = 0x40 | (5 + ip.optionWords.length);
    header.writeUInt16BE(0, 10);
    header.writeUInt16BE(internetChecksum(header, 0, header.length), 10);
  }
  return header;
}

/** A TCP segment (header, options, payload) with a correct checksum for `ip`'s addresses. */
export function tcpSegment(ip: { source: string; destination: string }, tcp: TcpFields): Buffer {
  const scratch = Buffer.alloc(60);
  const headerLength = writeTcpSegment(
    scratch,
    0,
    {
      sourcePort: tcp.sourcePort,
      destinationPort: tcp.destinationPort,
      sequence: tcp.sequence,
      acknowledgment: tcp.acknowledgment,
      flags: tcp.flags,
      window: tcp.window,
      options: tcp.options,
    },
    (length) => ipv4PseudoHeaderSum(ip, IpProtocol.TCP, length),
  );
  const segment = Buffer.concat([scratch.subarray(0, headerLength), Buffer.from(tcp.payload)]);
  // writeTcpSegment sums the header only: recompute over the payload as well.
  segment.writeUInt16BE(0, 16);
  const pseudo = Buffer.alloc(12);
  for (const [i, part] of [...ip.source.split('.'), ...ip.destination.split('.')].entries()) pseudo[i] = Number(part);
  pseudo[9] = IpProtocol.TCP;
  pseudo.writeUInt16BE(segment.length, 10);
  segment.writeUInt16BE(internetChecksum(Buffer.concat([pseudo, segment, Buffer.alloc(segment.length % 2)])), 16);
  return segment;
}

function tcpFieldsAt(at: number, prefix = 'tcp'): Field[] {
  return [
    { name: `${prefix}.dataOffset`, at: at + 12, size: 'nibble-high' },
    { name: `${prefix}.flags`, at: at + 13, size: 1 },
  ];
}

/** IPv4 + TCP. */
export function buildTcpPacket(ip: IpFields, tcp: TcpFields): BuiltPacket {
  const segment = tcpSegment(ip, tcp);
  const header = ipv4Header(ip, IpProtocol.TCP, segment.length);
  const l4 = header.length;
  const optionsEnd = l4 + (segment[12]! >>> 4) * 4;
  const fields = [...ipv4Fields(0), ...tcpFieldsAt(l4)];
  // Every byte of the options region is a candidate (kinds and length bytes alike).
  for (let at = l4 + 20; at < optionsEnd; at++) fields.push({ name: `tcp.option[${at - l4 - 20}]`, at, size: 1 });
  return { bytes: Buffer.concat([header, segment]), l4, options: { start: l4 + 20, end: optionsEnd }, fields };
}

export interface EchoFields {
  type: number;
  identifier: number;
  sequence: number;
  data: number[];
}

export const echoFieldsArb: fc.Arbitrary<EchoFields> = fc.record({
  type: fc.constantFrom(IcmpType.ECHO_REQUEST, IcmpType.ECHO_REPLY),
  identifier: portArb,
  sequence: portArb,
  data: fc.array(byte, { maxLength: 48 }),
});

/** IPv4 + ICMP echo request/reply. */
export function buildEchoPacket(ip: IpFields, echo: EchoFields): BuiltPacket {
  const message = Buffer.alloc(8 + echo.data.length);
  writeIcmpEcho(message, 0, { type: echo.type, identifier: echo.identifier, sequence: echo.sequence, data: Buffer.from(echo.data) });
  const header = ipv4Header(ip, IpProtocol.ICMP, message.length);
  return { bytes: Buffer.concat([header, message]), l4: header.length, fields: [...ipv4Fields(0), { name: 'icmp.type', at: header.length, size: 1 }] };
}

export interface IcmpErrorFields {
  type: number;
  code: number;
  /** Bytes of the quoted transport header kept: 8 (the RFC 792 minimum), or all of it. */
  quoteAll: boolean;
}

export const icmpErrorFieldsArb: fc.Arbitrary<IcmpErrorFields> = fc.record({
  type: fc.constantFrom(IcmpType.DEST_UNREACHABLE, IcmpType.TIME_EXCEEDED, IcmpType.SOURCE_QUENCH, IcmpType.REDIRECT, IcmpType.PARAMETER_PROBLEM),
  code: fc.oneof(fc.integer({ min: 0, max: 15 }), byte),
  quoteAll: fc.boolean(),
});

/** IPv4 + ICMP error quoting `quoted` (an IPv4 packet): its header and 8 bytes, or all of it. */
export function buildIcmpError(ip: IpFields, error: IcmpErrorFields, quoted: BuiltPacket): BuiltPacket {
  const kept = error.quoteAll ? quoted.bytes : quoted.bytes.subarray(0, Math.min(quoted.bytes.length, quoted.l4 + 8));
  const message = Buffer.alloc(8 + kept.length);
  message[0] = error.type;
  message[1] = error.code;
  kept.copy(message, 8);
  message.writeUInt16BE(internetChecksum(message), 2);
  const header = ipv4Header(ip, IpProtocol.ICMP, message.length);
  const quote = header.length + 8;
  return {
    bytes: Buffer.concat([header, message]),
    l4: header.length,
    quote,
    fields: [
      ...ipv4Fields(0),
      { name: 'icmp.type', at: header.length, size: 1 },
      ...ipv4Fields(quote, 'quote'),
      ...quoted.fields.filter((f) => f.name.startsWith('tcp.')).map((f) => ({ ...f, name: `quote.${f.name}`, at: f.at + quote })),
    ],
  };
}

/** Any valid IPv4 packet the decoders know: TCP, ICMP echo, or an ICMP error quoting TCP or echo. */
export const builtPacketArb: fc.Arbitrary<BuiltPacket> = fc.oneof(
  fc.tuple(ipFieldsArb, tcpFieldsArb).map(([ip, tcp]) => buildTcpPacket(ip, tcp)),
  fc.tuple(ipFieldsArb, echoFieldsArb).map(([ip, echo]) => buildEchoPacket(ip, echo)),
  fc
    .tuple(ipFieldsArb, icmpErrorFieldsArb, ipFieldsArb, fc.oneof(tcpFieldsArb.map((tcp) => ({ tcp })), echoFieldsArb.map((echo) => ({ echo }))))
    .map(([ip, error, inner, transport]) =>
      buildIcmpError(ip, error, 'tcp' in transport ? buildTcpPacket(inner, transport.tcp) : buildEchoPacket(inner, transport.echo)),
    ),
);

/** A valid packet, mutated. */
export const mutatedPacketArb: fc.Arbitrary<{ packet: BuiltPacket; mutations: Mutation[]; bytes: Buffer }> = fc
  .tuple(builtPacketArb, mutationsArb())
  .map(([packet, mutations]) => ({ packet, mutations, bytes: mutate(packet.bytes, mutations, packet.fields) }));

// Run directly by tap (every file under test/ is a test): check the helpers themselves.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { default: t } = await import('tap');
  t.test('mutations are plain data and apply deterministically to a copy', async (t) => {
    const input = Buffer.from('45000014000000004006000001020304', 'hex');
    const before = Buffer.from(input);
    const fields = ipv4Fields(0);
    const mutations: Mutation[] = [
      { op: 'field', index: 1, value: 0xf },
      { op: 'field', index: 2, value: 0xffff },
      { op: 'flip', at: 8 + input.length, bit: 0 },
      { op: 'insert', at: 0, bytes: [1, 2] },
      { op: 'delete', at: 2, count: 2 },
      { op: 'repeat', at: 0, count: 2, times: 1 },
      { op: 'truncate', length: 5 },
    ];
    const out = mutate(input, mutations, fields);
    t.same(input, before, 'the input is not modified');
    t.same(out, mutate(input, mutations, fields), 'deterministic');
    t.equal(out.toString('hex'), '01020102ff');
  });
  t.test('guarded inputs show reads past the end and writes', async (t) => {
    t.throws(() => decodeGuarded(Buffer.from([1, 2]), (b) => Buffer.from(b.buffer, b.byteOffset, 3)[2]), /depends on bytes outside the input/);
    t.throws(() => decodeGuarded(Buffer.from([1, 2]), (b) => ({ v: b[2] })), /result.v: undefined/);
    t.throws(() => decodeGuarded(Buffer.from([1, 2]), (b) => Buffer.from(b.buffer, b.byteOffset, 3)), /read outside the input/);
    t.throws(() => decodeGuarded(Buffer.from([1, 2]), (b) => (b[0] = 9)), /wrote into its input/);
    t.same(decodeGuarded(Buffer.from([1, 2]), (b) => ({ v: b.subarray(1) })).normalized, { v: { at: 1, hex: '02' } });
  });
  t.test('built packets are what they claim', async (t) => {
    fc.assert(
      fc.property(builtPacketArb, (packet) => packet.bytes.readUInt16BE(2) === packet.bytes.length && internetChecksum(packet.bytes, 0, packet.l4) === 0),
      fuzz(1, 200),
    );
    t.pass('total length and header checksum correct');
  });
}
