import { UsageError } from '../errors.js';

/** Stable codes of the capture-reading failures. */
export const CaptureErrorCode = {
  /** Neither pcap, pcapng nor tcpdump text (or compressed, or empty). */
  UNKNOWN_FORMAT: 'ERR_CAPTURE_UNKNOWN_FORMAT',
  /** The file ends inside a header, record or block. */
  TRUNCATED: 'ERR_CAPTURE_TRUNCATED',
  /** A header or block contradicts itself (impossible length, bad byte-order magic, ...). */
  CORRUPT: 'ERR_CAPTURE_CORRUPT',
} as const;

export type CaptureErrorCodeValue = (typeof CaptureErrorCode)[keyof typeof CaptureErrorCode];

/**
 * A capture file that cannot be read: unknown format, truncated or corrupt.
 * The message names the file and the byte offset where reading failed, e.g.
 * "x.pcap: truncated pcap record at byte offset 1234: ...". A UsageError
 * (exit 2): the input is bad, not ttl-probe.
 */
export class CaptureFormatError extends UsageError {
  /** Byte offset in the file where the offending header, record or block starts. */
  readonly offset: number;
  constructor(code: CaptureErrorCodeValue, offset: number, message: string) {
    super(message, code);
    this.offset = offset;
  }
}
