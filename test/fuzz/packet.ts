/**
 * Hostile packets (issue 7): property tests and fuzzing of the packet
 * decoders (decodeIPv4, decodeIPv6, decodeTcp with options, decodeTcpPrefix, decodeIcmp
 * with quoted headers) over arbitrary bytes and over valid packets built with
 * the encoders and then mutated. Every decode must return a result (never
 * throw), keep its fields in range, return views inside its input, give the
 * same result whatever lies around the input (no read past the end), and
 * leave the input untouched; encode then decode gives the fields back.
 */
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import fc from 'fast-check';
import { internetChecksum, verifyIcmpChecksum, verifyTcpChecksum } from '../../src/packet/checksum.js';
import { decodeIcmp, IcmpType, writeIcmpEcho, type IcmpMessage } from '../../src/packet/icmp.js';
import { formatIPv6, parseIPv6 } from '../../src/packet/address.js';
import { decodeIPv6, writeIPv6Header } from '../../src/packet/ipv6.js';
import { decodeNetwork } from '../../src/packet/network.js';
import { decodeIPv4, ipv4PseudoHeaderSum, IpProtocol, writeIPv4Header, type IPv4Packet } from '../../src/packet/ipv4.js';

/** The IPv4 pseudo-header sum of a TCP segment of `length` bytes. */
const tcpPseudo = (source: string, destination: string, length: number): number => ipv4PseudoHeaderSum({ source, destination }, IpProtocol.TCP, length);
import type { Decoded } from '../../src/packet/result.js';
import { decodeTcp, decodeTcpPrefix, writeTcpSegment, type TcpPrefix, type TcpSegment } from '../../src/packet/tcp.js';
import {
  addressArb,
  buildIcmpError,
  buildTcpPacket,
  builtPacketArb,
  decodeGuarded,
  echoFieldsArb,
  fuzz,
  icmpErrorFieldsArb,
  inside,
  ipFieldsArb,
  ipv4Header,
  mutatedPacketArb,
  portArb,
  RangeCheck,
  tcpFieldsArb,
  tcpOptionsArb,
  tcpSegment,
  uint32Arb,
} from './support.js';

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;
/** A decode of a packet this small taking longer than this is a hang in the making. */
const SLOW_MS = 250;

/** A JSON copy (fast-check builds some records without a prototype; deep equality would tell them apart). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function readAddress(input: Buffer, at: number): string {
  return `${input[at]}.${input[at + 1]}.${input[at + 2]}.${input[at + 3]}`;
}

function checkFailure(rc: RangeCheck, name: string, result: Decoded<unknown>): void {
  if (!result.ok) rc.that(typeof result.reason === 'string' && result.reason.length > 0, `${name}: failure without a reason`);
}

/** The IPv4 contract of decodeIPv4's doc comment, as an independent predicate. */
function ipv4ShouldDecode(input: Buffer, allowTruncated: boolean): boolean {
  if (input.length < 20 || input[0]! >>> 4 !== 4) return false;
  const headerLength = (input[0]! & 0x0f) * 4;
  if (headerLength < 20 || headerLength > input.length) return false;
  const totalLength = input.readUInt16BE(2);
  return totalLength >= headerLength && (allowTruncated || totalLength <= input.length);
}

