import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from '../clock.js';
import { answeredByOf } from '../infer/verdict.js';
import { distanceOf, hopOf } from '../infer/ttl.js';
import type { IdleResult, IdleSender, IdleUnsolicited } from '../model/idle.js';
import type { StreamConnector, StreamHandle } from '../transport/stream.js';
import type { Transport } from '../transport/transport.js';
import type { Resolution } from './duration.js';
import { createLocator, type Locator } from './locate.js';
import { idleResult, searchDecided, summarize, type ConnectionOutcome } from './outcome.js';
import { idleSchedule, openAtS } from './schedule.js';
import { buildSegment, checkFields, readIdleEvent, segmentMeaning, sequenceAfter, tupleKey, type ConnectionTuple } from './segments.js';
import { TcpFlag } from '../packet/tcp.js';

/**
 * The idle search of many ports at once over one transport: per port, real
 * connections (through `connect`, so the kernel owns them) opened on the
 * schedule, each left idle for its time and then checked with a raw
 * zero-length ACK (segments.ts); the first ends decide the interval, a
 * silent end is located (locate.ts). One packet listener serves them all.
 */

export interface IdleJob {
  address: string;
  port: number;
  /** The host's reference distance (echo replies, else SYN-ACKs), as the probe found it; null: none. */
  referenceDistance: number | null;
  /** Idle times the grid must hold exactly (an expectation's). */
  mustTry?: readonly number[];
}

export interface IdleRunOptions {
  maxIdleS: number;
  resolution: Resolution;
  maxConnections: number;
  /** The longest wait for the answer to one check, in ms (below it: 8 round trips, at least 500 ms); a handshake gets at least 3 s. */
  timeoutMs: number;
  /** Checks of one connection before silence counts as a drop. */
  checkTries: number;
  signal?: AbortSignal;
  /** Called about every second: seconds waited, connections alive. */
  onProgress?: (waitedS: number, alive: number) => void;
}

type ConnectionState = 'opening' | 'idle' | 'checking' | 'done';

interface Connection {
  idleS: number;
  state: ConnectionState;
  tuple: ConnectionTuple | null;
  handle: StreamHandle | null;
  sndNxt: number | null;
  rcvNxt: number | null;
  synAckTtl: number | null;
  idleSince: number;
  checkSentAt: number;
  checks: number;
}

/** What the raw socket saw of a tuple before its connection was known (the SYN-ACK comes before `connect` resolves). */
interface Seen {
  sndNxt: number | null;
  rcvNxt: number | null;
  synAckTtl: number | null;
  lastAt: number;
}

const TICK_MS = 25;
/** The shortest wait for a check's answer, however short the round trip (a loaded machine answers late). */
const MIN_WAIT_MS = 500;

class PortSearch {
  readonly idleTimes: number[];
  readonly outcomes = new Map<number, ConnectionOutcome>();
  readonly connections = new Map<number, Connection>();
  readonly unsolicited: IdleUnsolicited[] = [];
  droppedAfter: IdleResult['droppedAfter'] = null;
  locator: { connection: Connection; locator: Locator; done: Promise<void> } | null = null;
  opened = 0;
  finished = false;
  /** The shortest handshake seen (connect() to established), in ms. */
  rttMs: number | null = null;

  constructor(
    readonly job: IdleJob,
    readonly options: IdleRunOptions,
  ) {
    this.idleTimes = idleSchedule(options.maxIdleS, options.resolution, options.maxConnections, job.mustTry).idleTimes;
  }

  /** Idle times at or beyond this cannot matter any more (an end came sooner). */
  limit(): number {
    return summarize([...this.outcomes.values()]).timeout?.maxS ?? Infinity;
  }

  sender(address: string, ttl: number, connection: Connection): IdleSender {
    const distance = distanceOf(ttl);
    const reference = this.job.referenceDistance ?? (connection.synAckTtl === null ? null : distanceOf(connection.synAckTtl));
    return { answeredBy: answeredByOf(distance, reference), hop: hopOf(distance), ttl, address };
  }

  /** How long to wait for the answer to a check: the round trip's 8 times, at least MIN_WAIT_MS, at most --timeout. */
  waitMs(): number {
    return Math.min(this.options.timeoutMs, Math.max(MIN_WAIT_MS, 8 * (this.rttMs ?? this.options.timeoutMs)));
  }

  decided(): boolean {
    return this.locator === null && searchDecided(this.idleTimes, this.outcomes);
  }
}

/**
 * Runs the searches of `jobs` at once; resolves with one IdleResult per job
 * (in order). On abort, closes everything and reports what was learned.
 */
