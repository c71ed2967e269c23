import { formatIPv6, parseIPv4, parseIPv6 } from '../packet/address.js';
import { IcmpType, IpProtocol } from '../packet/index.js';
import { Icmpv6Type } from '../packet/icmpv6.js';
import { ICMPV6_PROTOCOL } from '../packet/network.js';
import { TcpFlag } from '../packet/tcp.js';
import type { ByteWindow } from './byte-window.js';
import { CaptureErrorCode, CaptureFormatError } from './errors.js';
import { ipv6AddressWords, ipv6Digest, type DecodedIcmp, type DecodedPacket, type DecodedTcp, type QuotedDatagram } from './decoded.js';
import { emptyCounts, type FrameCounts } from './frames.js';

/**
 * tcpdump's text output with -v, in today's two-line form
 *
 *   03:01:36.721177 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)
 *       198.18.4.2.22 > 198.18.1.1.44700: Flags [R.], cksum 0x9142 (incorrect -> 0xbd9b), seq 0, ack 583831438, win 0, length 0
 *
 * and the older one-line form
 *
 *   IP (tos 0x0, ttl  63, id 0, offset 0, flags [DF], proto: TCP (6), length: 40) 10.1.2.3.22 > 10.9.8.7.50000: R, cksum 0x1234 (correct), 0:0(0) ack 1 win 0
 *
 * and IPv6 in both forms (the header is in parentheses after IP6):
 *
 *   03:01:36.721177 IP6 (flowlabel 0xdbd4a, hlim 63, next-header TCP (6) payload length: 20) 2001:2:0:4::2.22 > 2001:2:0:1::1.42484: Flags [R.], ...
 *   IP6 (hlim 64, next-header: TCP (6), length: 40) 2001:2::1.50000 > 2001:2::2.22: S 1:1(0) win 5840
 *
 * tcpdump prints no quoted packet for an ICMPv6 error, only its destination
 * (and the port of a port unreachable): such a quote is marked partial.
 *
 * A packet is a line starting at column 0 plus the indented lines after it
 * (tcpdump indents the second line and the datagram an ICMP error quotes).
 * Addresses must be numeric (tcpdump -n). Timestamps may be absent (-t),
 * times of day (default; a jump back of more than 12 hours is taken as the
 * next day, counted from day 0 = 1970-01-01), epoch seconds (-tt) or date
 * and time (-tttt, read as UTC).
 */

/** What one packet of text turned out to be. */
export type TextPacket =
  | { kind: 'ipv4'; packet: DecodedPacket }
  | { kind: 'ipv6'; packet: DecodedPacket }
  /** A packet of another protocol (IP6, ARP, ...). */
  | { kind: 'other' }
  | { kind: 'undecodable'; reason: string }
  /** Not a packet: tcpdump's own messages, blank lines, prose around a pasted capture. */
  | { kind: 'none' };

const TIME_OF_DAY = /^(?:(\d{4})-(\d{2})-(\d{2})[ T])?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?=\s)/;
const EPOCH = /^(\d{9,11})(?:\.(\d{1,9}))?(?=\s)/;
const IP_HEADER =
  /\(tos 0x[0-9a-f]+(?:,\s*[A-Za-z-]+(?:\(\d\))?)?,\s*ttl\s+(\d+),\s*id\s+(\d+),\s*offset\s+(\d+),\s*flags\s+\[([^\]]*)\],\s*proto:?\s+\S+\s+\((\d+)\),\s*length:?\s+(\d+)[^)]*\)/g;
const ADDRESSES = /(\d{1,3}(?:\.\d{1,3}){3})(?:\.([A-Za-z0-9-]+))? > (\d{1,3}(?:\.\d{1,3}){3})(?:\.([A-Za-z0-9-]+))?:\s?(.*)/s;
/** tcpdump -v's IPv6 header: "IP6 (" ... ")" with parenthesised numbers inside. */
const IP6_HEADER = /\bIP6 \(((?:[^()]|\(\d+\))*)\)/;
const IP6_ADDRESSES = /([0-9A-Fa-f]*:[0-9A-Fa-f:]*)(?:\.([A-Za-z0-9-]+))? > ([0-9A-Fa-f]*:[0-9A-Fa-f:]*)(?:\.([A-Za-z0-9-]+))?:\s?(.*)/s;
const NOT_A_PACKET = /^(?:tcpdump:|listening on |reading from |dropped privs|\d+ packets? (?:captured|received|dropped))/;
const OTHER_PROTOCOL = /\b(?:IP6|ARP|RARP|STP|LLDP|CDP|LLC|ethertype (?!IPv4)|802\.1)/;

