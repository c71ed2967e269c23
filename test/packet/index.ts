import t from 'tap';
import * as packet from '../../src/packet/index.js';

t.test('index re-exports the codec API', async (t) => {
  const functions = [
    'decoded',
    'failed',
    'parseIPv4',
    'formatIPv4',
    'readIPv4',
    'writeIPv4',
    'classifyIPv4',
    'onesComplementSum',
    'finishChecksum',
    'internetChecksum',
    'ipv4PseudoHeaderSum',
    'ipv6PseudoHeaderSum',
    'pseudoHeaderSum',
    'decodeIPv6',
    'writeIPv6Header',
    'decodeNetwork',
    'parseAddress',
    'parseIPv6',
    'formatIPv6',
    'verifyIcmpChecksum',
    'verifyTcpChecksum',
    'decodeIPv4',
    'writeIPv4Header',
    'decodeTcp',
    'decodeTcpPrefix',
    'flagNames',
    'encodeTcpOptions',
    'writeTcpSegment',
    'decodeIcmp',
    'writeIcmpEcho',
    'icmpDescription',
  ] as const;
  for (const name of functions) t.type(packet[name], 'function', name);
  t.same(packet.IpProtocol, { ICMP: 1, TCP: 6, UDP: 17 });
  t.equal(packet.TcpFlag.SYN | packet.TcpFlag.ACK, 0x12);
  t.equal(packet.IcmpType.TIME_EXCEEDED, 11);
});

// Deterministic so a failure can be reproduced (mulberry32).
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

t.test('no decoder throws on random bytes', async (t) => {
  const next = random(0x77c1);
  const iterations = 5000;
  const errors: string[] = [];
  const results = { ipv4: 0, tcp: 0, icmp: 0, quote: 0 };
  for (let i = 0; i < iterations; i++) {
    const buf = Buffer.alloc(Math.floor(next() * 81));
    for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(next() * 256);
    // Bias some inputs towards plausible headers so decoding gets past the first checks.
    if (buf.length > 0 && i % 3 === 0) buf[0] = 0x45;
    if (buf.length > 3 && i % 6 === 0) buf.writeUInt16BE(buf.length - (i % 4), 2);
    if (buf.length > 12 && i % 5 === 0) buf[12] = (buf[12]! & 0x0f) | 0x50;
    if (buf.length > 8 && i % 4 === 0) buf[8] = 0x45;
    const copy = Buffer.from(buf);
    try {
      const ip = packet.decodeIPv4(buf);
      const quoted = packet.decodeIPv4(buf, { allowTruncated: true });
      const tcp = packet.decodeTcp(buf);
      packet.decodeTcpPrefix(buf);
      const icmp = packet.decodeIcmp(buf);
      packet.verifyIcmpChecksum(buf);
      packet.verifyTcpChecksum(buf, packet.ipv4PseudoHeaderSum({ source: '192.0.2.1', destination: '198.51.100.2' }, 6, buf.length));
      packet.internetChecksum(buf, Math.floor(next() * 90) - 5, Math.floor(next() * 90) - 5);
      if (ip.ok) results.ipv4++;
      if (tcp.ok) results.tcp++;
      if (icmp.ok) results.icmp++;
      if (icmp.ok && icmp.value.quote !== null) results.quote++;
      for (const r of [ip, quoted, tcp, icmp]) {
        if (!r.ok && (typeof r.reason !== 'string' || r.reason.length === 0)) errors.push(`#${i}: empty reason`);
      }
    } catch (error) {
      errors.push(`#${i} ${buf.toString('hex')}: ${String(error)}`);
    }
    if (!buf.equals(copy)) errors.push(`#${i}: input modified`);
  }
  t.same(errors, [], `${iterations} random buffers`);
  t.ok(results.tcp > 0 && results.icmp > 0 && results.quote > 0, `some decoded: ${JSON.stringify(results)}`);
});
