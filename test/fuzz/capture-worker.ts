/**
 * Reads one capture the way `ttl-probe analyze` does (format detection,
 * pcap/pcapng/tcpdump-text reader, packet decoding, the analyzer, both
 * report formats) and says how it ended: success, a CaptureFormatError (the
 * allowed failure) or any other exception (a bug). Run in a worker thread by
 * test/fuzz/capture.ts, so that a read that never ends can be stopped
 * (Worker.terminate) and reported instead of hanging the suite. A helper
 * module, not a test file (excluded in tap's configuration).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort } from 'node:worker_threads';
import { analyzeCapture, runAnalyze } from '../../src/cli/analyze-command.js';
import { formatAnalyzeJson, formatAnalyzeTable } from '../../src/report/analysis.js';
import { chunkSource } from '../../src/capture/byte-window.js';
import { ipv6AddressWords, ipv6Digest, type DecodedPacket } from '../../src/capture/decoded.js';
import { parseAddress } from '../../src/packet/address.js';
import { CaptureFormatError } from '../../src/capture/errors.js';
import { openCaptureSource, type Capture, type CaptureCounts } from '../../src/capture/open.js';

export interface ReadRequest {
  id: number;
  bytes: Uint8Array;
  /** 'memory': chunkSource with `chunk`-byte chunks and a `windowBytes` window; 'file': a temporary file through runAnalyze. */
  via: 'memory' | 'file';
  chunk: number;
  windowBytes: number;
  format: 'table' | 'json';
}

export type ReadOutcome =
  | { kind: 'ok'; format: string; counts: CaptureCounts; report: string; problems: string[]; ms: number }
  | { kind: 'capture-error'; code: string; offset: number; message: string; ms: number }
  | { kind: 'other-error'; name: string; message: string; stack: string; ms: number };

const MAX_PROBLEMS = 5;

/** Range checks of one decoded packet (pushed to `problems`, at most a few). */
function checkPacket(packet: DecodedPacket, problems: string[]): void {
  const bad = (what: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(`${what} in ${JSON.stringify(packet)}`);
  };
  const int = (value: number | null, max: number): boolean => value === null || (Number.isInteger(value) && value >= 0 && value <= max);
  if (!Number.isFinite(packet.timestampMs)) bad('timestamp not finite');
  // An address of the packet's family, in canonical text, with the 32-bit values (and IPv6 words) the flow table keys it by.
  const addressOk = (family: 4 | 6, text: string, value: number, words: Uint32Array | null, at: number): boolean => {
    const parsed = parseAddress(text);
    if (parsed === null || parsed.family !== family || parsed.text !== text) return false;
    if (parsed.family === 4) return words === null && value === parsed.value;
    if (words === null) return false;
    const own = ipv6AddressWords(parsed.bytes, parsed.bytes);
    return [0, 1, 2, 3].every((i) => own[i] === words[at + i]) && value === ipv6Digest(words, at);
  };
  if (!addressOk(packet.family, packet.source, packet.sourceValue, packet.addressWords, 0) || !addressOk(packet.family, packet.destination, packet.destinationValue, packet.addressWords, 4)) {
    bad(`address not an IPv${packet.family} address matching its key`);
  }
  if (!int(packet.ttl, 255)) bad(`ttl ${packet.ttl} outside 0-255`);
  if (!int(packet.protocol, 255)) bad(`protocol ${packet.protocol} outside 0-255`);
  const tcp = packet.tcp;
  if (tcp) {
    if (!int(tcp.sourcePort, 0xffff) || !int(tcp.destinationPort, 0xffff)) bad('TCP port outside 0-65535');
    if (!int(tcp.sequence, 0xffffffff) || !int(tcp.acknowledgment, 0xffffffff)) bad('TCP sequence/acknowledgment outside uint32');
    if (!int(tcp.flags, 255)) bad('TCP flags outside 0-255');
  }
  const icmp = packet.icmp;
  if (icmp) {
    if (!int(icmp.type, 255) || !int(icmp.code, 255)) bad('ICMP type/code outside 0-255');
    if (!int(icmp.identifier, 0xffff) || !int(icmp.sequence, 0xffff)) bad('ICMP echo identifier/sequence outside 0-65535');
    const quote = icmp.quote;
    if (quote) {
      if (!addressOk(packet.family, quote.source, quote.sourceValue, quote.addressWords, 0) || !addressOk(packet.family, quote.destination, quote.destinationValue, quote.addressWords, 4)) {
        bad('quoted address not of the packet\'s family or not matching its key');
      }
      // tcpdump text of an ICMPv6 error prints no quoted TTL (and maybe no protocol): -1.
      const unknown = (value: number): boolean => quote.partial && value === -1;
      if (!(int(quote.ttl, 255) || unknown(quote.ttl)) || !(int(quote.protocol, 255) || unknown(quote.protocol))) bad('quoted ttl/protocol outside 0-255');
      if (!int(quote.sourcePort, 0xffff) || !int(quote.destinationPort, 0xffff)) bad('quoted port outside 0-65535');
      if (!int(quote.sequence, 0xffffffff)) bad('quoted sequence outside uint32');
    }
  }
}

