import { portJob } from './targets.js';
import type { Job, PortProgress, TargetState } from './state.js';

/**
 * When probes go out: a token bucket for the rate, a window of port probes
 * awaiting replies, and expiry in send order (one sweep of a FIFO of sent
 * probes instead of a timer per probe), with re-sends for silent ports. The
 * clock is the caller's: every method takes `now`, so tests run it on
 * made-up times.
 */

/** Tokens after `elapsedMs` at `rate` per second, capped at `burst`. */
export function refilledTokens(tokens: number, elapsedMs: number, rate: number, burst: number): number {
  return Math.min(burst, tokens + (elapsedMs * rate) / 1000);
}

/** The bucket's size: a hundredth of a second's worth of probes, at least one. */
export function burstFor(rate: number): number {
  return Math.max(1, Math.ceil(rate / 100));
}

/** What happens to a port probe whose reply did not come in time: sent again, or the port is done (silent). */
export function afterTimeout(port: PortProgress, maxTries: number): 'resend' | 'give-up' {
  return port.tries < maxTries ? 'resend' : 'give-up';
}

interface SentProbe {
  target: TargetState;
  port: PortProgress;
  sentAt: number;
}

/** Entries consumed from the head of a FIFO before it is compacted (and only when they are at least half of it). */
const COMPACT_AFTER = 4096;

export class Scheduler {
  /** Port probes awaiting a reply. */
  inFlight = 0;
  private readonly queue: Job[];
  private queueHead = 0;
  private readonly sent: SentProbe[] = [];
  private sentHead = 0;
  private tokens = 1;
  private lastRefill: number;
  private readonly burst: number;

  constructor(
    jobs: Job[],
    private readonly rate: number,
    private readonly maxTries: number,
    now: number,
  ) {
    this.queue = jobs;
    this.burst = burstFor(rate);
    this.lastRefill = now;
  }

  /**
   * Expires, in send order, port probes sent `timeoutMs` or more before
   * `now` and still unanswered: each leaves the window and is queued again
   * or marked done. Entries of answered probes, or superseded by a re-send,
   * are skipped.
   */
  expire(now: number, timeoutMs: number): void {
    const sent = this.sent;
    while (this.sentHead < sent.length) {
      const entry = sent[this.sentHead]!;
      if (entry.port.done || entry.sentAt !== entry.port.lastSentAt) {
        this.sentHead++;
        continue;
      }
      if (entry.sentAt + timeoutMs > now) break;
      this.sentHead++;
      entry.port.outstanding = false;
      this.inFlight--;
      if (afterTimeout(entry.port, this.maxTries) === 'resend') this.queue.push(portJob(entry.target, entry.port));
      else entry.port.done = true;
    }
    if (this.sentHead > COMPACT_AFTER && this.sentHead * 2 > sent.length) {
      sent.splice(0, this.sentHead);
      this.sentHead = 0;
    }
    if (this.queueHead > COMPACT_AFTER && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Adds the tokens earned since the last call. */
  refill(now: number): void {
    this.tokens = refilledTokens(this.tokens, now - this.lastRefill, this.rate, this.burst);
    this.lastRefill = now;
  }

  /**
   * The next job allowed to go now, taking its token, or null: no token, an
   * empty queue, or a port probe with the window (`windowLimit`) full. Port
   * jobs answered while their re-send waited are dropped on the way.
   */
  take(windowLimit: number): Job | null {
    while (this.queueHead < this.queue.length && this.tokens >= 1) {
      const job = this.queue[this.queueHead]!;
      const port = job.port;
      if (port !== null && port.done) {
        this.queueHead++;
        continue;
      }
      if (port !== null && this.inFlight >= windowLimit) return null;
      this.queueHead++;
      this.tokens--;
      return job;
    }
    return null;
  }

  /** Records that `job` went out at `now` (a port probe enters the window and the expiry FIFO). */
  sentJob(job: Job, now: number): void {
    const port = job.port;
    if (port === null) return;
    port.tries++;
    port.lastSentAt = now;
    port.outstanding = true;
    this.inFlight++;
    this.sent.push({ target: job.target, port, sentAt: now });
  }

  /** A port probe was answered: it leaves the window. */
  answered(port: PortProgress): void {
    port.done = true;
    if (port.outstanding) {
      port.outstanding = false;
      this.inFlight--;
    }
  }

  /** Jobs still queued or port probes awaiting replies. */
  pending(): boolean {
    return this.queueHead < this.queue.length || this.inFlight > 0;
  }
}