/** Port names older tcpdumps print even with -n (only -nn made them numeric). */
const SERVICES: ReadonlyMap<string, number> = new Map([
  ['ftp-data', 20],
  ['ftp', 21],
  ['ssh', 22],
  ['telnet', 23],
  ['smtp', 25],
  ['domain', 53],
  ['http', 80],
  ['www', 80],
  ['pop3', 110],
  ['sunrpc', 111],
  ['imap', 143],
  ['ldap', 389],
  ['https', 443],
  ['microsoft-ds', 445],
  ['submission', 587],
  ['ldaps', 636],
  ['imaps', 993],
  ['pop3s', 995],
  ['ms-sql-s', 1433],
  ['mysql', 3306],
  ['ms-wbt-server', 3389],
  ['postgresql', 5432],
  ['http-alt', 8080],
]);

/** Codes of ICMP destination unreachable, from tcpdump's wording (print-icmp.c). */
const UNREACHABLE: ReadonlyArray<readonly [RegExp, number]> = [
  [/^net \S+ unreachable$/, 0],
  [/^host \S+ unreachable$/, 1],
  [/^\S+ protocol \d+ unreachable$/, 2],
  [/^\S+ (?:tcp|udp) port \S+ unreachable$/, 3],
  [/^\S+ protocol \d+ port \d+ unreachable$/, 3],
  [/^\S+ unreachable - need to frag(?: \(mtu \d+\))?$/, 4],
  [/^\S+ unreachable - source route failed$/, 5],
  [/^net \S+ unreachable - unknown$/, 6],
  [/^host \S+ unreachable - unknown$/, 7],
  [/^\S+ unreachable - source host isolated$/, 8],
  [/^net \S+ unreachable - admin prohibited$/, 9],
  [/^host \S+ unreachable - admin prohibited$/, 10],
  [/^net \S+ unreachable - tos prohibited$/, 11],
  [/^host \S+ unreachable - tos prohibited$/, 12],
  [/^host \S+ unreachable - admin prohibited filter$/, 13],
  [/^host \S+ unreachable - host precedence violation$/, 14],
  [/^host \S+ unreachable - precedence cutoff$/, 15],
];

const FLAG_LETTERS: Readonly<Record<string, number>> = {
  F: TcpFlag.FIN,
  S: TcpFlag.SYN,
  R: TcpFlag.RST,
  P: TcpFlag.PSH,
  '.': TcpFlag.ACK,
  U: TcpFlag.URG,
  E: TcpFlag.ECE,
  W: TcpFlag.CWR,
};

const DAY_MS = 86_400_000;

/**
 * Turns tcpdump's line timestamps into milliseconds. Times of day are
 * counted from 1970-01-01 and roll over to the next day when they jump back
 * by more than 12 hours; without timestamps every packet gets the last
 * known time (0 at first).
 */
export class TextClock {
  private dayMs = 0;
  private lastOfDay = -1;
  lastMs = 0;

  /** Reads a leading timestamp from `line`; returns the number of characters it took (0 for none). */
  read(line: string): number {
    const day = TIME_OF_DAY.exec(line);
    if (day) {
      const [, year, month, date, hours, minutes, seconds, fraction] = day;
      const ofDay = (Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000 + fractionMs(fraction);
      if (year !== undefined) {
        this.lastMs = Date.UTC(Number(year), Number(month) - 1, Number(date)) + ofDay;
      } else {
        if (this.lastOfDay >= 0 && ofDay < this.lastOfDay - DAY_MS / 2) this.dayMs += DAY_MS;
        this.lastOfDay = ofDay;
        this.lastMs = this.dayMs + ofDay;
      }
      return day[0].length;
    }
    const epoch = EPOCH.exec(line);
    if (epoch) {
      this.lastMs = Number(epoch[1]) * 1000 + fractionMs(epoch[2]);
      return epoch[0].length;
    }
    return 0;
  }
}

function fractionMs(fraction: string | undefined): number {
  if (fraction === undefined) return 0;
  return (Number(fraction) / 10 ** fraction.length) * 1000;
}

function portOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (/^\d+$/.test(text)) {
    const port = Number(text);
    return port <= 65535 ? port : null;
  }
  return SERVICES.get(text) ?? null;
}


