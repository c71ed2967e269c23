import { randomInt } from '../random.js';
import type { TargetObservation } from '../infer/observation.js';
import { classifyReply } from '../probe/classify-reply.js';
import { newCookieKey, type CookieKey } from '../probe/cookie.js';
import type { ProbeModule, ProbeTemplate } from '../probe/module.js';
import { DEFAULT_PORT_MODULE, DEFAULT_REFERENCE_MODULE } from '../probe/registry.js';
import type { Transport } from '../transport/transport.js';
import { createCongestionWindow } from './congestion.js';
import { handleReply } from './replies.js';
import { assembleObservations } from './results.js';
import { createRttEstimator } from './rtt.js';
import { Scheduler } from './scheduler.js';
import type { Job, TargetState } from './state.js';
import { initialJobs, setUpTargets } from './targets.js';
import { mark } from '../timing.js';
import { monotonicMs } from '../clock.js';

/** How one run probes. */
export interface ScanOptions {
  ports: readonly number[];
  /** Reference probes (ICMP echo requests by default) per target. */
  echoCount: number;
  /** Port probes per port at most; re-sends go only to ports still silent. */
  tries: number;
  /** The longest wait for one reply, in ms (the adaptive timeout never exceeds it). */
  timeoutMs: number;
  /** Packets per second, all targets together. */
  rate: number;
  /** Probes awaiting a reply at once, at most. */
  maxInFlight: number;
  /** TTL our probes leave with. */
  ttl: number;
  /** Stops sending; the result then holds what was learned so far. */
  signal?: AbortSignal;
  /** Called about ten times a second with the ports that have a verdict and the ports in all. */
  onProgress?: (done: number, total: number) => void;
  /** The probe kind asked of every port (DEFAULT_PORT_MODULE: TCP SYN). */
  portModule?: ProbeModule;
  /** The probe kind whose replies give the host's own TTL (DEFAULT_REFERENCE_MODULE: ICMP echo). */
  referenceModule?: ProbeModule;
  /** The run's flow identifier (TCP source port, ICMP echo identifier); random per run when absent. */
  flowId?: number;
  /** For tests: a fixed key. */
  key?: CookieKey;
  /** For tests: the clock of send and expiry decisions (monotonicMs by default; replies carry the transport's times). */
  clock?: () => number;
}

export const DEFAULT_SCAN_OPTIONS = {
  echoCount: 3,
  tries: 2,
  timeoutMs: 1000,
  rate: 100000,
  maxInFlight: 1000,
  ttl: 64,
} as const;

export interface ScanTarget {
  target: string;
  address: string;
  /** This target's ports; options.ports when absent. */
  ports?: readonly number[];
}

/** What later phases (the tracer) need to send and recognise probes of this run. */
export interface ScanSession {
  /** The port probes' templates by target address (the tracer sends them TTL-limited). */
  templates: Map<string, ProbeTemplate>;
  /** The adaptive reply timeout at the end of the scan, in ms. */
  timeoutMs: number;
}

export interface ScanResult {
  session: ScanSession;
  /** How often the congestion window was halved on evidence of drops. */
  backoffs: number;
  observations: TargetObservation[];
  interrupted: boolean;
  /** Sends the kernel refused (e.g. EPERM from a local firewall). */
  sendErrors: number;
}

/**
 * Packets handed to the transport but not yet to the kernel, at most: beyond
 * this the engine waits, so a probe's send time is when it really left and
 * timeouts do not fire for probes still queued in user space.
 */
const MAX_BACKLOG = 256;

/**
 * Probes every target: reference probes and one port probe per port, paced
 * at `options.rate`, with at most `maxInFlight` port probes awaiting replies,
 * an adaptive timeout and re-sends only for silent ports. Resolves when every
 * port has a reply or used its tries and the reference probes have had their
 * time; or, when the signal aborts, at once with what was learned. The
 * transport listeners it adds are removed when it ends.
 */