function checkIPv4(rc: RangeCheck, name: string, result: Decoded<IPv4Packet>, input: Buffer, allowTruncated: boolean): void {
  checkFailure(rc, name, result);
  rc.that(result.ok === ipv4ShouldDecode(input, allowTruncated), `${name}: ok=${result.ok} contradicts the documented conditions`);
  if (!result.ok) return;
  const { header: h, payload, truncated } = result.value;
  rc.that(h.version === 4, `${name}.version ${h.version}`);
  rc.int(`${name}.headerLength`, h.headerLength, 20, 60);
  rc.that(h.headerLength % 4 === 0 && h.headerLength <= input.length, `${name}.headerLength ${h.headerLength} beyond ${input.length} bytes`);
  rc.int(`${name}.totalLength`, h.totalLength, h.headerLength, U16);
  rc.int(`${name}.tos`, h.tos, 0, U8);
  rc.int(`${name}.id`, h.id, 0, U16);
  rc.int(`${name}.ttl`, h.ttl, 0, U8);
  rc.int(`${name}.protocol`, h.protocol, 0, U8);
  rc.int(`${name}.checksum`, h.checksum, 0, U16);
  rc.int(`${name}.fragmentOffset`, h.fragmentOffset, 0, 0x1fff * 8);
  rc.that(h.fragmentOffset % 8 === 0, `${name}.fragmentOffset ${h.fragmentOffset} not a multiple of 8`);
  rc.address(`${name}.source`, h.source);
  rc.address(`${name}.destination`, h.destination);
  // Fidelity: the fields are the bytes where RFC 791 puts them.
  rc.that(h.ttl === input[8] && h.protocol === input[9] && h.tos === input[1], `${name}: ttl/protocol/tos differ from bytes 8/9/1`);
  rc.that(h.source === readAddress(input, 12) && h.destination === readAddress(input, 16), `${name}: addresses differ from bytes 12-19`);
  rc.that(h.id === input.readUInt16BE(4) && h.checksum === input.readUInt16BE(10), `${name}: id/checksum differ from bytes 4/10`);
  rc.that(h.dontFragment === ((input[6]! & 0x40) !== 0) && h.moreFragments === ((input[6]! & 0x20) !== 0), `${name}: fragment flags`);
  rc.that(truncated === h.totalLength > input.length, `${name}.truncated ${truncated} with totalLength ${h.totalLength}, ${input.length} bytes`);
  rc.that(allowTruncated || !truncated, `${name}: truncated without allowTruncated`);
  rc.that(inside(payload, input), `${name}.payload outside the input`);
  rc.that(payload.byteOffset === input.byteOffset + h.headerLength, `${name}.payload does not start after the header`);
  rc.that(payload.length === Math.min(h.totalLength, input.length) - h.headerLength, `${name}.payload length ${payload.length}`);
}

/**
 * The option rules of decodeTcp's doc comment, written independently: the
 * options of `header` (the bytes after the fixed 20), or null when they are
 * malformed (a length byte missing, below 2, or running past the header).
 */
function expectedOptions(header: Buffer): Record<string, unknown> | null {
  const options: Record<string, unknown> = {};
  let rest = header.subarray(20);
  while (rest.length > 0 && rest[0] !== 0) {
    const [kind] = rest;
    if (kind === 1) {
      rest = rest.subarray(1);
      continue;
    }
    if (rest.length < 2 || rest[1]! < 2 || rest[1]! > rest.length) return null;
    const body = rest.subarray(2, rest[1]);
    if (kind === 2 && body.length === 2) options.mss = body.readUInt16BE(0);
    if (kind === 3 && body.length === 1) options.windowScale = body[0];
    if (kind === 4 && body.length === 0) options.sackPermitted = true;
    if (kind === 8 && body.length === 8) options.timestamp = { value: body.readUInt32BE(0), echo: body.readUInt32BE(4) };
    rest = rest.subarray(rest[1]);
  }
  return options;
}