export async function runIdle(transport: Transport, connect: StreamConnector, jobs: readonly IdleJob[], options: IdleRunOptions): Promise<IdleResult[]> {
  const searches = jobs.map((job) => new PortSearch(job, options));
  const byKey = new Map<string, { search: PortSearch; connection: Connection }>();
  const seen = new Map<string, Seen>();
  const watched = new Set(jobs.map((job) => `${job.address}|${job.port}`));
  const start = monotonicMs();

  const close = (search: PortSearch, connection: Connection): void => {
    connection.state = 'done';
    connection.handle?.close();
    if (connection.tuple) byKey.delete(tupleKey(connection.tuple));
  };

  const end = (search: PortSearch, connection: Connection, outcome: ConnectionOutcome): void => {
    if (!search.outcomes.has(connection.idleS)) search.outcomes.set(connection.idleS, outcome);
    if (outcome.kind === 'ended' && outcome.how === 'drop' && search.locator === null && search.droppedAfter === null && connection.tuple && connection.sndNxt !== null && connection.rcvNxt !== null) {
      const hostHop = search.job.referenceDistance === null ? (connection.synAckTtl === null ? null : hopOf(distanceOf(connection.synAckTtl))) : hopOf(search.job.referenceDistance);
      if (hostHop !== null && hostHop > 1) {
        const locator = createLocator(transport, { tuple: connection.tuple, sndNxt: connection.sndNxt, rcvNxt: connection.rcvNxt, hostHop }, {
          tries: 2, timeoutMs: search.waitMs(), signal: options.signal,
        });
        const entry = {
          connection, locator,
          done: locator.run().then((point) => {
            search.droppedAfter = point;
          }).catch(() => undefined).finally(() => {
            search.locator = null;
            close(search, connection);
          }),
        };
        search.locator = entry;
        connection.state = 'done';
        return;
      }
    }
    close(search, connection);
  };

  const stopPackets = transport.onPacket((packet, receivedAt) => {
    const event = readIdleEvent(packet);
    if (event === null) return;
    const key = tupleKey(event.tuple);
    const entry = byKey.get(key);
    if (event.type === 'icmp') {
      if (!entry) return;
      const { search, connection } = entry;
      if (event.error === 'time-exceeded') {
        if (search.locator?.connection === connection) search.locator.locator.onTimeExceeded({ ...event, receivedAt });
        return;
      }
      if (connection.state !== 'checking' || connection.sndNxt === null || event.quotedSequence !== checkFields(connection.sndNxt, 0, 0, 0).sequence) return;
      end(search, connection, { kind: 'ended', idleS: connection.idleS, how: 'icmp', sender: search.sender(event.from, event.ttl, connection), unsolicited: false });
      return;
    }
    if (!entry) {
      if (!watched.has(`${event.tuple.remoteAddress}|${event.tuple.remotePort}`)) return;
      const meaning = segmentMeaning(event.flags, event.sequence, event.acknowledgment, event.payloadLength, null, null);
      if (meaning === 'syn-ack') seen.set(key, { sndNxt: event.acknowledgment, rcvNxt: (event.sequence + 1) >>> 0, synAckTtl: event.ttl, lastAt: receivedAt });
      else {
        const before = seen.get(key);
        if (before?.rcvNxt != null && event.payloadLength > 0) {
          const endSeq = (event.sequence + event.payloadLength + ((event.flags & TcpFlag.FIN) !== 0 ? 1 : 0)) >>> 0;
          if (sequenceAfter(endSeq, before.rcvNxt)) before.rcvNxt = endSeq;
          before.lastAt = receivedAt;
        }
      }
      return;
    }
    const { search, connection } = entry;
    const meaning = segmentMeaning(event.flags, event.sequence, event.acknowledgment, event.payloadLength, connection.rcvNxt, connection.sndNxt);
    switch (meaning) {
      case 'syn-ack':
        if (connection.sndNxt === null) {
          connection.sndNxt = event.acknowledgment;
          connection.rcvNxt = (event.sequence + 1) >>> 0;
          connection.synAckTtl = event.ttl;
        }
        return;
      case 'data': {
        const fin = (event.flags & TcpFlag.FIN) !== 0;
        const endSeq = (event.sequence + event.payloadLength) >>> 0;
        if (connection.rcvNxt !== null && sequenceAfter(endSeq, connection.rcvNxt)) connection.rcvNxt = endSeq;
        // Data means the connection was not idle: its clock starts again.
        connection.idleSince = receivedAt;
        if (fin && connection.state !== 'done') unsolicitedEnd(search, connection, 'close', event.tuple.remoteAddress, event.ttl, receivedAt);
        return;
      }
      case 'alive':
        if (connection.state === 'checking') end(search, connection, { kind: 'alive', idleS: connection.idleS });
        return;
      case 'rst':
      case 'close':
        if (connection.state === 'checking') {
          end(search, connection, { kind: 'ended', idleS: connection.idleS, how: meaning, sender: search.sender(event.tuple.remoteAddress, event.ttl, connection), unsolicited: false });
        } else if (connection.state === 'idle' || connection.state === 'opening') {
          unsolicitedEnd(search, connection, meaning, event.tuple.remoteAddress, event.ttl, receivedAt);
        }
        return;
      default:
        return;
    }
  });

  const unsolicitedEnd = (search: PortSearch, connection: Connection, kind: 'rst' | 'close', address: string, ttl: number, at: number): void => {
    const atS = Math.round((at - connection.idleSince) / 10) / 100;
    const sender = search.sender(address, ttl, connection);
    search.unsolicited.push({ atS, kind, answeredBy: sender.answeredBy, hop: sender.hop, ttl, address });
    end(search, connection, { kind: 'ended', idleS: atS, how: kind, sender, unsolicited: true });
  };

  const open = (search: PortSearch, idleS: number): void => {
    const connection: Connection = { idleS, state: 'opening', tuple: null, handle: null, sndNxt: null, rcvNxt: null, synAckTtl: null, idleSince: 0, checkSentAt: 0, checks: 0 };
    search.connections.set(idleS, connection);
    search.opened++;
    const connectStart = monotonicMs();
    connect(search.job.address, search.job.port, Math.max(options.timeoutMs, 3000)).then(
      (handle) => {
        if (connection.state === 'done' || search.finished) {
          handle.close();
          return;
        }
        const rtt = monotonicMs() - connectStart;
        search.rttMs = search.rttMs === null ? rtt : Math.min(search.rttMs, rtt);
        connection.handle = handle;
        connection.tuple = { localAddress: handle.localAddress, localPort: handle.localPort, remoteAddress: search.job.address, remotePort: search.job.port };
        const key = tupleKey(connection.tuple);
        const before = seen.get(key);
        seen.delete(key);
        connection.idleSince = Math.max(monotonicMs(), before?.lastAt ?? 0);
        if (before) {
          connection.sndNxt = before.sndNxt;
          connection.rcvNxt = before.rcvNxt;
          connection.synAckTtl = before.synAckTtl;
        }
        connection.state = 'idle';
        byKey.set(key, { search, connection });
        handle.onEnd(() => {
          // The kernel saw it end (a RST or FIN the raw socket may also have seen): a fact only if the raw socket did not explain it first.
          if (connection.state === 'done') return;
          const now = monotonicMs();
          setTimeout(() => {
            if (connection.state === 'done') return;
            end(search, connection, { kind: 'failed', idleS, reason: `the connection ended after ${Math.round(now - connection.idleSince) / 1000} s without a segment the raw socket could judge` });
          }, 200);
        });
      },
      (error: Error) => {
        if (connection.state === 'done') return;
        connection.state = 'done';
        search.outcomes.set(idleS, { kind: 'failed', idleS, reason: `connect: ${error.message}` });
      },
    );
  };

  const sendCheck = (connection: Connection, now: number): void => {
    connection.checks++;
    connection.checkSentAt = now;
    connection.state = 'checking';
    transport.send(buildSegment(connection.tuple!, checkFields(connection.sndNxt!, connection.rcvNxt!, 64, connection.checks)), connection.tuple!.remoteAddress);
  };

  let lastProgress = start;
  try {
    while (!options.signal?.aborted) {
      const now = monotonicMs();
      const elapsedS = (now - start) / 1000;
      let pending = false;
      for (const search of searches) {
        if (search.finished) continue;
        const limit = search.limit();
        for (const idleS of search.idleTimes) {
          if (idleS >= limit || search.connections.has(idleS) || search.outcomes.has(idleS)) continue;
          if (elapsedS >= openAtS(idleS, options.maxIdleS)) open(search, idleS);
        }
        for (const connection of search.connections.values()) {
          if (connection.state === 'done' || connection.state === 'opening') continue;
          if (connection.idleS >= limit) {
            close(search, connection);
            continue;
          }
          if (connection.state === 'idle' && now - connection.idleSince >= connection.idleS * 1000) {
            if (connection.sndNxt === null || connection.rcvNxt === null) {
              end(search, connection, { kind: 'failed', idleS: connection.idleS, reason: 'the raw socket never saw its SYN-ACK' });
              continue;
            }
            sendCheck(connection, now);
          } else if (connection.state === 'checking' && now - connection.checkSentAt >= search.waitMs()) {
            if (connection.checks < options.checkTries) sendCheck(connection, now);
            else end(search, connection, { kind: 'ended', idleS: connection.idleS, how: 'drop', sender: null, unsolicited: false });
          }
        }
        if (search.decided()) {
          search.finished = true;
          for (const connection of search.connections.values()) if (connection.state !== 'done') close(search, connection);
        } else pending = true;
      }
      if (!pending) break;
      if (options.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        const alive = searches.reduce((sum, search) => sum + [...search.connections.values()].filter((c) => c.state === 'idle' || c.state === 'checking').length, 0);
        options.onProgress(elapsedS, alive);
      }
      await sleep(TICK_MS, undefined, { signal: options.signal }).catch(() => undefined);
    }
    await Promise.all(searches.map((search) => search.locator?.done));
  } finally {
    stopPackets();
    for (const search of searches) {
      search.finished = true;
      for (const connection of search.connections.values()) if (connection.state !== 'done') close(search, connection);
      search.locator?.connection.handle?.close();
    }
  }
  const interrupted = options.signal?.aborted === true;
  return searches.map((search) =>
    idleResult({
      outcomes: [...search.outcomes.values()],
      maxIdleS: options.maxIdleS,
      resolution: options.resolution,
      droppedAfter: search.droppedAfter,
      unsolicited: search.unsolicited,
      connections: search.opened,
      interrupted,
    }),
  );
}
