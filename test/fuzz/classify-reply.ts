/**
 * Hostile packets (issue 7) for classifyReply, the function that decides what
 * a received packet means for a scan. With a context built as the engine
 * builds it (a TCP SYN and an ICMP echo template per target, a cookie key,
 * plain or traced tags), over valid replies, mutated replies, random packets
 * aimed at us and replies made under another run's key: it never throws,
 * never reads outside or writes into the packet, and every 'answer' or
 * 'time-exceeded' event is proven by our cookie, checked here from the raw
 * bytes.
 */
import t from 'tap';
import fc from 'fast-check';
import { requireAddress } from '../../src/packet/address.js';
import { internetChecksum } from '../../src/packet/checksum.js';
import { IcmpType, writeIcmpEcho } from '../../src/packet/icmp.js';
import { IpProtocol } from '../../src/packet/ipv4.js';
import { TcpFlag } from '../../src/packet/tcp.js';
import { newCookieKey, type CookieKey } from '../../src/probe/cookie.js';
import { ECHO_DATA_BYTES, echoCookie, icmpEcho } from '../../src/probe/icmp-echo.js';
import type { ProbeFlow, ProbeTemplate } from '../../src/probe/module.js';
import { synSequence, tcpSyn } from '../../src/probe/tcp-syn.js';
import { classifyReply, type ProbedTarget, type ReplyContext, type ReplyEvent } from '../../src/probe/classify-reply.js';
import {
  addressArb,
  fuzz,
  guarded,
  ipv4Fields,
  ipv4Header,
  mutate,
  mutationsArb,
  portArb,
  tcpOptionsArb,
  tcpSegment,
  uint32Arb,
  type Field,
  type IpFields,
} from './support.js';

interface Target extends ProbedTarget {
  flow: ProbeFlow;
  template: ProbeTemplate;
  probed: ReadonlySet<number>;
  tags: readonly number[];
}

interface Run {
  key: CookieKey;
  source: string;
  /** The flow identifier: TCP source port and ICMP echo identifier. */
  sourcePort: number;
  context: ReplyContext<Target>;
  targets: Target[];
}

interface RunSpec {
  key: [number, number];
  source: string;
  sourcePort: number;
  addresses: string[];
  ports: number[];
  /** Tags of the probes sent to a port: [0] for plain probes, TTLs 1..n for a trace. */
  traceTtls: number;
  sentTtl: number;
}

const runSpecArb: fc.Arbitrary<RunSpec> = fc.record({
  key: fc.tuple(uint32Arb, uint32Arb),
  source: addressArb,
  // As the engine picks them.
  sourcePort: fc.integer({ min: 32768, max: 60999 }),
  addresses: fc.uniqueArray(addressArb, { minLength: 1, maxLength: 3 }),
  ports: fc.uniqueArray(portArb, { minLength: 1, maxLength: 12 }),
  traceTtls: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }) }),
  sentTtl: fc.integer({ min: 1, max: 255 }),
});

/** The reply context of a run, built the way src/scan/engine.ts builds it. */
function buildRun(spec: RunSpec, key: CookieKey = spec.key): Run {
  const probed = new Set(spec.ports);
  const tags = spec.traceTtls === 0 ? [0] : Array.from({ length: spec.traceTtls }, (_, i) => i + 1);
  const targets = spec.addresses.map((address): Target => {
    const flow = { source: requireAddress(spec.source), destination: requireAddress(address), flowId: spec.sourcePort };
    const template = tcpSyn.prepare(flow, key);
    return {
      address,
      flows: [
        { template, sentTags: (port) => (probed.has(port) ? tags : null) },
        { template: icmpEcho.prepare(flow, key), sentTags: () => [0] },
      ],
      flow,
      template,
      probed,
      tags,
    };
  });
  return {
    key,
    source: spec.source,
    sourcePort: spec.sourcePort,
    targets,
    context: { targets: new Map(targets.map((target) => [target.address, target])), sentTtl: spec.sentTtl },
  };
}