function checkTcp(rc: RangeCheck, name: string, result: Decoded<TcpSegment>, input: Buffer): void {
  checkFailure(rc, name, result);
  const dataOffset = input.length >= 20 ? input[12]! >>> 4 : 0;
  if (input.length < 20 || dataOffset < 5 || dataOffset * 4 > input.length) {
    rc.that(!result.ok, `${name}: decoded with a bad length or data offset`);
  } else {
    const expected = expectedOptions(input.subarray(0, dataOffset * 4));
    rc.that(result.ok === (expected !== null), `${name}: ok=${result.ok} but the options are ${expected === null ? 'malformed' : 'well-formed'}`);
    if (result.ok && expected !== null) rc.that(isDeepStrictEqual(plain(result.value.options), plain(expected)), `${name}.options ${JSON.stringify(result.value.options)}, expected ${JSON.stringify(expected)}`);
  }
  if (!result.ok) return;
  const s = result.value;
  rc.int(`${name}.sourcePort`, s.sourcePort, 0, U16);
  rc.int(`${name}.destinationPort`, s.destinationPort, 0, U16);
  rc.int(`${name}.sequence`, s.sequence, 0, U32);
  rc.int(`${name}.acknowledgment`, s.acknowledgment, 0, U32);
  rc.int(`${name}.headerLength`, s.headerLength, 20, 60);
  rc.that(s.headerLength % 4 === 0 && s.headerLength <= input.length, `${name}.headerLength ${s.headerLength} beyond ${input.length} bytes`);
  rc.int(`${name}.flags`, s.flags, 0, U8);
  rc.int(`${name}.window`, s.window, 0, U16);
  rc.int(`${name}.checksum`, s.checksum, 0, U16);
  rc.int(`${name}.urgentPointer`, s.urgentPointer, 0, U16);
  rc.that(s.payloadLength === input.length - s.headerLength, `${name}.payloadLength ${s.payloadLength}`);
  rc.that(s.sourcePort === input.readUInt16BE(0) && s.destinationPort === input.readUInt16BE(2), `${name}: ports differ from bytes 0-3`);
  rc.that(s.sequence === input.readUInt32BE(4) && s.acknowledgment === input.readUInt32BE(8), `${name}: seq/ack differ from bytes 4-11`);
  const o = s.options;
  for (const key of Object.keys(o)) rc.that(['mss', 'windowScale', 'sackPermitted', 'timestamp'].includes(key), `${name}.options.${key} unknown`);
  if (o.mss !== undefined) rc.int(`${name}.options.mss`, o.mss, 0, U16);
  if (o.windowScale !== undefined) rc.int(`${name}.options.windowScale`, o.windowScale, 0, U8);
  if (o.sackPermitted !== undefined) rc.that(o.sackPermitted === true, `${name}.options.sackPermitted ${String(o.sackPermitted)}`);
  if (o.timestamp !== undefined) {
    rc.int(`${name}.options.timestamp.value`, o.timestamp.value, 0, U32);
    rc.int(`${name}.options.timestamp.echo`, o.timestamp.echo, 0, U32);
  }
}

function checkPrefix(rc: RangeCheck, name: string, result: Decoded<TcpPrefix>, input: Buffer): void {
  checkFailure(rc, name, result);
  rc.that(result.ok === input.length >= 8, `${name}: ok=${result.ok} with ${input.length} bytes`);
  if (!result.ok) return;
  rc.int(`${name}.sourcePort`, result.value.sourcePort, 0, U16);
  rc.int(`${name}.destinationPort`, result.value.destinationPort, 0, U16);
  rc.int(`${name}.sequence`, result.value.sequence, 0, U32);
  rc.that(result.value.sequence === input.readUInt32BE(4), `${name}.sequence differs from bytes 4-7`);
}

const ERROR_TYPES = new Set<number>([3, 4, 5, 11, 12]);

function checkIcmp(rc: RangeCheck, name: string, result: Decoded<IcmpMessage>, input: Buffer): void {
  checkFailure(rc, name, result);
  rc.that(result.ok === input.length >= 8, `${name}: ok=${result.ok} with ${input.length} bytes`);
  if (!result.ok) return;
  const m = result.value;
  rc.that(m.type === input[0] && m.code === input[1] && m.checksum === input.readUInt16BE(2), `${name}: type/code/checksum differ from bytes 0-3`);
  const isEcho = m.type === IcmpType.ECHO_REPLY || m.type === IcmpType.ECHO_REQUEST;
  rc.that((m.echo !== null) === isEcho, `${name}.echo for type ${m.type}`);
  if (m.echo !== null) {
    rc.int(`${name}.echo.identifier`, m.echo.identifier, 0, U16);
    rc.int(`${name}.echo.sequence`, m.echo.sequence, 0, U16);
    rc.that(inside(m.echo.data, input) && m.echo.data.byteOffset === input.byteOffset + 8 && m.echo.data.length === input.length - 8, `${name}.echo.data is not input[8..]`);
  }
  if (ERROR_TYPES.has(m.type)) {
    rc.that((m.quote === null) !== (m.quoteError === null), `${name}: an error type needs exactly one of quote and quoteError`);
    const quoted = input.subarray(8);
    if (m.quote !== null) {
      checkIPv4(rc, `${name}.quote`, { ok: true, value: { header: m.quote.header, payload: m.quote.transport, truncated: m.quote.header.totalLength > quoted.length } }, quoted, true);
    } else {
      rc.that(!ipv4ShouldDecode(quoted, true), `${name}: quoteError for a quote that should decode`);
    }
  } else {
    rc.that(m.quote === null && m.quoteError === null, `${name}: quote for non-error type ${m.type}`);
  }
}

