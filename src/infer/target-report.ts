import { parseAddress } from '../packet/address.js';
import { controlDescription } from '../packet/network.js';
import type { EchoReport, PortReport, ReplyReport, TargetReport } from '../model/report.js';
import type { ObservedReply, TargetObservation } from './observation.js';
import { chooseReference, mostCommon } from './reference.js';
import { readTtl, hopOf } from './ttl.js';
import { answeredByOf, explain, stateOf } from './verdict.js';

/** A reply with its TTL reading (initial TTL, distance) filled in. */
export function replyReport(reply: ObservedReply): ReplyReport {
  const reading = readTtl(reply.ttl);
  const report: ReplyReport = {
    kind: reply.kind,
    from: reply.from,
    ttl: reading.ttl,
    initialTtl: reading.initialTtl,
    distance: reading.distance,
    rttMs: roundMs(reply.rttMs),
  };
  if (reply.icmpType !== undefined) report.icmpType = reply.icmpType;
  if (reply.icmpCode !== undefined) report.icmpCode = reply.icmpCode;
  if (reply.quotedTtl !== undefined) {
    report.quotedTtl = reply.quotedTtl;
    if (reply.sentTtl !== undefined) report.probeDistance = reply.sentTtl - reply.quotedTtl;
  }
  return report;
}

function echoReport(observation: TargetObservation): EchoReport {
  const replies = observation.echo.replies;
  if (replies.length === 0) {
    return { sent: observation.echo.sent, received: 0, ttl: null, initialTtl: null, distance: null, rttMs: null };
  }
  // The most common TTL stands for all replies; rtt is the median.
  // The TTL shown is one of those at the distance the reference takes (same tie rule), so the echo line and the host line agree.
  const distance = mostCommon(replies.map((reply) => readTtl(reply.ttl).distance));
  const ttl = replies.find((reply) => readTtl(reply.ttl).distance === distance)!.ttl;
  const rtts = replies.map((reply) => reply.rttMs).sort((a, b) => a - b);
  const reading = readTtl(ttl);
  return {
    sent: observation.echo.sent,
    received: replies.length,
    ttl: reading.ttl,
    initialTtl: reading.initialTtl,
    distance: reading.distance,
    rttMs: roundMs(rtts[Math.floor(rtts.length / 2)] ?? 0),
  };
}

/**
 * The verdicts for one target: reference distance, then per port its state,
 * who answered (host, middlebox, beyond, unknown, none), its hop and a
 * one-line explanation. Pure: the same observation always gives the same report.
 */
export function buildTargetReport(observation: TargetObservation): TargetReport {
  const finished = observation.ports.filter((port) => port.finished);
  const replies = new Map(finished.map((port) => [port.port, port.reply ? replyReport(port.reply) : null]));
  const echo = echoReport(observation);
  // Captures name IPv4 sources as text too; anything unparseable cannot be IPv6 (no such input exists).
  const family = parseAddress(observation.address)?.family ?? 4;
  const echoDistances = observation.echo.replies.map((reply) => readTtl(reply.ttl).distance);
  const reference = chooseReference(
    echoDistances,
    [...replies.values()].filter((reply): reply is ReplyReport => reply !== null),
  );
  const ports: PortReport[] = finished.map((port) => {
    const reply = replies.get(port.port) ?? null;
    const answeredBy = answeredByOf(reply?.distance ?? null, reference.distance);
    return {
      port: port.port,
      state: stateOf(reply?.kind ?? null),
      reply,
      answeredBy,
      hop: reply ? hopOf(reply.distance) : null,
      tries: port.tries,
      explanation: explain({
        answeredBy,
        kind: reply?.kind ?? null,
        replyDistance: reply?.distance ?? null,
        referenceDistance: reference.distance,
        referenceSource: reference.source,
        tries: port.tries,
        detail: reply?.icmpType !== undefined ? controlDescription(family, reply.icmpType, reply.icmpCode ?? 0) : undefined,
        from: reply?.from,
      }),
    };
  });
  return {
    target: observation.target,
    address: observation.address,
    family,
    echo,
    reference: {
      source: reference.source,
      distance: reference.distance,
      hop: reference.distance === null ? null : hopOf(reference.distance),
    },
    ports,
    ignored: observation.ignored,
    unfinishedPorts: observation.ports.filter((port) => !port.finished).map((port) => port.port),
  };
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