export async function scan(transport: Transport, targets: readonly ScanTarget[], options: ScanOptions): Promise<ScanResult> {
  const key = options.key ?? newCookieKey();
  const clock = options.clock ?? monotonicMs;
  const byAddress = await setUpTargets(transport, targets, {
    key,
    flowId: options.flowId ?? randomInt(32768, 61000),
    portModule: options.portModule ?? DEFAULT_PORT_MODULE,
    referenceModule: options.referenceModule ?? DEFAULT_REFERENCE_MODULE,
    referenceCount: options.echoCount,
    ports: options.ports,
  });
  mark('scan: sources found');
  const states = [...byAddress.values()];
  const context = { targets: byAddress, sentTtl: options.ttl };
  const sinks = {
    rtt: createRttEstimator(options.timeoutMs),
    congestion: createCongestionWindow(options.maxInFlight),
    scheduler: new Scheduler(initialJobs(states, options.echoCount), options.rate, options.tries, clock()),
  };
  const { rtt, congestion, scheduler } = sinks;

  // The loop below sleeps up to 1 ms between rounds; a reply that frees a slot in the window (or
  // is the last one awaited) wakes it at once, after the rest of the batch the socket delivered:
  // sending is clocked by replies as in TCP, not by the timer.
  let wakeLoop: (() => void) | null = null;
  const nudge = (): void => {
    const wake = wakeLoop;
    if (wake === null) return;
    wakeLoop = null;
    setImmediate(wake);
  };
  const nextRound = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wakeLoop = null;
        resolve();
      }, 1);
      wakeLoop = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let sendErrors = 0;
  const stopErrors = transport.onSendError(() => {
    sendErrors++;
  });
  const stopPackets = transport.onPacket((packet, receivedAt) => {
    if (handleReply(classifyReply(packet, context), receivedAt, sinks)) nudge();
  });

  let ipId = randomInt(0, 65536);
  let lastReferenceAt = -Infinity;
  const send = (job: Job, now: number): void => {
    ipId = (ipId + 1) & 0xffff;
    if (job.port === null) {
      const reference = job.target.reference;
      reference.sent++;
      reference.sentAt.set(job.subject, now);
      lastReferenceAt = now;
    }
    const template = job.flow.template;
    if (job.port !== null && job.port.tries > 0) {
      const before = template.buildBeforeResend?.(job.subject, options.ttl, ipId, 0) ?? null;
      if (before !== null) {
        transport.send(before, job.target.address);
        ipId = (ipId + 1) & 0xffff;
      }
    }
    scheduler.sentJob(job, now);
    transport.send(template.build(job.subject, options.ttl, ipId, 0), job.target.address);
  };

  const aborted = (): boolean => options.signal?.aborted === true;
  const totalPorts = states.reduce((sum, state) => sum + state.ports.size, 0);
  mark('scan: first send');
  let lastProgress = 0;
  try {
    while (!aborted()) {
      const now = clock();
      if (options.onProgress && now - lastProgress >= 100) {
        lastProgress = now;
        options.onProgress(portsDone(states), totalPorts);
      }
      const timeout = rtt.timeoutMs();
      scheduler.expire(now, timeout);
      scheduler.refill(now);
      const windowLimit = congestion.limit();
      while (transport.backlog() < MAX_BACKLOG) {
        const job = scheduler.take(windowLimit);
        if (job === null) break;
        send(job, now);
      }
      const referencePending = now < lastReferenceAt + timeout && states.some((s) => s.reference.sentAt.size > 0);
      if (!scheduler.pending() && !referencePending) break;
      await nextRound();
    }
  } finally {
    stopPackets();
    stopErrors();
  }

  mark('scan: done');
  return {
    session: {
      templates: new Map(states.map((state) => [state.address, state.portFlow.template])),
      timeoutMs: rtt.timeoutMs(),
    },
    interrupted: aborted(),
    backoffs: congestion.decreases,
    sendErrors,
    observations: assembleObservations(targets, byAddress, options.ports),
  };
}

function portsDone(states: readonly TargetState[]): number {
  let done = 0;
  for (const state of states) for (const port of state.ports.values()) if (port.done) done++;
  return done;
}
