import { openCapture, type Capture } from '../capture/open.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { CaptureAnalyzer } from '../analyze/analyzer.js';
import { formatAnalyzeJson, formatAnalyzeTable } from '../report/analysis.js';
import type { AnalyzeReport } from '../model/analysis.js';
import { buildAnalyzeReport } from '../analyze/report.js';

export interface AnalyzeOptions {
  format: 'table' | 'json';
}

export interface AnalyzeIo {
  /** May return a promise that resolves once the consumer has taken the text. */
  stdout(text: string): void | Promise<void>;
  stderr(text: string): void;
}

/**
 * Reads a whole capture (streamed, bounded memory) and returns its report.
 * Throws CaptureFormatError for a truncated or corrupt file.
 */
export async function analyzeCapture(capture: Capture): Promise<AnalyzeReport> {
  // tcpdump prints relative sequence numbers by default: do not insist on exact acknowledgments.
  // tcpdump text names only the destination an ICMPv6 error quotes: match such errors to the one pending SYN.
  const text = capture.format === 'tcpdump-text';
  const analyzer = new CaptureAnalyzer({ verifySequence: !text, partialQuotes: text });
  for await (const batch of capture.batches()) {
    const count = batch.count;
    for (let i = 0; i < count; i++) {
      const packet = batch.packet(i);
      if (packet !== null) analyzer.add(packet);
    }
  }
  const counts = capture.counts();
  return buildAnalyzeReport(analyzer.result(), {
    file: capture.name,
    format: capture.format,
    packets: counts.packets,
    ipv4: counts.ipv4,
    ipv6: counts.ipv6,
    notIPv4: counts.notIPv4,
    undecodable: counts.undecodable,
    linkTypes: counts.linkTypes,
  });
}

/**
 * `ttl-probe analyze FILE`: detects the capture format (pcap, pcapng,
 * tcpdump -v text), attributes every answer to a connection attempt and
 * every mid-flow reset, and prints the report as a table or JSON. Returns
 * exit code 0; throws UsageError (file cannot be opened) or
 * CaptureFormatError (unknown format, truncated or corrupt file).
 */
export async function runAnalyze(file: string, options: AnalyzeOptions, io: AnalyzeIo): Promise<ExitCodeValue> {
  const capture = await openCapture(file);
  let report: AnalyzeReport;
  try {
    report = await analyzeCapture(capture);
  } finally {
    await capture.close();
  }
  await io.stdout(options.format === 'json' ? formatAnalyzeJson(report) : formatAnalyzeTable(report, capture.firstProblem()));
  return ExitCode.OK;
}
