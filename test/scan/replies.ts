import t from 'tap';
import type { ReplyEvent } from '../../src/probe/classify-reply.js';
import { createCongestionWindow } from '../../src/scan/congestion.js';
import { answerFeedback, handleReply } from '../../src/scan/replies.js';
import { createRttEstimator } from '../../src/scan/rtt.js';
import { Scheduler } from '../../src/scan/scheduler.js';
import { initialJobs } from '../../src/scan/targets.js';
import type { TargetState } from '../../src/scan/state.js';
import { targetState } from '../helpers/scan-state.js';

const QUOTE = {
  header: {
    version: 4 as const, headerLength: 20, tos: 0, totalLength: 60, id: 1, dontFragment: true, moreFragments: false,
    fragmentOffset: 0, ttl: 1, protocol: 6, checksum: 0, source: '198.18.1.1', destination: '198.18.4.2',
  },
  transport: Buffer.alloc(8),
};

function setUp() {
  const target = targetState('198.18.4.2', [22, 443]);
  const scheduler = new Scheduler(initialJobs([target], 3), 100000, 2, 0);
  const sinks = { rtt: createRttEstimator(1000), congestion: createCongestionWindow(1000), scheduler };
  scheduler.refill(1000);
  for (let job = scheduler.take(100); job !== null; job = scheduler.take(100)) {
    scheduler.sentJob(job, 10);
    if (job.port === null) target.reference.sentAt.set(job.subject, 10);
  }
  return { target, sinks };
}

const answer = (target: TargetState, fields: Partial<Extract<ReplyEvent<TargetState>, { type: 'answer' }>>): ReplyEvent<TargetState> => ({
  type: 'answer',
  target,
  flow: target.portFlow,
  subject: 22,
  tag: 0,
  kind: 'rst',
  from: '198.18.2.2',
  ttl: 63,
  icmp: null,
  ...fields,
});

t.test('answerFeedback: a first try samples the RTT, a re-send is evidence of drops', async (t) => {
  t.equal(answerFeedback({ port: 1, tries: 1, reply: null, lastSentAt: 0, outstanding: true, done: false }), 'rtt-sample');
  t.equal(answerFeedback({ port: 1, tries: 2, reply: null, lastSentAt: 0, outstanding: true, done: false }), 'drop-evidence');
});

t.test('a port answer records the reply once and frees its slot', async (t) => {
  const { target, sinks } = setUp();
  t.equal(sinks.scheduler.inFlight, 2);
  t.equal(handleReply(answer(target, {}), 30, sinks), true, 'wakes the send loop');
  t.same(target.ports.get(22)!.reply, { kind: 'rst', from: '198.18.2.2', ttl: 63, rttMs: 20 });
  t.same([target.ports.get(22)!.done, sinks.scheduler.inFlight], [true, 1]);
  t.equal(handleReply(answer(target, { kind: 'syn-ack', ttl: 61 }), 40, sinks), false, 'a second answer changes nothing');
  t.equal(target.ports.get(22)!.reply!.kind, 'rst');
  t.equal(handleReply(answer(target, { subject: 8080 }), 40, sinks), false, 'a port not in this scan');
});

t.test('an ICMP unreachable keeps its details', async (t) => {
  const { target, sinks } = setUp();
  handleReply(answer(target, { subject: 443, kind: 'icmp-unreachable', icmp: { icmpType: 3, icmpCode: 13, quotedTtl: 62, sentTtl: 64 } }), 15, sinks);
  t.same(target.ports.get(443)!.reply, { kind: 'icmp-unreachable', from: '198.18.2.2', ttl: 63, rttMs: 5, icmpType: 3, icmpCode: 13, quotedTtl: 62, sentTtl: 64 });
});

t.test('reference replies: one sample per probe, from the target itself', async (t) => {
  const { target, sinks } = setUp();
  const reference = (fields: Partial<Extract<ReplyEvent<TargetState>, { type: 'answer' }>>) => answer(target, { flow: target.referenceFlow, kind: 'echo-reply', from: '198.18.4.2', ttl: 61, ...fields });
  t.equal(handleReply(reference({ subject: 2 }), 12, sinks), true);
  t.equal(handleReply(reference({ subject: 2 }), 13, sinks), false, 'a duplicate');
  t.equal(handleReply(reference({ subject: 3, kind: 'icmp-unreachable', icmp: { icmpType: 3, icmpCode: 1, quotedTtl: 1, sentTtl: 64 } }), 14, sinks), false, 'an error quoting it is no sample');
  t.same(target.reference.replies, [{ ttl: 61, rttMs: 2 }]);
  t.same([...target.reference.sentAt.keys()], [1, 3]);
  t.equal(handleReply(answer(target, { flow: target.referenceFlow, subject: 1, kind: 'echo-reply' }), 20, sinks), true);
  t.equal(target.ports.get(22)!.reply, null, 'a reference answer never gives a port a verdict');
});

t.test('ignored packets are counted per target; unrelated and time-exceeded ones are not', async (t) => {
  const { target, sinks } = setUp();
  t.equal(handleReply({ type: 'ignored', target, reason: 'x' }, 1, sinks), false);
  handleReply({ type: 'unrelated' }, 1, sinks);
  handleReply({ type: 'time-exceeded', target, flow: target.portFlow, subject: 22, tag: 0, from: '198.18.1.2', ttl: 64, quotedIpId: 1, quote: QUOTE, mpls: [] }, 1, sinks);
  t.equal(target.ignored, 1);
  t.equal(target.ports.get(22)!.reply, null);
});