/** `capture` with every decoded packet range-checked on its way to the analyzer. */
function inspected(capture: Capture, problems: string[]): Capture {
  return {
    name: capture.name,
    format: capture.format,
    async *batches() {
      for await (const batch of capture.batches()) {
        yield {
          get count() {
            return batch.count;
          },
          packet(index: number) {
            const packet = batch.packet(index);
            if (packet !== null) checkPacket(packet, problems);
            return packet;
          },
        };
      }
    },
    counts: () => capture.counts(),
    firstProblem: () => capture.firstProblem(),
    close: () => capture.close(),
  };
}

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** Reads `request.bytes` to the end and classifies the outcome. */
export async function readCapture(request: Omit<ReadRequest, 'id'>): Promise<ReadOutcome> {
  const started = performance.now();
  const ms = (): number => performance.now() - started;
  const problems: string[] = [];
  let directory: string | null = null;
  try {
    if (request.via === 'file') {
      directory = await mkdtemp(join(tmpdir(), 'ttl-probe-fuzz-'));
      const path = join(directory, 'capture');
      await writeFile(path, request.bytes);
      let report = '';
      await runAnalyze(path, { format: request.format }, { stdout: (text) => { report += text; }, stderr: () => undefined });
      return { kind: 'ok', format: 'file', counts: { packets: 0, ipv4: 0, ipv6: 0, notIPv4: 0, undecodable: 0, linkTypes: [] }, report, problems, ms: ms() };
    }
    const capture = await openCaptureSource(chunkSource(chunks(request.bytes, request.chunk)), 'fuzz', { windowBytes: request.windowBytes });
    try {
      const report = await analyzeCapture(inspected(capture, problems));
      const counts = capture.counts();
      if (counts.packets !== counts.ipv4 + counts.ipv6 + counts.notIPv4 + counts.undecodable && problems.length < MAX_PROBLEMS) {
        problems.push(`counts do not add up: ${JSON.stringify(counts)}`);
      }
      const text = request.format === 'json' ? formatAnalyzeJson(report) : formatAnalyzeTable(report, capture.firstProblem());
      return { kind: 'ok', format: capture.format, counts, report: text, problems, ms: ms() };
    } finally {
      await capture.close();
    }
  } catch (error) {
    if (error instanceof CaptureFormatError) return { kind: 'capture-error', code: error.code, offset: error.offset, message: error.message, ms: ms() };
    const e = error instanceof Error ? error : new Error(String(error));
    return { kind: 'other-error', name: e.name, message: e.message, stack: e.stack ?? '', ms: ms() };
  } finally {
    if (directory !== null) await rm(directory, { recursive: true, force: true });
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (request: ReadRequest) => {
    void readCapture(request).then((outcome) => port.postMessage({ id: request.id, outcome }));
  });
}