/**
 * Every decoder on `input` and on what it contains (the IP payload as TCP,
 * TCP prefix and ICMP whatever the protocol field says; an ICMP quote's
 * transport bytes as TCP), with all invariants checked against each
 * decoder's own input. Returns the results, for the guard-band comparison.
 */
function decodeAll(input: Buffer, timed = true): Record<string, unknown> {
  const started = performance.now();
  const rc = new RangeCheck();
  const strict = decodeIPv4(input);
  const loose = decodeIPv4(input, { allowTruncated: true });
  checkIPv4(rc, 'ipv4', strict, input, false);
  checkIPv4(rc, 'ipv4 allowTruncated', loose, input, true);
  const out: Record<string, unknown> = { strict, loose };
  // The IP payload, or the whole input as a transport header (decoders are also called on raw slices).
  for (const [name, payload] of [['raw', input], ['payload', loose.ok ? loose.value.payload : null]] as const) {
    if (payload === null) continue;
    const tcp = decodeTcp(payload);
    const prefix = decodeTcpPrefix(payload);
    const icmp = decodeIcmp(payload);
    checkTcp(rc, `${name} tcp`, tcp, payload);
    checkPrefix(rc, `${name} tcp prefix`, prefix, payload);
    checkIcmp(rc, `${name} icmp`, icmp, payload);
    out[name] = { tcp, prefix, icmp };
    if (icmp.ok && icmp.value.quote !== null) {
      const transport = icmp.value.quote.transport;
      const quotedTcp = decodeTcp(transport);
      const quotedPrefix = decodeTcpPrefix(transport);
      const quotedIcmp = decodeIcmp(transport);
      checkTcp(rc, `${name} quoted tcp`, quotedTcp, transport);
      checkPrefix(rc, `${name} quoted tcp prefix`, quotedPrefix, transport);
      checkIcmp(rc, `${name} quoted icmp`, quotedIcmp, transport);
      out[`${name} quote`] = { quotedTcp, quotedPrefix, quotedIcmp };
    }
  }
  if (timed) {
    // A pathological input is slow every time; a loaded machine (a GC pause, a descheduled core) only
    // once: the fastest of the first decode and three more is what is held to the bound.
    let fastest = performance.now() - started;
    for (let again = 0; again < 3 && fastest >= SLOW_MS; again++) {
      const restarted = performance.now();
      decodeAll(input, false);
      fastest = Math.min(fastest, performance.now() - restarted);
    }
    rc.that(fastest < SLOW_MS, `decoding ${input.length} bytes took ${Math.round(fastest)} ms (the fastest of 4 tries)`);
  }
  rc.check(`input ${input.toString('hex')}`);
  return out;
}

/** Bytes that often get past the first checks: an IPv4-looking first byte, a plausible total length. */
const ipv4ishBytes = fc
  .tuple(fc.integer({ min: 0x40, max: 0x4f }), fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.boolean())
  .map(([first, rest, fixLength]) => {
    const bytes = Buffer.from([first, ...rest]);
    if (fixLength && bytes.length >= 4) bytes.writeUInt16BE(bytes.length, 2);
    return bytes;
  });

t.test('arbitrary bytes: every decoder returns a result, in range, inside its input, untouched', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
      decodeGuarded(bytes, decodeAll);
    }),
    fuzz(10, 4000),
  );
  fc.assert(
    fc.property(ipv4ishBytes, (bytes) => {
      decodeGuarded(bytes, decodeAll);
    }),
    fuzz(11, 4000),
  );
  t.pass('no throw, no read outside the input, no write');
});

t.test('mutated valid packets (bit flips, truncation, extreme length fields, scrambled options)', async (t) => {
  fc.assert(
    fc.property(mutatedPacketArb, ({ bytes }) => {
      decodeGuarded(bytes, decodeAll);
    }),
    fuzz(12, 4000),
  );
  t.pass('no throw, no read outside the input, no write');
});

t.test('valid packets truncated at every length', async (t) => {
  fc.assert(
    fc.property(builtPacketArb, (packet) => {
      for (let length = 0; length <= packet.bytes.length; length++) decodeGuarded(packet.bytes.subarray(0, length), decodeAll);
    }),
    fuzz(13, 150),
  );
  t.pass('every prefix decodes or fails cleanly');
});

