/**
 * Lab helper: from a host's namespace, fires packets aimed at a running probe
 * that must all fail validation: RSTs and SYN-ACKs with the wrong
 * acknowledgment for probed ports, a spoofed RST for a port that was not
 * probed, and ICMP unreachables quoting a SYN with the wrong sequence number.
 *
 *   node dist/scripts/lab/inject-hostile.js CLIENT SOURCE_PORT FROM PORTS DURATION_MS [READY_FILE]
 *
 * Prints the number of packets sent. READY_FILE, when given, is created once the first packets are
 * out (so a test starts its probe during the injection however long this took to start). Run only
 * inside a lab namespace.
 */
import { randomInt } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { internetChecksum } from '../../src/packet/checksum.js';
import { ipv4PseudoHeaderSum, IpProtocol, writeIPv4Header } from '../../src/packet/ipv4.js';
import { TcpFlag, writeTcpSegment } from '../../src/packet/tcp.js';
import { openRawTransport } from '../../src/transport/raw.js';

function tcp(from: string, to: string, sourcePort: number, destinationPort: number, flags: number, ttl: number): Buffer {
  const packet = Buffer.alloc(40);
  writeIPv4Header(packet, 0, { id: randomInt(65536), ttl, protocol: IpProtocol.TCP, source: from, destination: to, totalLength: 40 });
  writeTcpSegment(packet, 20, { sourcePort, destinationPort, sequence: randomInt(2 ** 32), acknowledgment: randomInt(2 ** 32), flags, window: 0 }, (length) => ipv4PseudoHeaderSum({ source: from, destination: to }, IpProtocol.TCP, length));
  return packet;
}

function unreachableQuotingWrongSyn(from: string, client: string, clientPort: number, port: number): Buffer {
  const quoted = tcp(client, from, clientPort, port, TcpFlag.SYN, 62).subarray(0, 28);
  const packet = Buffer.alloc(20 + 8 + quoted.length);
  writeIPv4Header(packet, 0, { id: randomInt(65536), ttl: 63, protocol: IpProtocol.ICMP, source: from, destination: client, totalLength: packet.length });
  packet[20] = 3;
  packet[21] = 13;
  quoted.copy(packet, 28);
  packet.writeUInt16BE(internetChecksum(packet, 20), 22);
  return packet;
}

// Sends for DURATION_MS at most; READY_FILE appears once sending began, and creating STOP_FILE ends it early.
const [client, sourcePortText, from, portsText, durationText, readyFile, stopFile] = process.argv.slice(2);
if (!client || !sourcePortText || !from || !portsText || !durationText) {
  process.stderr.write('usage: inject-hostile CLIENT SOURCE_PORT FROM PORTS DURATION_MS [READY_FILE [STOP_FILE]]\n');
  process.exit(2);
}
const sourcePort = Number(sourcePortText);
const ports = portsText.split(',').map(Number);
const transport = openRawTransport();
const until = Date.now() + Number(durationText);
let sent = 0;
for (let i = 0; Date.now() < until && !(stopFile && i % 16 === 15 && existsSync(stopFile)); i++) {
  const port = ports[i % ports.length]!;
  transport.send(tcp(from, client, port, sourcePort, TcpFlag.RST | TcpFlag.ACK, 63), client);
  transport.send(tcp(from, client, port, sourcePort, TcpFlag.SYN | TcpFlag.ACK, 63), client);
  transport.send(tcp(from, client, 60000, sourcePort, TcpFlag.RST | TcpFlag.ACK, 63), client);
  transport.send(unreachableQuotingWrongSyn(from, client, sourcePort, port), client);
  sent += 4;
  if (i === 0 && readyFile) writeFileSync(readyFile, 'sending\n');
  await sleep(1);
}
transport.close();
process.stdout.write(`${sent}\n`);
