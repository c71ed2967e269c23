import type { ObservedReply } from '../infer/observation.js';
import type { ReplyEvent } from '../probe/classify-reply.js';
import { isPortAnswer } from '../probe/module.js';
import type { CongestionWindow } from './congestion.js';
import type { RttEstimator } from './rtt.js';
import type { Scheduler } from './scheduler.js';
import type { PortProgress, TargetState } from './state.js';

/** What the scan's reply handling updates. */
export interface ReplySinks {
  rtt: RttEstimator;
  congestion: CongestionWindow;
  scheduler: Scheduler;
}

/**
 * What an answer to a port probe teaches the pacing: the answer to a first
 * try is a clean RTT sample and grows the window (Karn: a re-sent probe's
 * RTT is ambiguous); the answer to a re-send proves the earlier try was
 * lost, evidence of drops.
 */
export function answerFeedback(port: PortProgress): 'rtt-sample' | 'drop-evidence' {
  return port.tries === 1 ? 'rtt-sample' : 'drop-evidence';
}

/**
 * Applies one classified packet to the scan. Returns true when it frees a
 * slot in the window or completes a reference exchange, so the send loop
 * should wake at once.
 */
export function handleReply(event: ReplyEvent<TargetState>, receivedAt: number, sinks: ReplySinks): boolean {
  if (event.type === 'ignored') {
    event.target.ignored++;
    return false;
  }
  if (event.type !== 'answer') return false;
  const target = event.target;
  if (event.flow === target.portFlow) {
    const port = target.ports.get(event.subject);
    if (!port || port.reply !== null || !isPortAnswer(event.kind)) return false;
    const rttMs = receivedAt - port.lastSentAt;
    if (answerFeedback(port) === 'rtt-sample') {
      sinks.rtt.sample(rttMs);
      sinks.congestion.onReply();
    } else {
      sinks.congestion.onDropEvidence(receivedAt, sinks.rtt.timeoutMs());
    }
    const reply: ObservedReply = { kind: event.kind, from: event.from, ttl: event.ttl, rttMs };
    if (event.icmp !== null) Object.assign(reply, event.icmp);
    port.reply = reply;
    sinks.scheduler.answered(port);
    return true;
  }
  // A reference sample is the target's own reply; an ICMP error quoting a reference probe is not.
  if (event.flow !== target.referenceFlow || event.icmp !== null) return false;
  const reference = target.reference;
  const sentAt = reference.sentAt.get(event.subject);
  if (sentAt === undefined) return false;
  reference.sentAt.delete(event.subject);
  const rttMs = receivedAt - sentAt;
  sinks.rtt.sample(rttMs);
  reference.replies.push({ ttl: event.ttl, rttMs });
  return true;
}