t.test('TCP options scrambled inside a valid header', async (t) => {
  const scrambled = fc
    .tuple(
      ipFieldsArb,
      tcpFieldsArb,
      fc.integer({ min: 6, max: 15 }),
      fc.array(fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 8, 10, 255), fc.integer({ min: 0, max: 255 })), { minLength: 40, maxLength: 40 }),
    )
    .map(([ip, tcp, dataOffset, optionBytes]) => {
      const packet = buildTcpPacket(ip, { ...tcp, options: {}, payload: [...optionBytes, ...tcp.payload] });
      // Declare `dataOffset` words of header: the bytes after the fixed header become the options.
      packet.bytes[packet.l4 + 12] = (dataOffset << 4) | (packet.bytes[packet.l4 + 12]! & 0x0f);
      return packet.bytes;
    });
  fc.assert(
    fc.property(scrambled, (bytes) => {
      decodeGuarded(bytes, decodeAll);
    }),
    fuzz(14, 4000),
  );
  t.pass('options of any shape decode or fail cleanly');
});

t.test('extreme length fields, exhaustively, in each kind of packet', async (t) => {
  // Every value of every nibble and several of every length field, one field at a time.
  const samples = fc.sample(builtPacketArb, { seed: fuzz(15, 1).seed, numRuns: 12 });
  let decoded = 0;
  for (const packet of samples) {
    for (const field of packet.fields) {
      const values = typeof field.size === 'string' ? [...Array(16).keys()] : field.size === 1 ? [...Array(256).keys()] : [0, 1, 19, 20, 21, 59, 60, 61, packet.bytes.length - 1, packet.bytes.length, packet.bytes.length + 1, 0x7fff, 0xffff];
      for (const value of values) {
        const bytes = Buffer.from(packet.bytes);
        if (field.size === 'nibble-high') bytes[field.at] = (bytes[field.at]! & 0x0f) | (value << 4);
        else if (field.size === 'nibble-low') bytes[field.at] = (bytes[field.at]! & 0xf0) | value;
        else if (field.size === 1) bytes[field.at] = value;
        else bytes.writeUInt16BE(value & 0xffff, field.at);
        decodeGuarded(bytes, decodeAll);
        decoded++;
      }
    }
  }
  t.ok(decoded > 1000, `${decoded} packets with one field at an extreme value`);
});

t.test('round trip: writeIPv4Header then decodeIPv4 gives the fields back', async (t) => {
  fc.assert(
    fc.property(ipFieldsArb, fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 16 }), (ip, protocol, payload, offset) => {
      // At an offset inside a larger buffer, as the probes write them.
      const out = Buffer.alloc(offset + 20 + payload.length);
      writeIPv4Header(out, offset, { ...ip, protocol, totalLength: 20 + payload.length });
      out.set(payload, offset + 20);
      const bytes = out.subarray(offset);
      const decoded = decodeIPv4(bytes);
      if (!decoded.ok) throw new Error(decoded.reason);
      const { header, payload: view, truncated } = decoded.value;
      const expected = { version: 4, headerLength: 20, tos: ip.tos, totalLength: 20 + payload.length, id: ip.id, dontFragment: ip.dontFragment, moreFragments: false, fragmentOffset: 0, ttl: ip.ttl, protocol, source: ip.source, destination: ip.destination };
      const { checksum, ...rest } = header;
      return isDeepStrictEqual(rest, expected) && internetChecksum(bytes, 0, 20) === 0 && checksum === bytes.readUInt16BE(10) && Buffer.from(payload).equals(view) && !truncated;
    }),
    fuzz(20, 2000),
  );
  fc.assert(
    fc.property(ipFieldsArb, fc.uint8Array({ maxLength: 32 }), (ip, payload) => {
      // With IP options: the header grows, the payload still starts after it.
      const bytes = Buffer.concat([ipv4Header(ip, IpProtocol.UDP, payload.length), payload]);
      const decoded = decodeIPv4(bytes);
      return decoded.ok && decoded.value.header.headerLength === 20 + 4 * ip.optionWords.length && Buffer.from(payload).equals(decoded.value.payload) && internetChecksum(bytes, 0, decoded.value.header.headerLength) === 0;
    }),
    fuzz(21, 1000),
  );
  t.pass('IPv4 header fields survive encode/decode');
});

