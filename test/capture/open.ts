import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { ByteWindow, chunkSource } from '../../src/capture/byte-window.js';
import { CaptureFormatError } from '../../src/capture/errors.js';
import { openCapture, openCaptureSource } from '../../src/capture/open.js';
import { pcapFile, pcapngInterface, pcapngSectionHeader, tcpPacket } from '../helpers/synthesize.js';
import { UsageError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-open-'));
const write = (name: string, data: Buffer | string): string => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};

t.test('detected by content, whatever the name', async (t) => {
  const cases: [string, Buffer | string, string][] = [
    ['a.txt', pcapFile({ linkType: 1 }, []), 'pcap'],
    ['b', pcapFile({ linkType: 1, littleEndian: false }, []), 'pcap'],
    ['c.pcap', pcapFile({ linkType: 1, nanosecond: true }, []), 'pcap-ns'],
    ['d.pcap', pcapFile({ linkType: 1, nanosecond: true, littleEndian: false }, []), 'pcap-ns'],
    ['e.pcap', pcapFile({ linkType: 1, modified: true }, []), 'pcap'],
    ['f.pcap', Buffer.concat([pcapngSectionHeader(), pcapngInterface({ linkType: 1 })]), 'pcapng'],
    ['g.pcap', Buffer.concat([pcapngSectionHeader(false), pcapngInterface({ linkType: 1 }, false)]), 'pcapng'],
    ['h.pcapng', '03:01:36.719814 IP (tos 0x0, ttl 64, id 12516, offset 0, flags [none], proto ICMP (1), length 44)\n    198.18.1.1 > 198.18.4.2: ICMP echo request, id 1, seq 1, length 24\n', 'tcpdump-text'],
  ];
  for (const [name, data, format] of cases) {
    const capture = await openCapture(write(name, data));
    t.equal(capture.format, format, name);
    for await (const batch of capture.batches()) void batch;
    await capture.close();
  }
});

t.test('what is not a capture', async (t) => {
  const cases: [string, Buffer | string, RegExp][] = [
    ['empty', Buffer.alloc(0), /empty\.x: empty file, not a capture/],
    ['gzip', gzipSync(pcapFile({ linkType: 1 }, [])), /gzip\.x: gzip-compressed data at byte offset 0: decompress it first/],
    ['elf', Buffer.from('7f454c4602010100000000000000000003003e00', 'hex'), /elf\.x: unrecognised capture format at byte offset 0 \(first bytes 7f454c4602010100\): expected pcap, pcapng or tcpdump -v text/],
    ['prose', 'Dear support, the connection drops.\nThanks\n', /unrecognised capture format at byte offset 0/],
    ['short', Buffer.from([0xa1, 0xb2]), /unrecognised capture format/],
  ];
  for (const [name, data, message] of cases) {
    await t.rejects(openCapture(write(`${name}.x`, data)), { name: 'CaptureFormatError', code: 'ERR_CAPTURE_UNKNOWN_FORMAT', offset: 0, message }, name);
  }
  const error = await openCapture(write('empty2.x', '')).catch((e: unknown) => e);
  t.ok(error instanceof CaptureFormatError && error instanceof UsageError, 'a CaptureFormatError is a UsageError (exit 2)');
  t.equal((error as UsageError).exitCode, 2);
});

t.test('files that cannot be opened', async (t) => {
  await t.rejects(openCapture(join(dir, 'missing.pcap')), { name: 'UsageError', code: 'ERR_CAPTURE_OPEN', message: `cannot open capture ${join(dir, 'missing.pcap')}: no such file` });
  await t.rejects(openCapture(dir), { name: 'UsageError', code: 'ERR_CAPTURE_OPEN', message: `cannot read capture ${dir}: it is a directory` });
});

t.test('a pcap whose first record is cut', async (t) => {
  const syn = tcpPacket({ source: '10.0.0.1', destination: '10.0.0.2', ttl: 64, sourcePort: 1, destinationPort: 2, flags: 2 });
  const file = pcapFile({ linkType: 101 }, [{ data: syn, timestampMs: 0 }]).subarray(0, 30);
  const capture = await openCaptureSource(chunkSource([file]), 'cut.pcap');
  const read = async (): Promise<void> => {
    for await (const batch of capture.batches()) void batch;
  };
  await t.rejects(read(), { code: 'ERR_CAPTURE_TRUNCATED', offset: 24, message: 'cut.pcap: truncated pcap record header at byte offset 24: 6 of 16 bytes' });
});

t.test('the byte window', async (t) => {
  const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
  const chunks = [data.subarray(0, 7), data.subarray(7, 100), data.subarray(100)];
  const window = new ByteWindow(chunkSource(chunks), 16, 64);
  t.ok(await window.ensure(10));
  t.equal(window.buffer[window.position], 0);
  window.position += 10;
  t.ok(await window.ensure(40), 'grows the buffer for a larger need');
  t.equal(window.offset, 10);
  t.equal(window.buffer[window.position + 39], 49);
  await t.rejects(window.ensure(65), RangeError);
  t.ok(await window.skip(200), 'skips past what is buffered');
  t.equal(window.offset, 210);
  t.equal(window.buffer[window.position], 210);
  t.ok(await window.ensure(60));
  window.position += 60;
  t.notOk(await window.ensure(40), 'the source ends first');
  t.equal(window.available, 30, 'what was there stays');
  t.equal(window.buffer[window.position], 270 & 0xff);
  t.notOk(await window.skip(31));
  t.ok(window.finished);
});
