import t from 'tap';
import { requireAddress } from '../../src/packet/address.js';
import { TcpFlag } from '../../src/packet/tcp.js';
import { classifyReply, type ProbedTarget } from '../../src/probe/classify-reply.js';
import { classifySynAnswer, synSequence, tcpSyn } from '../../src/probe/tcp-syn.js';
import { SYN_ANSWER_CASES } from '../helpers/syn-answers.js';
import { tcpPacket } from '../helpers/fake-network.js';

const key = [0x01234567, 0x89abcdef] as const;
const CLIENT = '198.18.1.1';
const SERVER = '198.18.4.2';
const flow = { source: requireAddress(CLIENT), destination: requireAddress(SERVER), flowId: 40000 };

t.test('classifySynAnswer: the table', async (t) => {
  const sent = 0x12345678;
  for (const c of SYN_ANSWER_CASES) {
    const answer = classifySynAnswer(c.flags, (sent + c.ackOffset) >>> 0, sent);
    t.equal(answer === 'syn-ack' || answer === 'rst' ? answer : null, c.expected, c.name);
  }
});

t.test('classifySynAnswer: sequence numbers wrap, and the reason for a refusal', async (t) => {
  t.equal(classifySynAnswer(TcpFlag.SYN | TcpFlag.ACK, 0, 0xffffffff), 'syn-ack', 'seq 2^32-1 is acked by 0');
  t.equal(classifySynAnswer(TcpFlag.RST | TcpFlag.ACK, 0xffffffff, 0xffffffff), 'wrong-ack');
  t.equal(classifySynAnswer(TcpFlag.RST, 0, 0xffffffff), 'not-an-answer');
});

t.test('the live path (classifyReply) judges every row as the table says', async (t) => {
  const template = tcpSyn.prepare(flow, key);
  const target: ProbedTarget = { address: SERVER, flows: [{ template, sentTags: (port) => (port === 22 ? [0] : null) }] };
  const context = { targets: new Map([[SERVER, target]]), sentTtl: 64 };
  const sequence = synSequence(key, flow, 22);
  for (const c of SYN_ANSWER_CASES) {
    const reply = tcpPacket({ source: SERVER, destination: CLIENT, sourcePort: 22, destinationPort: 40000, sequence: 777, acknowledgment: (sequence + c.ackOffset) >>> 0, flags: c.flags, ttl: 63 });
    const event = classifyReply(reply, context);
    if (c.expected === null) {
      t.equal(event.type, 'ignored', `${c.name}: ignored`);
    } else {
      t.match(event, { type: 'answer', subject: 22, tag: 0, kind: c.expected, from: SERVER, ttl: 63, icmp: null }, c.name);
    }
  }
});
