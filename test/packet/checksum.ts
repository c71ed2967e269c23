import t from 'tap';
import { ipv4PseudoHeaderSum, IpProtocol } from '../../src/packet/ipv4.js';
import {
  finishChecksum,
  internetChecksum,
  onesComplementSum,
  verifyIcmpChecksum,
  verifyTcpChecksum,
} from '../../src/packet/checksum.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 1071 section 3 worked example.
const RFC1071 = hex('00 01 f2 03 f4 f5 f6 f7');

t.test('RFC 1071 example', async (t) => {
  const sum = onesComplementSum(RFC1071);
  t.equal(sum, 0x2ddf0, 'unfolded running sum');
  t.equal((sum & 0xffff) + (sum >>> 16), 0xddf2, 'folded sum before inversion');
  t.equal(finishChecksum(sum), 0x220d);
  t.equal(internetChecksum(RFC1071), 0x220d);
  const withChecksum = Buffer.concat([RFC1071, hex('220d')]);
  t.equal(internetChecksum(withChecksum), 0, 'data including its checksum sums to zero');
});

t.test('onesComplementSum ranges and padding', async (t) => {
  const cases: Array<{ name: string; bytes: string; start?: number; end?: number; initial?: number; sum: number }> = [
    { name: 'empty', bytes: '', sum: 0 },
    { name: 'single byte is padded', bytes: 'ab', sum: 0xab00 },
    { name: 'odd length', bytes: '0001 f2', sum: 0xf201 },
    { name: 'start and end', bytes: 'ffff 1234 5678 ffff', start: 2, end: 6, sum: 0x68ac },
    { name: 'odd end inside buffer', bytes: '1234 5678', start: 0, end: 3, sum: 0x6834 },
    { name: 'odd start', bytes: 'ff12 3456', start: 1, sum: 0x1234 + 0x5600 },
    { name: 'end clamped to buffer', bytes: '0102', end: 100, sum: 0x0102 },
    { name: 'negative start clamped', bytes: '0102', start: -5, sum: 0x0102 },
    { name: 'start past end', bytes: '0102', start: 10, sum: 0 },
    { name: 'end before start', bytes: '0102 0304', start: 2, end: 1, sum: 0 },
    { name: 'initial carried', bytes: '0001', initial: 0x10000, sum: 0x10001 },
    { name: 'kept within 32 bits', bytes: 'ffff', initial: 0xffffffff, sum: 0x1fffe },
  ];
  for (const c of cases) {
    t.equal(onesComplementSum(hex(c.bytes), c.start, c.end, c.initial), c.sum, c.name);
  }
  const big = Buffer.alloc(65536, 0xff);
  const sum = onesComplementSum(big);
  t.equal(sum, 32768 * 0xffff, '64 KiB of 0xff without overflow');
  t.equal(finishChecksum(sum), 0);
});

t.test('finishChecksum', async (t) => {
  t.equal(finishChecksum(0), 0xffff);
  t.equal(finishChecksum(0xffff), 0);
  t.equal(finishChecksum(0x1fffe), 0);
  t.equal(finishChecksum(0x2ddf0), 0x220d);
  t.equal(finishChecksum(0xffffffff), 0);
  t.equal(finishChecksum(0x1_0000_0000), 0xfffe, 'sums above 32 bits fold correctly');
});

const SYN_ACK_TCP = hex(
  '01bbd4316f1d3a2b5eed0001a012fe88b4be0000020405b40402080a9a3c4e210012d68701030307',
);
const RST_TCP = hex('00169c40000000005eed000150140000e8d40000');
const ECHO_REPLY_ICMP = hex('0000c74b1234000774746c2d70726f6265000102');

/** The IPv4 pseudo-header sum of a TCP segment of `length` bytes. */
const tcpPseudo = (source: string, destination: string, length: number): number => ipv4PseudoHeaderSum({ source, destination }, IpProtocol.TCP, length);

t.test('verifyTcpChecksum', async (t) => {
  t.ok(verifyTcpChecksum(SYN_ACK_TCP, tcpPseudo('93.184.216.34', '192.168.1.10', SYN_ACK_TCP.length)), 'Linux SYN-ACK');
  t.ok(verifyTcpChecksum(RST_TCP, tcpPseudo('10.0.0.5', '192.168.1.10', RST_TCP.length)), 'RST,ACK');
  t.notOk(verifyTcpChecksum(SYN_ACK_TCP, tcpPseudo('192.168.1.10', '93.184.216.35', SYN_ACK_TCP.length)), 'wrong pseudo-header');
  t.notOk(verifyTcpChecksum(SYN_ACK_TCP.subarray(0, 39), tcpPseudo('93.184.216.34', '192.168.1.10', SYN_ACK_TCP.subarray(0, 39).length)), 'truncated');
  const flipped = Buffer.from(SYN_ACK_TCP);
  flipped[25] = flipped[25]! ^ 0x01;
  t.notOk(verifyTcpChecksum(flipped, tcpPseudo('93.184.216.34', '192.168.1.10', flipped.length)), 'bit flip');
  t.notOk(verifyTcpChecksum(Buffer.alloc(19), tcpPseudo('1.2.3.4', '5.6.7.8', Buffer.alloc(19).length)), 'shorter than a header');
  t.notOk(verifyTcpChecksum(Buffer.alloc(0x10000), tcpPseudo('1.2.3.4', '5.6.7.8', Buffer.alloc(0x10000).length)), 'longer than IP allows');
});

t.test('verifyIcmpChecksum', async (t) => {
  t.ok(verifyIcmpChecksum(ECHO_REPLY_ICMP), 'echo reply');
  t.ok(verifyIcmpChecksum(hex('030dc818000000004500003cbeef40000106c33fc0a8010a5db8d822d43101bb5eed0000')), '3/13');
  t.notOk(verifyIcmpChecksum(ECHO_REPLY_ICMP.subarray(0, 19)), 'truncated');
  t.notOk(verifyIcmpChecksum(Buffer.alloc(8)), 'all zero');
  t.notOk(verifyIcmpChecksum(Buffer.alloc(0)), 'empty');
  t.notOk(verifyIcmpChecksum(hex('0000ffff000000')), 'shorter than 8 bytes');
  t.ok(verifyIcmpChecksum(hex('0000ffff00000000')), '0xffff is a valid checksum for an all-zero message');
});
