/**
 * The reply rule of SYN probes as a table (see classifySynAnswer in
 * src/probe/tcp-syn.ts). test/probe/syn-answers.ts runs it through the live
 * path (classifyReply), test/analyze/syn-answers.ts through `analyze`: the
 * same segment must give the same verdict on both.
 */
import { TcpFlag } from '../../src/packet/tcp.js';

export interface SynAnswerCase {
  name: string;
  flags: number;
  /** The acknowledgment number relative to the SYN's sequence number (modulo 2^32). */
  ackOffset: number;
  /** The reply kind the port gets, or null: the segment is ignored and the port stays without a reply. */
  expected: 'syn-ack' | 'rst' | null;
}

const { SYN, ACK, RST, PSH, ECE, FIN } = TcpFlag;

export const SYN_ANSWER_CASES: readonly SynAnswerCase[] = [
  { name: 'SYN-ACK acking seq+1', flags: SYN | ACK, ackOffset: 1, expected: 'syn-ack' },
  { name: 'SYN-ACK with ECE acking seq+1', flags: SYN | ACK | ECE, ackOffset: 1, expected: 'syn-ack' },
  { name: 'SYN-ACK acking seq', flags: SYN | ACK, ackOffset: 0, expected: null },
  { name: 'SYN-ACK acking seq+2', flags: SYN | ACK, ackOffset: 2, expected: null },
  { name: 'RST-ACK acking seq+1 (RFC 9293, Linux, REJECT --reject-with tcp-reset)', flags: RST | ACK, ackOffset: 1, expected: 'rst' },
  { name: 'RST-ACK-PSH acking seq+1', flags: RST | ACK | PSH, ackOffset: 1, expected: 'rst' },
  { name: 'RST-ACK acking seq (zmap accepts it; we do not)', flags: RST | ACK, ackOffset: 0, expected: null },
  { name: 'RST-ACK acking seq-1', flags: RST | ACK, ackOffset: -1, expected: null },
  { name: 'RST without ACK, ack field seq+1', flags: RST, ackOffset: 1, expected: null },
  { name: 'RST without ACK, ack field seq', flags: RST, ackOffset: 0, expected: null },
  { name: 'SYN and RST together', flags: SYN | RST | ACK, ackOffset: 1, expected: null },
  { name: 'a bare ACK acking seq+1', flags: ACK, ackOffset: 1, expected: null },
  { name: 'FIN-ACK acking seq+1', flags: FIN | ACK, ackOffset: 1, expected: null },
];