type ReplyKind = 'syn-ack' | 'rst' | 'rst-exact' | 'unreachable' | 'time-exceeded' | 'echo';

/** One reply to build against a run: which target, port and tag it answers (indexes taken modulo), and its free fields. */
interface ReplySpec {
  kind: ReplyKind;
  target: number;
  port: number;
  tag: number;
  ttl: number;
  router: string;
  id: number;
  extraFlags: number;
  serverSequence: number;
  quotedTtl: number;
  quotedId: number;
  quoteAll: boolean;
  code: number;
  echoSequence: number;
  options: Parameters<typeof tcpSegment>[1]['options'];
}

const replySpecArb: fc.Arbitrary<ReplySpec> = fc.record({
  kind: fc.constantFrom<ReplyKind>('syn-ack', 'rst', 'rst-exact', 'unreachable', 'time-exceeded', 'echo'),
  target: fc.nat({ max: 10 }),
  port: fc.nat({ max: 100 }),
  tag: fc.nat({ max: 100 }),
  ttl: fc.integer({ min: 0, max: 255 }),
  router: addressArb,
  id: portArb,
  extraFlags: fc.integer({ min: 0, max: 255 }),
  serverSequence: uint32Arb,
  quotedTtl: fc.integer({ min: 0, max: 255 }),
  quotedId: portArb,
  quoteAll: fc.boolean(),
  code: fc.integer({ min: 0, max: 15 }),
  echoSequence: portArb,
  options: tcpOptionsArb,
});

function ipFields(source: string, destination: string, ttl: number, id: number): IpFields {
  return { tos: 0, id, dontFragment: true, ttl, source, destination, optionWords: [] };
}

interface BuiltReply {
  bytes: Buffer;
  fields: Field[];
  target: Target;
  port: number;
  tag: number;
}

/** A reply that answers one of the run's probes, computed with `key` (the run's own, or another run's). */
function buildReply(run: Run, spec: ReplySpec, key: CookieKey = run.key): BuiltReply {
  const target = run.targets[spec.target % run.targets.length]!;
  const ports = [...target.probed];
  const port = ports[spec.port % ports.length]!;
  const tag = target.tags[spec.tag % target.tags.length]!;
  const cookie = synSequence(key, target.flow, port, tag);
  switch (spec.kind) {
    case 'syn-ack':
    case 'rst':
    case 'rst-exact': {
      const flags =
        spec.kind === 'syn-ack' ? (spec.extraFlags & ~TcpFlag.RST) | TcpFlag.SYN | TcpFlag.ACK : (spec.extraFlags & ~TcpFlag.SYN) | TcpFlag.RST | TcpFlag.ACK;
      const acknowledgment = spec.kind === 'rst-exact' ? cookie : (cookie + 1) >>> 0;
      const ip = ipFields(target.address, run.source, spec.ttl, spec.id);
      const segment = tcpSegment(ip, {
        sourcePort: port,
        destinationPort: run.sourcePort,
        sequence: spec.serverSequence,
        acknowledgment,
        flags,
        window: 0,
        options: spec.options,
        payload: [],
      });
      const header = ipv4Header(ip, IpProtocol.TCP, segment.length);
      const fields: Field[] = [...ipv4Fields(0), { name: 'tcp.dataOffset', at: 32, size: 'nibble-high' }, { name: 'tcp.flags', at: 33, size: 1 }];
      for (let at = 28; at < 32; at++) fields.push({ name: `tcp.ack[${at - 28}]`, at, size: 1 });
      return { bytes: Buffer.concat([header, segment]), fields, target, port, tag };
    }
    case 'unreachable':
    case 'time-exceeded': {
      const syn = (key === run.key ? target.template : tcpSyn.prepare(target.flow, key)).build(port, spec.quotedTtl, spec.quotedId, tag);
      const quote = spec.quoteAll ? syn : syn.subarray(0, 28);
      const message = Buffer.alloc(8 + quote.length);
      message[0] = spec.kind === 'unreachable' ? IcmpType.DEST_UNREACHABLE : IcmpType.TIME_EXCEEDED;
      message[1] = spec.kind === 'unreachable' ? spec.code : 0;
      quote.copy(message, 8);
      message.writeUInt16BE(internetChecksum(message), 2);
      const header = ipv4Header(ipFields(spec.router, run.source, spec.ttl, spec.id), IpProtocol.ICMP, message.length);
      const fields: Field[] = [...ipv4Fields(0), { name: 'icmp.type', at: 20, size: 1 }, ...ipv4Fields(28, 'quote')];
      for (let at = 48; at < 56; at++) fields.push({ name: `quote.tcp[${at - 48}]`, at, size: 1 });
      return { bytes: Buffer.concat([header, message]), fields, target, port, tag };
    }
    case 'echo': {
      const data = Buffer.alloc(ECHO_DATA_BYTES);
      data.writeUInt32BE(echoCookie(key, target.flow, spec.echoSequence), 0);
      const message = Buffer.alloc(8 + data.length);
      writeIcmpEcho(message, 0, { type: IcmpType.ECHO_REPLY, identifier: run.sourcePort, sequence: spec.echoSequence, data });
      const header = ipv4Header(ipFields(target.address, run.source, spec.ttl, spec.id), IpProtocol.ICMP, message.length);
      const fields: Field[] = [...ipv4Fields(0), { name: 'icmp.type', at: 20, size: 1 }];
      for (let at = 24; at < 32; at++) fields.push({ name: `icmp.echo[${at - 24}]`, at, size: 1 });
      return { bytes: Buffer.concat([header, message]), fields, target, port, tag: spec.echoSequence };
    }
  }
}