/** One "(tos ...)" IPv4 header found in a packet's text, with the text after it up to the next header. */
interface HeaderMatch {
  ttl: number;
  offset: number;
  protocol: number;
  body: string;
}

function headersOf(text: string): HeaderMatch[] {
  const found: { index: number; end: number; ttl: number; offset: number; protocol: number }[] = [];
  IP_HEADER.lastIndex = 0;
  for (let match = IP_HEADER.exec(text); match !== null; match = IP_HEADER.exec(text)) {
    found.push({
      index: match.index,
      end: match.index + match[0].length,
      ttl: Number(match[1]),
      offset: Number(match[3]),
      protocol: Number(match[5]),
    });
  }
  return found.map((header, i) => ({
    ttl: header.ttl,
    offset: header.offset,
    protocol: header.protocol,
    body: text.slice(header.end, found[i + 1]?.index ?? text.length),
  }));
}

/** TCP flags, sequence and acknowledgment from the text after "a.b.c.d.port > e.f.g.h.port: ". */
function parseTcp(body: string, sourcePort: number, destinationPort: number): DecodedTcp | string {
  let flags = 0;
  let letters: string;
  const modern = /^Flags \[([^\]]*)\]/.exec(body);
  if (modern) {
    letters = modern[1] === 'none' ? '' : modern[1]!;
  } else {
    const old = /^([SFRPWEU.]+)(?=[ ,]|$)/.exec(body);
    if (!old) return 'no TCP flags in the text';
    letters = old[1]!;
  }
  for (const letter of letters) flags |= FLAG_LETTERS[letter] ?? 0;
  const ack = /(?:^|[ ,])ack (\d+)/.exec(body);
  if (ack) flags |= TcpFlag.ACK;
  const seq = /(?:^|[ ,])seq (\d+)/.exec(body) ?? /(?:^|[ ,])(\d+):\d+\(\d+\)/.exec(body);
  const sequence = seq ? Number(seq[1]) : null;
  const acknowledgment = ack ? Number(ack[1]) : null;
  if ((sequence !== null && sequence > 0xffffffff) || (acknowledgment !== null && acknowledgment > 0xffffffff)) {
    return 'TCP sequence or acknowledgment number beyond 32 bits';
  }
  return { sourcePort, destinationPort, sequence, acknowledgment, flags };
}

/** ICMP type, code and echo fields from the text after "a.b.c.d > e.f.g.h: ". */
function parseIcmp(body: string): DecodedIcmp | null {
  const echo = /^ICMP echo (request|reply)(?:, id (\d+))?,? seq (\d+)/.exec(body);
  if (echo) {
    if (Number(echo[2] ?? 0) > 0xffff || Number(echo[3]) > 0xffff) return null;
    return {
      type: echo[1] === 'request' ? IcmpType.ECHO_REQUEST : IcmpType.ECHO_REPLY,
      code: 0,
      identifier: echo[2] === undefined ? null : Number(echo[2]),
      sequence: Number(echo[3]),
      quote: null,
    };
  }
  const message = /^ICMP (.+?), length \d+/.exec(body)?.[1];
  if (message === undefined) return null;
  if (message === 'time exceeded in-transit' || message === 'ip reassembly time exceeded') {
    return { type: IcmpType.TIME_EXCEEDED, code: message.startsWith('time') ? 0 : 1, identifier: null, sequence: null, quote: null };
  }
  const numbered = /^#(\d+) \S+ unreachable$/.exec(message);
  if (numbered && Number(numbered[1]) <= 255) return { type: IcmpType.DEST_UNREACHABLE, code: Number(numbered[1]), identifier: null, sequence: null, quote: null };
  for (const [pattern, code] of UNREACHABLE) {
    if (pattern.test(message)) return { type: IcmpType.DEST_UNREACHABLE, code, identifier: null, sequence: null, quote: null };
  }
  return null;
}

