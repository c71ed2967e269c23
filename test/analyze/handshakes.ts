import t from 'tap';
import { Flows } from '../../src/analyze/flows.js';
import { TcpFlag } from '../../src/packet/tcp.js';
import { answeredSyn, answersSyn, Handshakes, MAX_TRACKED_CLIENTS, quotedSyn, quotesSyn, recordAnswer, SynSenders } from '../../src/analyze/handshakes.js';

const { SYN, ACK, RST } = TcpFlag;

t.test('a SYN-ACK/RST answers a SYN by the reply rule of SYN probes', async (t) => {
  for (const flags of [SYN | ACK, RST | ACK]) {
    t.equal(answersSyn(flags, 1001, 1000), true, `flags ${flags}: ack = seq + 1`);
    t.equal(answersSyn(flags, 1000, 1000), false, `flags ${flags}: ack = seq echoes nothing our key made`);
    t.equal(answersSyn(flags, 1002, 1000), false, `flags ${flags}: another SYN's`);
    t.equal(answersSyn(flags, 0, 0xffffffff), true, `flags ${flags}: wraps at 2^32`);
    t.equal(answersSyn(flags, 0, -1), false, `flags ${flags}: a SYN whose sequence number the capture did not show`);
  }
  t.equal(answersSyn(RST, 1001, 1000), false, 'a RST without ACK');
  t.equal(answersSyn(SYN | RST | ACK, 1001, 1000), false, 'SYN with RST');
  t.equal(quotesSyn(1000, 1000), true);
  t.equal(quotesSyn(1001, 1000), false);
});

function withPending(...sequences: number[]): { flows: Flows<null>; index: number } {
  const flows = new Flows<null>(1);
  const index = flows.open(1, 50000, 2, 22);
  for (const sequence of sequences) flows.addPending(index, sequence, 0, 64);
  return { flows, index };
}

t.test('which pending SYN an answer belongs to', async (t) => {
  const { flows, index } = withPending(100, 200, 300);
  const position = (at: number) => (at < 0 ? -1 : at - flows.firstPending(index));
  t.equal(position(answeredSyn(flows, index, SYN | ACK, 201, true)), 1, 'the retry it acknowledges, not the latest');
  t.equal(position(answeredSyn(flows, index, RST | ACK, 500, true)), -1, 'verified: an answer to none is ignored');
  t.equal(position(answeredSyn(flows, index, RST | ACK, 500, false)), 2, 'unverified (tcpdump text): the latest SYN');
  t.equal(position(answeredSyn(flows, index, RST | ACK, null, true)), -1, 'no acknowledgment number: ignored when verifying');
  t.equal(position(answeredSyn(flows, index, RST | ACK, null, false)), 2);
  t.equal(position(quotedSyn(flows, index, 100, true)), 0);
  t.equal(position(quotedSyn(flows, index, 101, true)), -1, 'a quote of another sequence number is not ours');
  t.equal(position(quotedSyn(flows, index, 101, false)), 2);
  t.equal(position(quotedSyn(flows, index, null, true)), 2, 'a quote too short for the sequence number: the latest SYN');
});

t.test('the first answer stands for the port', async (t) => {
  const handshakes = new Handshakes();
  const port = handshakes.port('198.18.4.2', 22)!;
  recordAnswer(port, { kind: 'rst', from: '198.18.4.2', ttl: 63, rttMs: 1 });
  recordAnswer(port, { kind: 'syn-ack', from: '198.18.4.2', ttl: 61, rttMs: 2 });
  t.match(port.reply, { kind: 'rst', ttl: 63 });
  t.equal(handshakes.port('198.18.4.2', 22), port, 'one state per (target, port)');
  t.equal(port.target, handshakes.target('198.18.4.2'));
});

t.test('SYN senders: remembered up to the cap, then anything not a target counts as a client', async (t) => {
  const senders = new SynSenders();
  senders.note('198.18.1.1');
  t.equal(senders.has('198.18.1.1', false), true);
  t.equal(senders.has('198.18.1.2', false), false);
  for (let i = 0; senders.addresses.size < MAX_TRACKED_CLIENTS; i++) senders.note(`c${i}`);
  t.equal(senders.overflowed, false, 'at the cap, not beyond it');
  senders.note('c0');
  t.equal(senders.overflowed, false, 'a known sender again changes nothing');
  senders.note('one more');
  t.equal(senders.overflowed, true);
  t.equal(senders.has('198.18.9.9', false), true, 'unknown, not a target: a client');
  t.equal(senders.has('198.18.9.9', true), false, 'unknown, a target: not a client');
});