/** An event as comparable data (the target by address). */
function project(event: ReplyEvent<Target>): unknown {
  return JSON.parse(
    JSON.stringify({ ...event, target: 'target' in event ? event.target.address : undefined, flow: 'flow' in event ? event.flow.template.module.name : undefined }),
  );
}

/**
 * classifyReply on `packet` inside two guard bands: the same event whatever
 * surrounds the packet, and no byte of the packet or around it changed.
 */
function classifyGuarded(packet: Uint8Array, context: ReplyContext<Target>): ReplyEvent<Target> {
  const low = guarded(packet, 0x00);
  const high = guarded(packet, 0xff);
  const event = classifyReply(low.input, context);
  const other = classifyReply(high.input, context);
  if (JSON.stringify(project(event)) !== JSON.stringify(project(other))) {
    throw new Error(`event depends on bytes outside the packet: ${JSON.stringify(project(event))} vs ${JSON.stringify(project(other))}`);
  }
  if (!low.backing.equals(low.original) || !high.backing.equals(high.original)) throw new Error('classifyReply wrote into the packet');
  return event;
}

function u16(p: Buffer, at: number): number {
  if (at + 2 > p.length) throw new Error(`reading 2 bytes at ${at} of ${p.length}`);
  return p.readUInt16BE(at);
}
function u32(p: Buffer, at: number): number {
  if (at + 4 > p.length) throw new Error(`reading 4 bytes at ${at} of ${p.length}`);
  return p.readUInt32BE(at);
}
function addr(p: Buffer, at: number): string {
  if (at + 4 > p.length) throw new Error(`reading an address at ${at} of ${p.length}`);
  return `${p[at]}.${p[at + 1]}.${p[at + 2]}.${p[at + 3]}`;
}

/**
 * Why `event` is not proven by `packet`'s raw bytes (null when it is): the
 * addresses, ports and tag of one of our probes, and the keyed cookie in the
 * acknowledgment number, the quoted sequence number or the echo data.
 */