/**
 * Parses one packet of tcpdump -v text (its first line plus its indented
 * lines, joined with "\n"). `clock` reads the timestamp. Pure apart from
 * the clock; never throws.
 */
export function parseTextPacket(text: string, clock: TextClock): TextPacket {
  const stamp = clock.read(text);
  const rest = text.slice(stamp).trimStart();
  if (rest === '' || (stamp === 0 && NOT_A_PACKET.test(rest))) return { kind: 'none' };
  const firstLine = rest.split('\n', 1)[0]!;
  // `tcpdump -i any` puts the interface and direction first ("eth1  Out IP6 ...").
  if (/^(?:[\w.@-]+\s+(?:In|Out|M|B|P)\s+)?IP6\b/.test(firstLine)) return parseIPv6Packet(rest, firstLine, clock.lastMs);
  const headers = headersOf(rest);
  const first = headers[0];
  if (first && (first.ttl > 255 || first.protocol > 255)) {
    return { kind: 'undecodable', reason: `IPv4 header fields out of range (ttl ${first.ttl}, protocol ${first.protocol})` };
  }
  if (!first || !firstLine.includes('(tos ')) {
    if (stamp === 0 && !/^IP\b/.test(rest)) return { kind: 'none' };
    if (OTHER_PROTOCOL.test(firstLine) || !/\bIP\b/.test(firstLine)) return { kind: 'other' };
    return { kind: 'undecodable', reason: 'IPv4 packet without its header fields (tcpdump ran without -v)' };
  }
  const addresses = ADDRESSES.exec(first.body);
  const sourceValue = addresses ? parseIPv4(addresses[1]!) : null;
  const destinationValue = addresses ? parseIPv4(addresses[3]!) : null;
  if (!addresses || sourceValue === null || destinationValue === null) {
    return { kind: 'undecodable', reason: 'no numeric "a.b.c.d > e.f.g.h:" addresses (tcpdump ran without -n?)' };
  }
  const packet: DecodedPacket = {
    timestampMs: clock.lastMs,
    family: 4,
    source: addresses[1]!,
    destination: addresses[3]!,
    sourceValue,
    destinationValue,
    addressWords: null,
    ttl: first.ttl,
    protocol: first.protocol,
    laterFragment: first.offset !== 0,
    tcp: null,
    icmp: null,
  };
  if (packet.laterFragment) return { kind: 'ipv4', packet };
  const body = addresses[5]!;
  if (first.protocol === IpProtocol.TCP) {
    const sourcePort = portOf(addresses[2]);
    const destinationPort = portOf(addresses[4]);
    if (sourcePort === null || destinationPort === null) return { kind: 'undecodable', reason: 'TCP packet without numeric ports' };
    const tcp = parseTcp(body, sourcePort, destinationPort);
    if (typeof tcp === 'string') return { kind: 'undecodable', reason: tcp };
    packet.tcp = tcp;
  } else if (first.protocol === IpProtocol.ICMP) {
    const icmp = parseIcmp(body);
    const quoted = headers[1];
    if (icmp && icmp.type !== IcmpType.ECHO_REPLY && icmp.type !== IcmpType.ECHO_REQUEST && quoted) {
      icmp.quote = parseQuote(quoted);
    }
    packet.icmp = icmp;
  }
  return { kind: 'ipv4', packet };
}

