import t from 'tap';
import { decodeIPv4, IpProtocol } from '../../src/packet/ipv4.js';
import { decodeTcp } from '../../src/packet/tcp.js';
import { finishChecksum, onesComplementSum } from '../../src/packet/checksum.js';
import { buildSyn, prepareSynTemplate, synSequence, SYN_PACKET_BYTES } from '../../src/probe/tcp-syn.js';

const key = [0x01234567, 0x89abcdef] as const;
const flow = { source: '198.18.1.1', destination: '198.18.4.2', sourcePort: 40000 };

/** The TCP checksum over the pseudo-header and segment folds to 0 when right. */
function tcpChecksumHolds(packet: Buffer): boolean {
  const pseudo = Buffer.alloc(12);
  packet.copy(pseudo, 0, 12, 20);
  pseudo[9] = IpProtocol.TCP;
  pseudo.writeUInt16BE(packet.length - 20, 10);
  return finishChecksum(onesComplementSum(packet, 20, packet.length, onesComplementSum(pseudo))) === 0;
}

t.test('buildSyn patches the per-probe fields and keeps both checksums right', async (t) => {
  const template = prepareSynTemplate(flow);
  const cases = [
    { destinationPort: 22, ttl: 64, ipId: 0x1234 },
    { destinationPort: 65535, ttl: 1, ipId: 0xffff, tag: 3 },
    { destinationPort: 1, ttl: 255, ipId: 0 },
  ];
  for (const fields of cases) {
    const packet = buildSyn(template, key, fields);
    t.equal(packet.length, SYN_PACKET_BYTES);
    const ip = decodeIPv4(packet);
    if (!ip.ok) throw new Error(ip.reason);
    t.match(ip.value.header, { source: flow.source, destination: flow.destination, ttl: fields.ttl, id: fields.ipId, protocol: IpProtocol.TCP });
    t.equal(finishChecksum(onesComplementSum(packet, 0, 20)), 0, `IP header checksum for ${JSON.stringify(fields)}`);
    const tcp = decodeTcp(ip.value.payload);
    if (!tcp.ok) throw new Error(tcp.reason);
    const expectedSequence = synSequence(key, template.sourceValue, template.destinationValue, flow.sourcePort, fields.destinationPort, fields.tag ?? 0);
    t.match(tcp.value, { sourcePort: flow.sourcePort, destinationPort: fields.destinationPort, sequence: expectedSequence });
    t.ok(tcpChecksumHolds(packet), `TCP checksum for ${JSON.stringify(fields)}`);
  }
  t.same(buildSyn(template, key, cases[0]!), buildSyn(template, key, cases[0]!), 'deterministic');
  t.not(buildSyn(template, key, cases[0]!), buildSyn(template, key, cases[0]!), 'a fresh buffer per probe (sends may be queued)');
});