function unproven(packet: Buffer, event: ReplyEvent<Target>, run: Run): string | null {
  if (event.type === 'unrelated') return null;
  const target = run.context.targets.get(event.target.address);
  if (target !== event.target) return `event for ${event.target.address}, not one of our targets`;
  if (event.type === 'ignored') return null;
  try {
    const ihl = (packet[0]! & 0x0f) * 4;
    if (packet[0]! >>> 4 !== 4 || ihl < 20) return 'not IPv4';
    if ((u16(packet, 6) & 0x3fff) !== 0) return 'a fragment';
    const protocol = packet[9];
    const from = addr(packet, 12);
    const to = addr(packet, 16);
    const ttl = packet[8];
    const cookieOf = (port: number, tag: number): number => synSequence(run.key, target.flow, port, tag);
    const probedTag = (port: number, tag: number): string | null =>
      !target.probed.has(port) ? `port ${port} was not probed` : !target.tags.includes(tag) ? `tag ${tag} was not sent` : null;
    if (event.type === 'answer' && event.kind === 'echo-reply') {
      if (protocol !== IpProtocol.ICMP || packet[ihl] !== IcmpType.ECHO_REPLY) return 'echo event for a non-echo-reply';
      if (from !== target.address || event.ttl !== ttl) return 'echo from/ttl';
      if (u16(packet, ihl + 4) !== run.sourcePort) return 'echo identifier';
      const sequence = u16(packet, ihl + 6);
      if (event.subject !== sequence || event.tag !== 0) return 'echo sequence/tag';
      if (u32(packet, ihl + 8) !== echoCookie(run.key, target.flow, sequence)) return 'echo data without our cookie';
      return null;
    }
    if (event.type === 'answer' && (event.kind === 'syn-ack' || event.kind === 'rst')) {
      if (protocol !== IpProtocol.TCP || from !== target.address || to !== run.source) return 'TCP reply addresses';
      if (u16(packet, ihl) !== event.subject || u16(packet, ihl + 2) !== run.sourcePort) return 'TCP reply ports';
      const notProbed = probedTag(event.subject, event.tag);
      if (notProbed) return notProbed;
      const flags = packet[ihl + 13]!;
      const ack = u32(packet, ihl + 8);
      const cookie = cookieOf(event.subject, event.tag);
      // The reply rule (classifySynAnswer): ACK set, exactly one of SYN and RST, acking cookie + 1.
      if ((flags & TcpFlag.ACK) === 0) return 'reply without ACK';
      if (ack !== ((cookie + 1) >>> 0)) return 'ack is not our cookie + 1';
      if (event.kind === 'syn-ack' && ((flags & TcpFlag.SYN) === 0 || (flags & TcpFlag.RST) !== 0)) return 'SYN-ACK flags';
      if (event.kind === 'rst' && ((flags & TcpFlag.RST) === 0 || (flags & TcpFlag.SYN) !== 0)) return 'RST flags';
      if (event.from !== from || event.ttl !== ttl) return 'reply from/ttl';
      return null;
    }
    // An ICMP error quoting our SYN.
    const expectedType = event.type === 'time-exceeded' ? IcmpType.TIME_EXCEEDED : IcmpType.DEST_UNREACHABLE;
    if (event.type === 'answer' && event.kind !== 'icmp-unreachable') return `unknown reply kind ${event.kind}`;
    if (protocol !== IpProtocol.ICMP || packet[ihl] !== expectedType) return `ICMP type ${packet[ihl]} for a ${event.type} event`;
    const q = ihl + 8;
    const quotedIhl = (packet[q]! & 0x0f) * 4;
    if (packet[q]! >>> 4 !== 4 || quotedIhl < 20) return 'quote not IPv4';
    if (packet[q + 9] !== IpProtocol.TCP || addr(packet, q + 12) !== run.source || addr(packet, q + 16) !== target.address) return 'quoted protocol/addresses';
    const quotedTcp = q + quotedIhl;
    if (u16(packet, quotedTcp) !== run.sourcePort || u16(packet, quotedTcp + 2) !== event.subject) return 'quoted ports';
    const notProbed = probedTag(event.subject, event.tag);
    if (notProbed) return notProbed;
    if (u32(packet, quotedTcp + 4) !== cookieOf(event.subject, event.tag)) return 'quoted sequence is not our cookie';
    if (event.type === 'time-exceeded') {
      if (event.from !== from || event.ttl !== ttl || event.quotedIpId !== u16(packet, q + 4)) return 'time-exceeded from/ttl/quotedIpId';
      return null;
    }
    const icmp = event.type === 'answer' ? event.icmp : null;
    if (!icmp || event.from !== from || event.ttl !== ttl || icmp.icmpType !== packet[ihl] || icmp.icmpCode !== packet[ihl + 1]) return 'unreachable from/ttl/type/code';
    if (icmp.quotedTtl !== packet[q + 8] || icmp.sentTtl !== run.context.sentTtl) return 'quoted/sent TTL';
    return null;
  } catch (error) {
    return `the packet is too short to prove it: ${(error as Error).message}`;
  }
}

