import type { PortObservation, TargetObservation } from '../infer/observation.js';
import type { TargetState } from './state.js';

/**
 * The observation of each target as the caller listed it (a target given
 * twice appears twice, each with its own ports), ports in ascending order.
 */
export function assembleObservations(
  specs: readonly { target: string; address: string; ports?: readonly number[] }[],
  states: ReadonlyMap<string, TargetState>,
  defaultPorts: readonly number[],
): TargetObservation[] {
  return specs.map(({ target, address, ports: own }) => {
    const state = states.get(address)!;
    const wanted = new Set(own ?? defaultPorts);
    const ports: PortObservation[] = [...state.ports.values()]
      .filter((p) => wanted.has(p.port))
      .sort((a, b) => a.port - b.port)
      .map((p) => ({ port: p.port, tries: p.tries, reply: p.reply, finished: p.done }));
    return {
      target,
      address,
      echo: { sent: state.reference.sent, replies: [...state.reference.replies] },
      ports,
      ignored: state.ignored,
    };
  });
}