/** An IPv6 packet of tcpdump -v text (`rest` starts with "IP6"). */
function parseIPv6Packet(rest: string, firstLine: string, timestampMs: number): TextPacket {
  const header = IP6_HEADER.exec(firstLine);
  if (!header || !/\bhlim\s+\d+/.test(header[1]!)) return { kind: 'undecodable', reason: 'IPv6 packet without its header fields (tcpdump ran without -v)' };
  const fields = header[1]!;
  const hopLimit = Number(/\bhlim\s+(\d+)/.exec(fields)![1]);
  const next = /next-header:?\s+\S+\s+\((\d+)\)/.exec(fields);
  if (!next) return { kind: 'undecodable', reason: 'IPv6 header without its next header (tcpdump ran without -v?)' };
  let protocol = Number(next[1]);
  // Behind hop-by-hop, routing or destination options (0, 43, 60) the header names no upper layer: tcpdump's text does.
  if ((protocol === 0 || protocol === 43 || protocol === 60) && /\bICMP6, /.test(firstLine)) protocol = ICMPV6_PROTOCOL;
  if (hopLimit > 255 || protocol > 255) return { kind: 'undecodable', reason: `IPv6 header fields out of range (hlim ${hopLimit}, next header ${protocol})` };
  const body = rest.slice(header.index + header[0].length);
  const addresses = IP6_ADDRESSES.exec(body);
  const source = addresses ? parseIPv6(addresses[1]!) : null;
  const destination = addresses ? parseIPv6(addresses[3]!) : null;
  if (!addresses || source === null || destination === null) {
    return { kind: 'undecodable', reason: 'no numeric "a:b::c > d:e::f:" IPv6 addresses (tcpdump ran without -n?)' };
  }
  const words = ipv6AddressWords(source, destination);
  const packet: DecodedPacket = {
    timestampMs,
    family: 6,
    source: formatIPv6(source),
    destination: formatIPv6(destination),
    sourceValue: ipv6Digest(words, 0),
    destinationValue: ipv6Digest(words, 4),
    addressWords: words,
    ttl: hopLimit,
    protocol,
    // tcpdump prints "frag (offset|length)" for a fragment header; only the first fragment carries the transport header.
    laterFragment: /\bfrag \(0x[0-9a-f]+:[1-9]\d*\|/.test(body),
    tcp: null,
    icmp: null,
  };
  if (packet.laterFragment) return { kind: 'ipv6', packet };
  const text = addresses[5]!;
  if (protocol === IpProtocol.TCP) {
    const sourcePort = portOf(addresses[2]);
    const destinationPort = portOf(addresses[4]);
    if (sourcePort === null || destinationPort === null) return { kind: 'undecodable', reason: 'TCP packet without numeric ports' };
    const tcp = parseTcp(text, sourcePort, destinationPort);
    if (typeof tcp === 'string') return { kind: 'undecodable', reason: tcp };
    packet.tcp = tcp;
  } else if (protocol === ICMPV6_PROTOCOL) {
    packet.icmp = parseIcmpv6(text, packet);
  }
  return { kind: 'ipv6', packet };
}

/** The partial quote of an ICMPv6 error as tcpdump prints it: the quoted destination, maybe its source and port. */
function partialQuote(packet: DecodedPacket, destinationText: string, sourceText: string | null, destinationPort: number | null, protocol: number): QuotedDatagram | null {
  const destination = parseIPv6(destinationText);
  const source = sourceText === null ? parseIPv6(packet.destination) : parseIPv6(sourceText);
  if (destination === null || source === null) return null;
  const words = ipv6AddressWords(source, destination);
  return {
    source: formatIPv6(source),
    destination: formatIPv6(destination),
    sourceValue: ipv6Digest(words, 0),
    destinationValue: ipv6Digest(words, 4),
    addressWords: words,
    partial: true,
    ttl: -1,
    protocol,
    sourcePort: null,
    destinationPort,
    sequence: null,
  };
}

/**
 * ICMPv6 type, code, echo fields and the partial quote from the text after
 * "a::b > c::d: " (print-icmp6.c's wording). -1 as the quote's protocol and
 * TTL: not printed.
 */
function parseIcmpv6(body: string, packet: DecodedPacket): DecodedIcmp | null {
  const message = /ICMP6, ([^\n]*)/.exec(body)?.[1];
  if (message === undefined) return null;
  const icmp = (type: number, code: number, quote: QuotedDatagram | null = null): DecodedIcmp => ({ type, code, identifier: null, sequence: null, quote });
  const echo = /^echo (request|reply), id (\d+), seq (\d+)/.exec(message);
  if (echo) {
    if (Number(echo[2]) > 0xffff || Number(echo[3]) > 0xffff) return null;
    return { type: echo[1] === 'request' ? Icmpv6Type.ECHO_REQUEST : Icmpv6Type.ECHO_REPLY, code: 0, identifier: Number(echo[2]), sequence: Number(echo[3]), quote: null };
  }
  const unreachable = /^destination unreachable,\s*(.*)$/.exec(message)?.[1];
  if (unreachable !== undefined) {
    const unreach = Icmpv6Type.DEST_UNREACHABLE;
    let match = /^unreachable route (\S+)/.exec(unreachable);
    if (match) return icmp(unreach, 0, partialQuote(packet, match[1]!, null, null, -1));
    match = /^unreachable prohibited (\S+)/.exec(unreachable);
    if (match) return icmp(unreach, 1, partialQuote(packet, match[1]!, null, null, -1));
    match = /^beyond scope (\S+), source address (\S+)/.exec(unreachable);
    if (match) return icmp(unreach, 2, partialQuote(packet, match[1]!, match[2]!, null, -1));
    match = /^unreachable address (\S+)/.exec(unreachable);
    if (match) return icmp(unreach, 3, partialQuote(packet, match[1]!, null, null, -1));
    match = /^unreachable port, (\S+) tcp port (\S+)/.exec(unreachable);
    if (match) return icmp(unreach, 4, partialQuote(packet, match[1]!, null, portOf(match[2]), IpProtocol.TCP));
    match = /^unreachable port, (\S+) (?:udp port|protocol (\d+) port)/.exec(unreachable);
    if (match) return icmp(unreach, 4, partialQuote(packet, match[1]!, null, null, match[2] === undefined ? IpProtocol.UDP : Number(match[2])));
    match = /^unknown unreach code \((\d+)\)/.exec(unreachable);
    if (match && Number(match[1]) <= 255) return icmp(unreach, Number(match[1]));
    return null;
  }
  if (message.startsWith('time exceeded in-transit')) return icmp(Icmpv6Type.TIME_EXCEEDED, message.includes('(reassembly)') ? 1 : 0);
  if (message.startsWith('packet too big')) return icmp(Icmpv6Type.PACKET_TOO_BIG, 0);
  if (message.startsWith('parameter problem')) return icmp(Icmpv6Type.PARAMETER_PROBLEM, 0);
  const informational = ICMPV6_INFORMATIONAL.find(([name]) => message.startsWith(name));
  return informational ? icmp(informational[1], 0) : null;
}

/** Neighbour discovery and MLD messages by print-icmp6.c's names (longest first), so a text capture counts them as the binary decoder does. */
const ICMPV6_INFORMATIONAL: ReadonlyArray<readonly [string, number]> = [
  ['multicast listener report v2', 143],
  ['multicast listener query', 130],
  ['multicast listener report', 131],
  ['multicast listener done', 132],
  ['router solicitation', 133],
  ['router advertisement', 134],
  ['neighbor solicitation', 135],
  ['neighbor advertisement', 136],
  ['redirect', 137],
];

function parseQuote(header: HeaderMatch): QuotedDatagram | null {
  if (header.ttl > 255 || header.protocol > 255) return null;
  const addresses = ADDRESSES.exec(header.body);
  const sourceValue = addresses ? parseIPv4(addresses[1]!) : null;
  const destinationValue = addresses ? parseIPv4(addresses[3]!) : null;
  if (!addresses || sourceValue === null || destinationValue === null) return null;
  const quote: QuotedDatagram = {
    source: addresses[1]!,
    destination: addresses[3]!,
    sourceValue,
    destinationValue,
    addressWords: null,
    partial: false,
    ttl: header.ttl,
    protocol: header.protocol,
    sourcePort: null,
    destinationPort: null,
    sequence: null,
  };
  if (header.offset === 0 && (header.protocol === IpProtocol.TCP || header.protocol === IpProtocol.UDP)) {
    quote.sourcePort = portOf(addresses[2]);
    quote.destinationPort = portOf(addresses[4]);
    if (header.protocol === IpProtocol.TCP) {
      const tcp = parseTcp(addresses[5]!, quote.sourcePort ?? 0, quote.destinationPort ?? 0);
      if (typeof tcp !== 'string') quote.sequence = tcp.sequence;
    }
  }
  return quote;
}

/** True if `text` (the start of a file) reads as tcpdump output: no NUL bytes and a packet line among its first lines. */
export function looksLikeTcpdumpText(text: string): boolean {
  if (text.includes('\0')) return false;
  const clock = new TextClock();
  const lines = text.split('\n').slice(0, 200);
  return lines.some((line) => {
    if (/^\s/.test(line)) return false;
    const stamp = clock.read(line);
    const rest = line.slice(stamp).trimStart();
    return (stamp > 0 && /\b(?:IP|IP6|ARP)\b|\(tos 0x/.test(rest)) || /^IP \(tos 0x|^IP6 \((?:[^()]|\(\d+\))*\bhlim \d/.test(rest);
  });
}

/** Longest packet text kept (a packet's lines beyond it are dropped). */
const MAX_PACKET_TEXT = 16 * 1024;
/** Longest line accepted. */
const MAX_LINE_BYTES = 1 << 20;
/** Hex and ASCII dump lines (-x, -X) add nothing the analysis needs. */
const DUMP_LINE = /^\s+0x[0-9a-f]{4}:/;

/**
 * Streams the packets of tcpdump -v text, in batches of decoded packets (one
 * batch per buffer fill). Counts packets of other protocols and IPv4 packets
 * and IPv6 packets whose text it cannot read.
 */
export class TcpdumpTextReader {
  readonly counts: FrameCounts = emptyCounts();
  /** The reason the first undecodable packet gave (for a hint in the report). */
  firstProblem: string | null = null;
  private readonly clock = new TextClock();

  constructor(
    private readonly window: ByteWindow,
    private readonly name: string,
  ) {}

  private classify(text: string, out: DecodedPacket[]): void {
    const parsed = parseTextPacket(text, this.clock);
    if (parsed.kind === 'none') return;
    this.counts.frames++;
    if (parsed.kind === 'ipv4' || parsed.kind === 'ipv6') out.push(parsed.packet);
    else if (parsed.kind === 'other') this.counts.notIPv4++;
    else {
      this.counts.undecodable++;
      this.firstProblem ??= parsed.reason;
    }
  }

  async *batches(): AsyncGenerator<readonly DecodedPacket[], void, void> {
    const w = this.window;
    let pending = '';
    let out: DecodedPacket[] = [];
    for (;;) {
      const buf = w.buffer;
      let pos = w.position;
      const end = w.end;
      for (;;) {
        const newline = buf.indexOf(10, pos);
        if (newline < 0 || newline >= end) break;
        let line = buf.toString('latin1', pos, newline);
        pos = newline + 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.length > 0 && (line[0] === ' ' || line[0] === '\t')) {
          if (pending !== '' && pending.length < MAX_PACKET_TEXT && !DUMP_LINE.test(line)) pending += `\n${line}`;
          continue;
        }
        if (pending !== '') this.classify(pending, out);
        pending = line;
      }
      w.position = pos;
      if (out.length > 0) {
        yield out;
        out = [];
      }
      const needed = w.available + 1;
      if (needed > MAX_LINE_BYTES) {
        throw new CaptureFormatError(
          CaptureErrorCode.CORRUPT,
          w.offset,
          `${this.name}: line at byte offset ${w.offset} is longer than ${MAX_LINE_BYTES} bytes: not tcpdump text`,
        );
      }
      if (!(await w.ensure(needed))) {
        // The last line may lack its newline.
        if (w.available > 0) {
          const line = w.buffer.toString('latin1', w.position, w.end);
          w.position = w.end;
          if (line.length > 0 && (line[0] === ' ' || line[0] === '\t')) {
            if (pending !== '') pending += `\n${line}`;
          } else {
            if (pending !== '') this.classify(pending, out);
            pending = line;
          }
        }
        if (pending !== '') this.classify(pending, out);
        if (out.length > 0) yield out;
        return;
      }
    }
  }
}
