/** Scan state for unit tests of src/scan/'s parts, built as targets.ts builds it. */
import { requireAddress } from '../../src/packet/address.js';
import { icmpEcho } from '../../src/probe/icmp-echo.js';
import { tcpSyn } from '../../src/probe/tcp-syn.js';
import { newPortProgress, type PortProgress, type TargetState } from '../../src/scan/state.js';

export const TEST_KEY = [0x01234567, 0x89abcdef] as const;

export function targetState(address: string, ports: readonly number[], source = '198.18.1.1'): TargetState {
  const flow = { source: requireAddress(source), destination: requireAddress(address), flowId: 40000 };
  const progress = new Map<number, PortProgress>(ports.map((port) => [port, newPortProgress(port)]));
  const portFlow = { template: tcpSyn.prepare(flow, TEST_KEY), sentTags: (port: number) => (progress.has(port) ? [0] : null) };
  const referenceFlow = { template: icmpEcho.prepare(flow, TEST_KEY), sentTags: (subject: number) => (subject >= 1 && subject <= 3 ? [0] : null) };
  return { address, flows: [portFlow, referenceFlow], portFlow, referenceFlow, ports: progress, reference: { sent: 0, sentAt: new Map(), replies: [] }, ignored: 0 };
}