t.test('round trip: writeTcpSegment then decodeTcp gives the fields and options back', async (t) => {
  fc.assert(
    fc.property(addressArb, addressArb, tcpFieldsArb, fc.nat({ max: 16 }), (source, destination, tcp, offset) => {
      const out = Buffer.alloc(offset + 60);
      const length = writeTcpSegment(out, offset, tcp, (n) => tcpPseudo(source, destination, n));
      const segment = out.subarray(offset, offset + length);
      const decoded = decodeTcp(segment);
      if (!decoded.ok) throw new Error(decoded.reason);
      const s = decoded.value;
      const same =
        s.sourcePort === tcp.sourcePort &&
        s.destinationPort === tcp.destinationPort &&
        s.sequence === tcp.sequence &&
        s.acknowledgment === tcp.acknowledgment &&
        s.flags === tcp.flags &&
        s.window === tcp.window &&
        s.headerLength === length &&
        s.payloadLength === 0 &&
        isDeepStrictEqual(plain(s.options), plain(tcp.options));
      return same && verifyTcpChecksum(segment, tcpPseudo(source, destination, segment.length));
    }),
    fuzz(22, 3000),
  );
  fc.assert(
    fc.property(ipFieldsArb, tcpFieldsArb, (ip, tcp) => {
      // In a whole packet with payload: decodeIPv4 then decodeTcp.
      const bytes = buildTcpPacket(ip, tcp).bytes;
      const packet = decodeIPv4(bytes);
      if (!packet.ok) return false;
      const segment = decodeTcp(packet.value.payload);
      return segment.ok && segment.value.payloadLength === tcp.payload.length && segment.value.sequence === tcp.sequence && verifyTcpChecksum(packet.value.payload, tcpPseudo(ip.source, ip.destination, packet.value.payload.length));
    }),
    fuzz(23, 1000),
  );
  t.pass('TCP header fields and options survive encode/decode');
});

t.test('round trip: decodeTcpPrefix reads what writeTcpSegment wrote', async (t) => {
  fc.assert(
    fc.property(addressArb, addressArb, portArb, portArb, uint32Arb, tcpOptionsArb, (source, destination, sourcePort, destinationPort, sequence, options) => {
      const out = Buffer.alloc(60);
      writeTcpSegment(out, 0, { sourcePort, destinationPort, sequence, flags: 2, window: 0, options }, (n) => tcpPseudo(source, destination, n));
      const prefix = decodeTcpPrefix(out.subarray(0, 8));
      return prefix.ok && prefix.value.sourcePort === sourcePort && prefix.value.destinationPort === destinationPort && prefix.value.sequence === sequence;
    }),
    fuzz(24, 1000),
  );
  t.pass('ports and sequence number of the first 8 bytes');
});

t.test('round trip: writeIcmpEcho then decodeIcmp gives the fields back', async (t) => {
  fc.assert(
    fc.property(echoFieldsArb, fc.nat({ max: 16 }), (echo, offset) => {
      const out = Buffer.alloc(offset + 8 + echo.data.length);
      const length = writeIcmpEcho(out, offset, { ...echo, data: Buffer.from(echo.data) });
      const message = out.subarray(offset, offset + length);
      const decoded = decodeIcmp(message);
      if (!decoded.ok || decoded.value.echo === null) return false;
      const m = decoded.value;
      return (
        m.type === echo.type &&
        m.code === 0 &&
        m.echo!.identifier === echo.identifier &&
        m.echo!.sequence === echo.sequence &&
        Buffer.from(echo.data).equals(m.echo!.data) &&
        m.quote === null &&
        verifyIcmpChecksum(message)
      );
    }),
    fuzz(25, 2000),
  );
  t.pass('ICMP echo fields survive encode/decode');
});

