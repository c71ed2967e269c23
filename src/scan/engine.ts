import { randomInt } from '../random.js';
import { parseIPv4 } from '../packet/address.js';
import type { ObservedReply, PortObservation, TargetObservation } from '../infer/observation.js';
import { newCookieKey, type CookieKey } from '../probe/cookie.js';
import { buildEcho } from '../probe/icmp-echo.js';
import { buildSyn, prepareSynTemplate, type SynTemplate } from '../probe/tcp-syn.js';
import type { Transport } from '../transport/transport.js';
import { classifyReply, type ProbedTarget } from './classify-reply.js';
import { createCongestionWindow } from './congestion.js';
import { createRttEstimator } from './rtt.js';
import { mark } from '../timing.js';
import { monotonicMs } from '../clock.js';

/** How one run probes. */
export interface ScanOptions {
  ports: readonly number[];
  /** ICMP echo requests per target. */
  echoCount: number;
  /** SYNs per port at most; re-sends go only to ports still silent. */
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
  /** For tests: a fixed key and identifiers. */
  key?: CookieKey;
  sourcePort?: number;
  echoIdentifier?: number;
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
  key: CookieKey;
  echoIdentifier: number;
  /** SYN templates by target address. */
  templates: Map<string, SynTemplate>;
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

interface PortProgress {
  port: number;
  tries: number;
  reply: ObservedReply | null;
  lastSentAt: number;
  outstanding: boolean;
  done: boolean;
}

function newPortProgress(port: number): PortProgress {
  return { port, tries: 0, reply: null, lastSentAt: 0, outstanding: false, done: false };
}

interface TargetState extends ProbedTarget {
  ports: Map<number, PortProgress>;
  echoSent: number;
  echoSentAt: Map<number, number>;
  echoReplies: { ttl: number; rttMs: number }[];
  ignored: number;
}

/**
 * Packets handed to the transport but not yet to the kernel, at most: beyond
 * this the engine waits, so a probe's send time is when it really left and
 * timeouts do not fire for probes still queued in user space.
 */
const MAX_BACKLOG = 256;

/** Plain probes carry tag 0 (see synSequence). */
const PLAIN_PROBE_TAGS: readonly number[] = [0];

type Job = { kind: 'syn'; target: TargetState; port: PortProgress } | { kind: 'echo'; target: TargetState; sequence: number };

/**
 * Probes every target: ICMP echoes and one SYN per port, paced at
 * `options.rate`, with at most `maxInFlight` SYNs awaiting replies, an
 * adaptive timeout and re-sends only for silent ports. One sweep of a FIFO of
 * sent probes replaces per-probe timers. Resolves when every port has a reply
 * or used its tries and the echoes have had their time; or, when the signal
 * aborts, at once with what was learned.
 */
export async function scan(transport: Transport, targets: readonly ScanTarget[], options: ScanOptions): Promise<ScanResult> {
  const key = options.key ?? newCookieKey();
  const sourcePort = options.sourcePort ?? randomInt(32768, 61000);
  const echoIdentifier = options.echoIdentifier ?? randomInt(1, 65536);
  const rtt = createRttEstimator(options.timeoutMs);
  const congestion = createCongestionWindow(options.maxInFlight);

  const byAddress = new Map<string, TargetState>();
  for (const { address, ports: targetPorts } of targets) {
    const known = byAddress.get(address);
    if (known) {
      // The same address given twice (e.g. by name and by number): probe the union once.
      for (const port of targetPorts ?? options.ports) if (!known.ports.has(port)) known.ports.set(port, newPortProgress(port));
      continue;
    }
    const source = await transport.sourceFor(address);
    const ports = new Map<number, PortProgress>();
    for (const port of targetPorts ?? options.ports) ports.set(port, newPortProgress(port));
    byAddress.set(address, {
      address,
      addressValue: parseIPv4(address) ?? 0,
      template: prepareSynTemplate({ source, destination: address, sourcePort }),
      sentTags: (port) => (ports.has(port) ? PLAIN_PROBE_TAGS : null),
      ports,
      echoSent: 0,
      echoSentAt: new Map(),
      echoReplies: [],
      ignored: 0,
    });
  }
  mark('scan: sources found');
  const states = [...byAddress.values()];
  const context = { key, echoIdentifier, targets: byAddress, sentTtl: options.ttl };

  let inFlight = 0;
  let sendErrors = 0;
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
  transport.onSendError(() => {
    sendErrors++;
  });
  transport.onPacket((packet, receivedAt) => {
    const event = classifyReply(packet, context);
    switch (event.type) {
      case 'ignored':
        event.target.ignored++;
        return;
      case 'echo': {
        const sentAt = event.target.echoSentAt.get(event.sequence);
        if (sentAt === undefined) return;
        event.target.echoSentAt.delete(event.sequence);
        const rttMs = receivedAt - sentAt;
        rtt.sample(rttMs);
        event.target.echoReplies.push({ ttl: event.ttl, rttMs });
        nudge();
        return;
      }
      case 'port': {
        const progress = event.target.ports.get(event.port);
        if (!progress || progress.reply !== null) return;
        const rttMs = receivedAt - progress.lastSentAt;
        if (progress.tries === 1) {
          rtt.sample(rttMs);
          congestion.onReply();
        } else {
          congestion.onDropEvidence(receivedAt, rtt.timeoutMs());
        }
        progress.reply = { ...event.reply, rttMs };
        progress.done = true;
        if (progress.outstanding) {
          progress.outstanding = false;
          inFlight--;
        }
        nudge();
        return;
      }
      default:
        return;
    }
  });

  // Echoes first so the reference is measured early, then ports round-robin across targets.
  const queue: Job[] = [];
  for (const target of states) {
    for (let i = 0; i < options.echoCount; i++) queue.push({ kind: 'echo', target, sequence: i + 1 });
  }
  const portLists = states.map((target) => [...target.ports.values()]);
  const longest = Math.max(0, ...portLists.map((list) => list.length));
  for (let i = 0; i < longest; i++) {
    portLists.forEach((list, t) => {
      const port = list[i];
      if (port) queue.push({ kind: 'syn', target: states[t]!, port });
    });
  }

  const sent: { target: TargetState; port: PortProgress; sentAt: number }[] = [];
  let sentHead = 0;
  let queueHead = 0;
  let ipId = randomInt(0, 65536);
  let lastEchoAt = -Infinity;
  let tokens = 1;
  const burst = Math.max(1, Math.ceil(options.rate / 100));
  let lastRefill = monotonicMs();
  const aborted = (): boolean => options.signal?.aborted === true;

  const send = (job: Job, now: number): void => {
    ipId = (ipId + 1) & 0xffff;
    if (job.kind === 'echo') {
      job.target.echoSent++;
      job.target.echoSentAt.set(job.sequence, now);
      lastEchoAt = now;
      transport.send(
        buildEcho(key, { source: job.target.template.flow.source, destination: job.target.address, identifier: echoIdentifier, sequence: job.sequence, ttl: options.ttl, ipId }),
        job.target.address,
      );
      return;
    }
    const { port } = job;
    port.tries++;
    port.lastSentAt = now;
    port.outstanding = true;
    inFlight++;
    sent.push({ target: job.target, port, sentAt: now });
    transport.send(buildSyn(job.target.template, key, { destinationPort: port.port, ttl: options.ttl, ipId }), job.target.address);
  };

  const totalPorts = states.reduce((sum, state) => sum + state.ports.size, 0);
  let portsDone = 0;
  mark('scan: first send');
  let lastProgress = 0;
  while (!aborted()) {
    const now = monotonicMs();
    if (options.onProgress && now - lastProgress >= 100) {
      lastProgress = now;
      portsDone = 0;
      for (const state of states) for (const port of state.ports.values()) if (port.done) portsDone++;
      options.onProgress(portsDone, totalPorts);
    }
    const timeout = rtt.timeoutMs();
    // Expire probes in send order; a re-send goes to the back of the queue.
    while (sentHead < sent.length) {
      const entry = sent[sentHead]!;
      if (entry.port.done || entry.sentAt !== entry.port.lastSentAt) {
        sentHead++;
        continue;
      }
      if (entry.sentAt + timeout > now) break;
      sentHead++;
      entry.port.outstanding = false;
      inFlight--;
      if (entry.port.tries < options.tries) {
        queue.push({ kind: 'syn', target: entry.target, port: entry.port });
      } else {
        entry.port.done = true;
      }
    }
    if (sentHead > 4096 && sentHead * 2 > sent.length) {
      sent.splice(0, sentHead);
      sentHead = 0;
    }
    if (queueHead > 4096 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }

    tokens = Math.min(burst, tokens + ((now - lastRefill) * options.rate) / 1000);
    lastRefill = now;
    const windowLimit = congestion.limit();
    while (queueHead < queue.length && tokens >= 1 && transport.backlog() < MAX_BACKLOG) {
      const job = queue[queueHead]!;
      if (job.kind === 'syn' && job.port.done) {
        // A late reply answered it while its re-send waited in the queue.
        queueHead++;
        continue;
      }
      if (job.kind === 'syn' && inFlight >= windowLimit) break;
      queueHead++;
      tokens--;
      send(job, now);
    }

    const portsPending = queueHead < queue.length || inFlight > 0;
    const echoesPending = states.some((s) => s.echoSentAt.size > 0) && now < lastEchoAt + timeout;
    if (!portsPending && !echoesPending) break;
    await nextRound();
  }

  mark('scan: done');
  return {
    session: {
      key,
      echoIdentifier,
      templates: new Map(states.map((state) => [state.address, state.template])),
      timeoutMs: rtt.timeoutMs(),
    },
    interrupted: aborted(),
    backoffs: congestion.decreases,
    sendErrors,
    observations: targets.map(({ target, address, ports: targetPorts }) => {
      const state = byAddress.get(address)!;
      const wanted = new Set(targetPorts ?? options.ports);
      const ports: PortObservation[] = [...state.ports.values()].filter((p) => wanted.has(p.port)).sort((a, b) => a.port - b.port).map((p) => ({
        port: p.port,
        tries: p.tries,
        reply: p.reply,
        finished: p.done,
      }));
      return {
        target,
        address,
        echo: { sent: state.echoSent, replies: [...state.echoReplies] },
        ports,
        ignored: state.ignored,
      };
    }),
  };
}