function assertProven(packet: Buffer, event: ReplyEvent<Target>, run: Run): void {
  const why = unproven(packet, event, run);
  if (why !== null) throw new Error(`${event.type} event not proven by our cookie (${why}): ${JSON.stringify(project(event))} for ${packet.toString('hex')}`);
}

const VALIDATED = new Set(['answer', 'time-exceeded']);

t.test('valid replies are classified as what they answer', async (t) => {
  fc.assert(
    fc.property(runSpecArb, replySpecArb, (spec, replySpec) => {
      const run = buildRun(spec);
      const reply = buildReply(run, replySpec);
      const event = classifyGuarded(reply.bytes, run.context);
      assertProven(reply.bytes, event, run);
      const kind = replySpec.kind;
      // A RST acking the sequence number itself proves nothing (see classifySynAnswer): aimed at us, ignored.
      if (kind === 'rst-exact') return event.type === 'ignored' && event.target === reply.target;
      if (kind === 'echo') return event.type === 'answer' && event.kind === 'echo-reply' && event.target === reply.target && event.subject === reply.tag && event.ttl === replySpec.ttl;
      if (kind === 'time-exceeded') return event.type === 'time-exceeded' && event.target === reply.target && event.subject === reply.port && event.tag === reply.tag && event.from === replySpec.router;
      if (event.type !== 'answer' || event.target !== reply.target || event.subject !== reply.port || event.tag !== reply.tag) return false;
      if (kind === 'unreachable') return event.kind === 'icmp-unreachable' && event.icmp?.icmpCode === replySpec.code && event.icmp.quotedTtl === replySpec.quotedTtl;
      return event.kind === kind && event.ttl === replySpec.ttl;
    }),
    fuzz(30, 4000),
  );
  t.pass('SYN-ACK, RST, unreachable, time exceeded and echo replies; a RST acking seq is ignored');
});

t.test('mutated replies: never a throw, and every validated event carries our cookie', async (t) => {
  let validated = 0;
  fc.assert(
    fc.property(runSpecArb, replySpecArb, mutationsArb(4), (spec, replySpec, mutations) => {
      const run = buildRun(spec);
      const reply = buildReply(run, replySpec);
      const packet = mutate(reply.bytes, mutations, reply.fields);
      const event = classifyGuarded(packet, run.context);
      if (VALIDATED.has(event.type)) validated++;
      assertProven(packet, event, run);
    }),
    fuzz(31, 20000),
  );
  t.ok(validated > 0, `${validated} mutated replies still validated, each proven`);
});

