import type { ObservedReply } from '../infer/observation.js';
import { classifySynAnswer } from '../probe/tcp-syn.js';
import type { Flows } from './flows.js';
import type { PortResets } from './resets.js';

/**
 * Handshakes: per target and port the SYNs sent and the first answer to them
 * (SYN-ACK, RST, or an ICMP unreachable quoting the SYN), as a live probe
 * would have seen it; and who sent SYNs (the clients). Targets and ports are
 * capped, so a scan of a whole network stays in bounded memory.
 */

/** Targets and port observations tracked at most. */
export const MAX_TARGETS = 16_384;
export const MAX_PORTS = 131_072;
/** Distinct SYN senders remembered (for telling the sides apart); beyond, every address not a target counts as a client. */
export const MAX_TRACKED_CLIENTS = 65_536;

export interface PortState {
  port: number;
  tries: number;
  reply: ObservedReply | null;
  target: TargetState;
}

export interface TargetState {
  address: string;
  ports: Map<number, PortState>;
  /** Answers that answer none of our SYNs (wrong sequence number, RST without ACK). */
  ignored: number;
  resets: Map<number, PortResets>;
}

/**
 * Whether a segment with `flags` and `acknowledgment` answers the SYN sent
 * with `synSequence` (-1 when the capture did not show it: never answered):
 * the reply rule of SYN probes (classifySynAnswer), the same rule the live
 * path applies. The one place the capture path asks it.
 */
export function answersSyn(flags: number, acknowledgment: number, synSequence: number): boolean {
  if (synSequence < 0) return false;
  const answer = classifySynAnswer(flags, acknowledgment, synSequence);
  return answer === 'syn-ack' || answer === 'rst';
}

/** The rule by which an ICMP error answers a SYN: its quote carries the SYN's sequence number. */
export function quotesSyn(quotedSequence: number, synSequence: number): boolean {
  return quotedSequence === synSequence;
}

/**
 * Which of a connection's pending SYNs a SYN-ACK/RST answers: its position in
 * the pending arrays, or -1 when it answers none and `verifySequence` asks for
 * a match. Unverified, an unmatched answer is taken for the latest SYN.
 */
export function answeredSyn<Tag>(flows: Flows<Tag>, index: number, flags: number, acknowledgment: number | null, verifySequence: boolean): number {
  if (acknowledgment !== null) {
    const end = flows.lastPending(index);
    for (let at = flows.firstPending(index); at <= end; at++) if (answersSyn(flags, acknowledgment, flows.pendingSeq[at]!)) return at;
  }
  return verifySequence ? -1 : flows.lastPending(index);
}

/**
 * Which pending SYN an ICMP error quotes, as answeredSyn. A quote too short
 * to carry the sequence number (`quotedSequence` null) is taken for the
 * latest SYN even when verifying: the quoted ports already match.
 */
export function quotedSyn<Tag>(flows: Flows<Tag>, index: number, quotedSequence: number | null, verifySequence: boolean): number {
  if (quotedSequence === null) return flows.lastPending(index);
  const end = flows.lastPending(index);
  for (let at = flows.firstPending(index); at <= end; at++) if (quotesSyn(quotedSequence, flows.pendingSeq[at]!)) return at;
  return verifySequence ? -1 : end;
}

/** The first answer stands for the port, as with a live probe. */
export function recordAnswer(port: PortState, reply: ObservedReply): void {
  if (port.reply === null) port.reply = reply;
}

/** Targets and their ports, in order of first appearance, within MAX_TARGETS and MAX_PORTS. */
export class Handshakes {
  readonly targets = new Map<string, TargetState>();
  private portCount = 0;

  /** The target's state; null when MAX_TARGETS are tracked already (unless `always`). */
  target(address: string, always = false): TargetState | null {
    let target = this.targets.get(address);
    if (!target) {
      if (this.targets.size >= MAX_TARGETS && !always) return null;
      target = { address, ports: new Map(), ignored: 0, resets: new Map() };
      this.targets.set(address, target);
    }
    return target;
  }

  /** The state of a port a SYN went to; null when the limits on targets or ports are reached. */
  port(address: string, port: number): PortState | null {
    const target = this.target(address);
    if (!target) return null;
    let state = target.ports.get(port);
    if (!state) {
      if (this.portCount >= MAX_PORTS) return null;
      state = { port, tries: 0, reply: null, target };
      target.ports.set(port, state);
      this.portCount++;
    }
    return state;
  }
}

/** Who sent SYNs, remembered up to MAX_TRACKED_CLIENTS. */
export class SynSenders {
  readonly addresses = new Set<string>();
  /** More than MAX_TRACKED_CLIENTS sent SYNs. */
  overflowed = false;

  note(address: string): void {
    if (this.overflowed) return;
    if (this.addresses.size < MAX_TRACKED_CLIENTS) this.addresses.add(address);
    else if (!this.addresses.has(address)) this.overflowed = true;
  }

  /** True if `address` sent SYNs (as far as can be told once more than MAX_TRACKED_CLIENTS did; `isTarget` tells the rest apart). */
  has(address: string, isTarget: boolean): boolean {
    return this.addresses.has(address) || (this.overflowed && !isTarget);
  }
}
