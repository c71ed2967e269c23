import t from 'tap';
import { CaptureAnalyzer } from '../../src/analyze/analyzer.js';
import type { DecodedPacket } from '../../src/capture/decoded.js';
import { parseIPv4 } from '../../src/packet/address.js';
import { TcpFlag } from '../../src/packet/tcp.js';
import { SYN_ANSWER_CASES } from '../helpers/syn-answers.js';

const C = '198.18.1.1';
const S = '198.18.4.2';
let clock = 1_000;

function tcp(source: string, destination: string, sourcePort: number, destinationPort: number, flags: number, sequence: number, acknowledgment: number): DecodedPacket {
  clock += 1;
  return {
    timestampMs: clock,
    source,
    destination,
    family: 4,
    sourceValue: parseIPv4(source)!,
    destinationValue: parseIPv4(destination)!,
    addressWords: null,
    ttl: 63,
    protocol: 6,
    laterFragment: false,
    tcp: { sourcePort, destinationPort, sequence, acknowledgment, flags },
    icmp: null,
  };
}

t.test('analyze judges every row of the reply table as the live path does', async (t) => {
  for (const sequence of [0x12345678, 0xffffffff]) {
    for (const c of SYN_ANSWER_CASES) {
      const analyzer = new CaptureAnalyzer();
      analyzer.add(tcp(C, S, 40000, 22, TcpFlag.SYN, sequence, 0));
      analyzer.add(tcp(S, C, 22, 40000, c.flags, 777, (sequence + c.ackOffset) >>> 0));
      const [target] = analyzer.result().targets;
      const port = target?.observation.ports.find((p) => p.port === 22);
      t.equal(port?.reply?.kind ?? null, c.expected, `${c.name} (seq ${sequence})`);
      if (c.expected !== null) t.match(port?.reply, { from: S, ttl: 63 });
    }
  }
});