t.test('every truncation of a valid reply', async (t) => {
  fc.assert(
    fc.property(runSpecArb, replySpecArb, (spec, replySpec) => {
      const run = buildRun(spec);
      const reply = buildReply(run, replySpec);
      for (let length = 0; length < reply.bytes.length; length++) {
        const packet = reply.bytes.subarray(0, length);
        const event = classifyGuarded(packet, run.context);
        // Link-layer padding aside, a reply cut short fails the IPv4 total length check: nothing validates.
        if (VALIDATED.has(event.type)) throw new Error(`${event.type} from a reply cut to ${length} bytes`);
      }
    }),
    fuzz(32, 1000),
  );
  t.pass('no truncated reply validates');
});

/** Packets aimed at the run (its addresses and ports, mostly) with random sequence, acknowledgment, quoted sequence and echo data. */
function randomAimedPacket(run: Run): fc.Arbitrary<Buffer> {
  const ports = [...run.targets[0]!.probed];
  const someAddress = (known: readonly string[]): fc.Arbitrary<string> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: addressArb });
  const somePort = (known: readonly number[]): fc.Arbitrary<number> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: portArb });
  const addresses = run.targets.map((x) => x.address);
  const tcp = fc
    .record({
      source: someAddress(addresses),
      destination: someAddress([run.source]),
      sourcePort: somePort(ports),
      destinationPort: somePort([run.sourcePort]),
      sequence: uint32Arb,
      acknowledgment: uint32Arb,
      flags: fc.oneof(fc.constantFrom(0x12, 0x14, 0x04, 0x16, 0x1e), fc.integer({ min: 0, max: 255 })),
      ttl: fc.integer({ min: 0, max: 255 }),
    })
    .map((r) => {
      const ip = ipFields(r.source, r.destination, r.ttl, 0);
      const segment = tcpSegment(ip, { ...r, window: 0, options: {}, payload: [] });
      return Buffer.concat([ipv4Header(ip, IpProtocol.TCP, segment.length), segment]);
    });
  const icmpError = fc
    .record({
      type: fc.constantFrom(3, 11, 3, 11, 4, 5, 12),
      router: addressArb,
      quotedSource: someAddress([run.source]),
      quotedDestination: someAddress(addresses),
      quotedProtocol: fc.oneof({ weight: 4, arbitrary: fc.constant(6) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
      sourcePort: somePort([run.sourcePort]),
      destinationPort: somePort(ports),
      sequence: uint32Arb,
      ttl: fc.integer({ min: 0, max: 255 }),
    })
    .map((r) => {
      const quotedTcp = Buffer.alloc(8);
      quotedTcp.writeUInt16BE(r.sourcePort, 0);
      quotedTcp.writeUInt16BE(r.destinationPort, 2);
      quotedTcp.writeUInt32BE(r.sequence, 4);
      const quoted = Buffer.concat([ipv4Header(ipFields(r.quotedSource, r.quotedDestination, 1, 0), r.quotedProtocol, 24), quotedTcp]);
      const message = Buffer.concat([Buffer.from([r.type, 0, 0, 0, 0, 0, 0, 0]), quoted]);
      return Buffer.concat([ipv4Header(ipFields(r.router, run.source, r.ttl, 0), IpProtocol.ICMP, message.length), message]);
    });
  const echo = fc
    .record({ source: someAddress(addresses), identifier: somePort([run.sourcePort]), sequence: portArb, data: fc.uint8Array({ maxLength: 16 }), ttl: fc.integer({ min: 0, max: 255 }) })
    .map((r) => {
      const message = Buffer.alloc(8 + r.data.length);
      writeIcmpEcho(message, 0, { type: IcmpType.ECHO_REPLY, identifier: r.identifier, sequence: r.sequence, data: r.data });
      return Buffer.concat([ipv4Header(ipFields(r.source, run.source, r.ttl, 0), IpProtocol.ICMP, message.length), message]);
    });
  return fc.oneof(tcp, icmpError, echo, fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)));
}

