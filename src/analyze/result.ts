import type { PortObservation, TargetObservation } from '../infer/observation.js';
import { sampledReplies, type EchoPair, type Echoes } from './echoes.js';
import type { Handshakes, SynSenders, TargetState } from './handshakes.js';
import { addReset, serverEndpoint, type EndpointRole, type LooseReset, type PortResets } from './resets.js';

/**
 * The result of an analysis: per target the observation the infer/ functions
 * turn into verdicts, with its echo exchanges and the resets found; the
 * clients. Assembled once, after the last packet.
 */

/** Clients listed in the result at most. */
export const MAX_LISTED_CLIENTS = 100;

/** Everything learned about one target. */
export interface TargetAnalysis {
  observation: TargetObservation;
  /** Echo replies received (the observation keeps a bounded sample of them). */
  echoReceived: number;
  /** Resets of connections whose SYN was seen, by port. */
  resets: Map<number, PortResets>;
  /** Resets of connections seen only after their handshake, by port. */
  midflowOnly: Map<number, PortResets>;
}

export interface AnalysisResult {
  targets: TargetAnalysis[];
  /** Addresses that sent SYNs (or, without SYNs, echo requests): the first MAX_LISTED_CLIENTS. */
  clients: string[];
  /** How many there were (counted up to MAX_TRACKED_CLIENTS, so "at least" beyond it). */
  clientCount: number;
  /** SYNs and echo requests not analysed because the limits on targets, ports or echo exchanges were reached. */
  untracked: number;
}

/** What the analyzer hands over after the last packet. */
export interface AnalysisState {
  handshakes: Handshakes;
  synSenders: SynSenders;
  echoes: Echoes;
  looseResets: readonly LooseReset[];
  untracked: number;
}

/** The observation of one target from its ports, its echo exchanges and the answers it ignored. */
export function targetAnalysis(target: TargetState, pairs: readonly EchoPair[], midflowOnly: Map<number, PortResets>): TargetAnalysis {
  const ports: PortObservation[] = [...target.ports.values()]
    .sort((a, b) => a.port - b.port)
    .map((port) => ({ port: port.port, tries: port.tries, reply: port.reply, finished: true }));
  return {
    observation: {
      target: target.address,
      address: target.address,
      echo: {
        sent: pairs.reduce((sum, pair) => sum + pair.sent, 0),
        replies: pairs.flatMap((pair) => sampledReplies(pair)),
      },
      ports,
      ignored: target.ignored + pairs.reduce((sum, pair) => sum + pair.ignored, 0),
    },
    echoReceived: pairs.reduce((sum, pair) => sum + pair.received, 0),
    resets: target.resets,
    midflowOnly,
  };
}

/**
 * The observations and resets per target, in order of first appearance.
 * Echo exchanges count when their requester is a client; a capture without
 * SYNs makes every echo requester a client. Call once: targets of echo
 * exchanges and loose resets are added to the state.
 */
export function assembleResult(state: AnalysisState): AnalysisResult {
  const { handshakes, synSenders } = state;
  const isClient = (address: string): boolean => synSenders.has(address, handshakes.targets.has(address));
  const clients = [...synSenders.addresses];
  const noSyn = clients.length === 0;
  const echoByTarget = new Map<string, EchoPair[]>();
  for (const pairs of state.echoes.pairs.values()) {
    for (const pair of pairs.values()) {
      if (!noSyn && !isClient(pair.requester)) continue;
      if (noSyn && !clients.includes(pair.requester)) clients.push(pair.requester);
      handshakes.target(pair.target, true);
      const list = echoByTarget.get(pair.target) ?? [];
      list.push(pair);
      echoByTarget.set(pair.target, list);
    }
  }
  const roleOf = (address: string): EndpointRole => ({
    target: handshakes.targets.has(address) && !synSenders.addresses.has(address),
    client: isClient(address),
  });
  const midflowOnly = new Map<string, Map<number, PortResets>>();
  for (const loose of state.looseResets) {
    const [server, port] = serverEndpoint(loose, roleOf(loose.a), roleOf(loose.b)) === 'a' ? [loose.a, loose.aPort] : [loose.b, loose.bPort];
    loose.reset.side = loose.reset.from === server && loose.reset.fromPort === port ? 'server' : 'client';
    const target = handshakes.target(server, true)!;
    if (target.ports.has(port)) {
      addReset(target.resets, port, loose.reset);
    } else {
      const map = midflowOnly.get(server) ?? new Map<number, PortResets>();
      addReset(map, port, loose.reset);
      midflowOnly.set(server, map);
    }
  }
  const targets: TargetAnalysis[] = [];
  for (const target of handshakes.targets.values()) {
    targets.push(targetAnalysis(target, echoByTarget.get(target.address) ?? [], midflowOnly.get(target.address) ?? new Map()));
  }
  return {
    targets,
    clients: clients.slice(0, MAX_LISTED_CLIENTS),
    clientCount: clients.length + (synSenders.overflowed ? 1 : 0),
    untracked: state.untracked,
  };
}