t.test('round trip: an ICMP error gives back the quoted header and transport bytes', async (t) => {
  fc.assert(
    fc.property(ipFieldsArb, icmpErrorFieldsArb, ipFieldsArb, tcpFieldsArb, (ip, error, inner, tcp) => {
      const quoted = buildTcpPacket(inner, tcp);
      const packet = buildIcmpError(ip, error, quoted);
      const outer = decodeIPv4(packet.bytes);
      if (!outer.ok) return false;
      const icmp = decodeIcmp(outer.value.payload);
      if (!icmp.ok || icmp.value.quote === null) return false;
      const { header, transport } = icmp.value.quote;
      const prefix = decodeTcpPrefix(transport);
      const segment = tcpSegment(inner, tcp);
      const expectedTransport = error.quoteAll ? segment : segment.subarray(0, 8);
      return (
        icmp.value.type === error.type &&
        icmp.value.code === error.code &&
        verifyIcmpChecksum(outer.value.payload) &&
        header.source === inner.source &&
        header.destination === inner.destination &&
        header.ttl === inner.ttl &&
        header.id === inner.id &&
        header.protocol === IpProtocol.TCP &&
        header.headerLength === 20 + 4 * inner.optionWords.length &&
        transport.equals(expectedTransport) &&
        prefix.ok &&
        prefix.value.sourcePort === tcp.sourcePort &&
        prefix.value.destinationPort === tcp.destinationPort &&
        prefix.value.sequence === tcp.sequence
      );
    }),
    fuzz(26, 2000),
  );
  t.pass('quoted header and the first transport bytes survive');
});

/** The IPv6 contract of decodeIPv6's doc comment, as an independent predicate: null when it holds. */
function ipv6Violation(input: Buffer, result: ReturnType<typeof decodeIPv6>, allowTruncated: boolean): string | null {
  const valid = input.length >= 40 && input[0]! >>> 4 === 6 && (allowTruncated || 40 + input.readUInt16BE(4) <= input.length);
  if (!result.ok) return valid ? `refused a valid packet: ${result.reason}` : null;
  if (!valid) return 'accepted an invalid packet';
  const { header, payload, truncated } = result.value;
  const end = 40 + header.payloadLength;
  if (truncated !== end > input.length) return 'truncated flag';
  if (payload.length !== Math.min(end, input.length) - 40) return `payload of ${payload.length} bytes`;
  if (!inside(payload, input) || payload.byteOffset !== input.byteOffset + 40) return 'payload not a view after the header';
  if (header.flowLabel > 0xfffff || header.trafficClass > 0xff || header.hopLimit !== input[7] || header.nextHeader !== input[6]) return 'fields';
  if (parseIPv6(header.source) === null || parseIPv6(header.destination) === null) return 'address text';
  return null;
}

t.test('IPv6: arbitrary and IPv6-looking bytes decode or fail cleanly, as the contract says', async (t) => {
  const ipv6ish = fc
    .tuple(fc.integer({ min: 0x60, max: 0x6f }), fc.uint8Array({ minLength: 0, maxLength: 100 }), fc.boolean())
    .map(([first, rest, fixLength]) => {
      const bytes = Buffer.from([first, ...rest]);
      if (fixLength && bytes.length >= 40) bytes.writeUInt16BE(bytes.length - 40, 4);
      return bytes;
    });
  fc.assert(
    fc.property(fc.oneof(ipv6ish, fc.uint8Array({ maxLength: 96 })), (bytes) => {
      decodeGuarded(bytes, (input) => {
        const strict = decodeIPv6(input);
        const loose = decodeIPv6(input, { allowTruncated: true });
        const network = decodeNetwork(input);
        const why = ipv6Violation(input, strict, false) ?? ipv6Violation(input, loose, true);
        if (why !== null) throw new Error(`${why}: ${input.toString('hex')}`);
        return { strict, loose, network };
      });
    }),
    fuzz(40, 6000),
  );
  t.pass('no throw, no read outside the input, no write');
});

t.test('IPv6: writeIPv6Header then decodeIPv6 gives the fields back, addresses in RFC 5952 text', async (t) => {
  const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
  fc.assert(
    fc.property(bytes16, bytes16, fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xfffff }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 64 }), (src, dst, trafficClass, flowLabel, nextHeader, hopLimit, payloadLength) => {
      const source = formatIPv6(src);
      const destination = formatIPv6(dst);
      const out = Buffer.alloc(40 + payloadLength);
      writeIPv6Header(out, 0, { trafficClass, flowLabel, payloadLength, nextHeader, hopLimit, source, destination });
      const decoded = decodeIPv6(out);
      return (
        decoded.ok &&
        isDeepStrictEqual(decoded.value.header, { version: 6, trafficClass, flowLabel, payloadLength, nextHeader, hopLimit, source, destination }) &&
        out.subarray(8, 24).equals(Buffer.from(src)) &&
        out.subarray(24, 40).equals(Buffer.from(dst))
      );
    }),
    fuzz(41, 3000),
  );
  t.pass('fields and address bytes survive');
});