t.test('random packets aimed at a run with a fresh newCookieKey never validate', async (t) => {
  let ignored = 0;
  fc.assert(
    fc.property(
      runSpecArb.chain((spec) => {
        // A real per-run key, as the engine makes it; the packets cannot know it.
        const run = buildRun(spec, newCookieKey());
        return fc.tuple(fc.constant(run), fc.array(randomAimedPacket(run), { minLength: 1, maxLength: 8 }));
      }),
      ([run, packets]) => {
        for (const packet of packets) {
          const event = classifyGuarded(packet, run.context);
          if (VALIDATED.has(event.type)) throw new Error(`random packet validated as ${event.type} under key ${run.key.join(',')}: ${packet.toString('hex')}`);
          if (event.type === 'ignored') ignored++;
          assertProven(packet, event, run);
        }
      },
    ),
    fuzz(33, 4000),
  );
  t.ok(ignored > 0, `${ignored} random packets reached validation and were ignored`);
});

t.test('arbitrary bytes never validate', async (t) => {
  fc.assert(
    fc.property(runSpecArb, fc.uint8Array({ maxLength: 120 }), (spec, bytes) => {
      const run = buildRun(spec);
      const event = classifyGuarded(bytes, run.context);
      return !VALIDATED.has(event.type);
    }),
    fuzz(34, 10000),
  );
  t.pass('only ignored or unrelated');
});

t.test("another run's replies (another key) never validate", async (t) => {
  fc.assert(
    fc.property(runSpecArb, replySpecArb, fc.tuple(uint32Arb, uint32Arb), (spec, replySpec, otherKey) => {
      fc.pre(otherKey[0] !== spec.key[0] || otherKey[1] !== spec.key[1]);
      const run = buildRun(spec);
      const reply = buildReply(run, replySpec, otherKey);
      const event = classifyGuarded(reply.bytes, run.context);
      return !VALIDATED.has(event.type) && (event.type === 'unrelated' || event.target === reply.target);
    }),
    fuzz(35, 5000),
  );
  t.pass("a second scan's replies are ignored, not taken");
});

t.test('a spoofed RST for a port we did not probe is ignored', async (t) => {
  fc.assert(
    fc.property(runSpecArb, replySpecArb, portArb, (spec, replySpec, unprobed) => {
      fc.pre(!spec.ports.includes(unprobed));
      const run = buildRun(spec);
      // Correct cookie for the unprobed port: only the probed-port check can refuse it.
      const target = run.targets[replySpec.target % run.targets.length]!;
      const cookie = (synSequence(run.key, target.flow, unprobed, 0) + 1) >>> 0;
      const ip = ipFields(target.address, run.source, replySpec.ttl, 0);
      const segment = tcpSegment(ip, { sourcePort: unprobed, destinationPort: run.sourcePort, sequence: 0, acknowledgment: cookie, flags: TcpFlag.RST | TcpFlag.ACK, window: 0, options: {}, payload: [] });
      const event = classifyGuarded(Buffer.concat([ipv4Header(ip, IpProtocol.TCP, segment.length), segment]), run.context);
      return event.type === 'ignored' && event.target === target && event.reason === `port ${unprobed} was not probed`;
    }),
    fuzz(36, 2000),
  );
  t.pass('counted as ignored, never a verdict');
});

t.test('fragments of valid replies are unrelated', async (t) => {
  fc.assert(
    fc.property(runSpecArb, replySpecArb, fc.integer({ min: 1, max: 0x3fff }), (spec, replySpec, fragment) => {
      const run = buildRun(spec);
      const reply = buildReply(run, replySpec);
      // More-fragments and/or a fragment offset; the header checksum is not checked, so it is left stale.
      reply.bytes.writeUInt16BE((reply.bytes.readUInt16BE(6) & 0x4000) | (fragment & 0x3fff), 6);
      return classifyGuarded(reply.bytes, run.context).type === 'unrelated';
    }),
    fuzz(37, 2000),
  );
  t.pass('a fragment never validates');
});
