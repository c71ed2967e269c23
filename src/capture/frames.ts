/** One IP packet (IPv4 or IPv6) found in a capture file. */
export interface CaptureRecord {
  /** Capture time in milliseconds (Unix epoch for pcap/pcapng; see the text reader for tcpdump text). */
  timestampMs: number;
  /** The IP packet, link header removed (a view into the reader's buffer). */
  packet: Buffer;
  /** True when the frame was cut by the snapshot length: the packet may end early. */
  snapped: boolean;
}

/** What a reader saw, frame by frame. */
export interface FrameCounts {
  /** Frames (records, packet blocks, text packets) read. */
  frames: number;
  /** Frames that carry neither IPv4 nor IPv6 (ARP, ...). The name predates IPv6 support. */
  notIPv4: number;
  /** Frames whose link header could not be decoded, or of an unsupported link type. */
  undecodable: number;
  /** Link types seen (pcapng: one per interface used). */
  linkTypes: number[];
}

export function emptyCounts(): FrameCounts {
  return { frames: 0, notIPv4: 0, undecodable: 0, linkTypes: [] };
}

export function noteLinkType(counts: FrameCounts, linkType: number): void {
  if (!counts.linkTypes.includes(linkType)) counts.linkTypes.push(linkType);
}

/**
 * The IP packets of one read of a binary capture, as offsets into the
 * reader's buffer (struct of arrays, so a batch allocates nothing per frame).
 * A batch is reused: it is valid only until the reader is resumed.
 */
export class FrameBatch {
  data: Buffer = Buffer.alloc(0);
  count = 0;
  timestampMs = new Float64Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  snapped = new Uint8Array(1024);

  reset(data: Buffer): void {
    this.data = data;
    this.count = 0;
  }

  push(timestampMs: number, start: number, end: number, snapped: boolean): void {
    if (this.count === this.start.length) this.grow();
    const i = this.count++;
    this.timestampMs[i] = timestampMs;
    this.start[i] = start;
    this.end[i] = end;
    this.snapped[i] = snapped ? 1 : 0;
  }

 /** The i-th IP packet (a view, valid until the reader is resumed). */
  packet(i: number): Buffer {
    return this.data.subarray(this.start[i], this.end[i]);
  }

  private grow(): void {
    const size = this.start.length * 2;
    const timestamps = new Float64Array(size);
    timestamps.set(this.timestampMs);
    this.timestampMs = timestamps;
    const start = new Int32Array(size);
    start.set(this.start);
    this.start = start;
    const end = new Int32Array(size);
    end.set(this.end);
    this.end = end;
    const snapped = new Uint8Array(size);
    snapped.set(this.snapped);
    this.snapped = snapped;
  }
}

/** A binary capture reader: IP packets in batches, one per buffer fill. */
export interface FrameReader {
  readonly counts: FrameCounts;
  batches(): AsyncGenerator<FrameBatch, void, void>;
}

/** Every IP packet of a reader as a CaptureRecord (the packet views are valid until the next one is requested). */
export async function* records(reader: FrameReader): AsyncGenerator<CaptureRecord, void, void> {
  for await (const batch of reader.batches()) {
    for (let i = 0; i < batch.count; i++) {
      yield { timestampMs: batch.timestampMs[i]!, packet: batch.packet(i), snapped: batch.snapped[i] === 1 };
    }
  }
}
