// The reset device's decisions (scripts/lab/idle-reset-device.ts), pure: tcpdump's lines read, and the
// RSTs it forges for a connection idle long enough (each end gets the sequence number it expects).
import t from 'tap';
import { IdleResetTable, parseTcpdumpLine } from '../../scripts/lab/idle-reset-device.js';

const SYN = '1764800000.000000 veth1 In  IP 198.18.1.1.40000 > 198.18.4.2.443: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0';
const SYN_ACK = '1764800000.001000 veth2 In  IP 198.18.4.2.443 > 198.18.1.1.40000: Flags [S.], seq 7000, ack 1001, win 65160, options [mss 1460], length 0';
const ACK = '1764800000.002000 veth1 In  IP 198.18.1.1.40000 > 198.18.4.2.443: Flags [.], ack 7001, win 502, options [nop,nop,TS val 2 ecr 2], length 0';

t.test('tcpdump lines: addresses, ports, flags, ack (IPv4 and IPv6); anything else is null', async (t) => {
  t.same(parseTcpdumpLine(SYN_ACK), { at: 1764800000001, source: '198.18.4.2', sourcePort: 443, destination: '198.18.1.1', destinationPort: 40000, flags: 'S.', ack: 1001 });
  t.same(parseTcpdumpLine(SYN)?.ack, null, 'a SYN has no ack');
  t.same(parseTcpdumpLine('1764800000.5 veth1 Out IP6 2001:2:0:1::1.40000 > 2001:2:0:4::2.443: Flags [P.], seq 1:10, ack 7001, win 502, length 9'), {
    at: 1764800000500, source: '2001:2:0:1::1', sourcePort: 40000, destination: '2001:2:0:4::2', destinationPort: 443, flags: 'P.', ack: 7001,
  });
  t.equal(parseTcpdumpLine('1764800000.5 veth1 In  IP 198.18.1.1 > 198.18.4.2: ICMP echo request, id 1, seq 1, length 64'), null);
  t.equal(parseTcpdumpLine('tcpdump: listening on any'), null);
});

t.test('idle for the limit: a RST to each end with the sequence number it expects, then forgotten', async (t) => {
  const table = new IdleResetTable(3000);
  for (const line of [SYN, SYN_ACK, ACK]) table.observe(parseTcpdumpLine(line)!);
  t.same(table.expire(1764800000002 + 2999), [], 'not idle long enough');
  t.same(table.expire(1764800000002 + 3000), [
    { tuple: { localAddress: '198.18.4.2', localPort: 443, remoteAddress: '198.18.1.1', remotePort: 40000 }, sequence: 7001 },
    { tuple: { localAddress: '198.18.1.1', localPort: 40000, remoteAddress: '198.18.4.2', remotePort: 443 }, sequence: 1001 },
  ], 'to the client as the server (seq = the client\'s ack), to the server as the client (seq = the server\'s ack)');
  t.same(table.expire(1764800000002 + 9000), [], 'reset once');
});

t.test('a packet restarts the idle clock; a FIN or RST ends following; no SYN seen, not followed', async (t) => {
  const table = new IdleResetTable(3000);
  for (const line of [SYN, SYN_ACK, ACK]) table.observe(parseTcpdumpLine(line)!);
  table.observe({ ...parseTcpdumpLine(ACK)!, at: 1764800002000 });
  t.same(table.expire(1764800004000), [], 'a keepalive 2 s in: idle only 2 s at 4 s');
  t.equal(table.expire(1764800005000).length, 2);
  const closing = new IdleResetTable(3000);
  for (const line of [SYN, SYN_ACK, ACK]) closing.observe(parseTcpdumpLine(line)!);
  closing.observe({ ...parseTcpdumpLine(ACK)!, flags: 'F.' });
  t.same(closing.expire(1764800009000), [], 'closed: nothing to reset');
  const late = new IdleResetTable(3000);
  for (const line of [SYN_ACK, ACK]) late.observe(parseTcpdumpLine(line)!);
  t.same(late.expire(1764800009000), [], 'a connection older than the device is not followed');
});
