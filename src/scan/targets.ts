import { requireAddress } from '../packet/address.js';
import type { CookieKey } from '../probe/cookie.js';
import type { ProbedFlow } from '../probe/classify-reply.js';
import type { ProbeModule } from '../probe/module.js';
import type { Transport } from '../transport/transport.js';
import { newPortProgress, type Job, type PortProgress, type TargetState } from './state.js';

/** Plain probes carry tag 0 (the tracer's carry their TTL). */
const PLAIN_PROBE_TAGS: readonly number[] = [0];

/** What every target's flows share. */
export interface FlowSetup {
  key: CookieKey;
  flowId: number;
  portModule: ProbeModule;
  referenceModule: ProbeModule;
  /** Reference probes per target: subjects 1..referenceCount. */
  referenceCount: number;
  /** Ports of targets that do not name their own. */
  ports: readonly number[];
}

export interface TargetSpec {
  address: string;
  ports?: readonly number[];
}

/**
 * The state of every distinct target address, with the templates of both
 * flows prepared once and the local source the kernel would use. The same
 * address given twice (e.g. by name and by number) is probed once, with the
 * union of its ports. Rejects when there is no route to a target.
 */
export async function setUpTargets(transport: Transport, specs: readonly TargetSpec[], setup: FlowSetup): Promise<Map<string, TargetState>> {
  const byAddress = new Map<string, TargetState>();
  for (const spec of specs) {
    const wanted = spec.ports ?? setup.ports;
    const known = byAddress.get(spec.address);
    if (known) {
      addPorts(known.ports, wanted);
      continue;
    }
    const destination = requireAddress(spec.address);
    const source = requireAddress(await transport.sourceFor(spec.address));
    const flow = { source, destination, flowId: setup.flowId };
    const ports = new Map<number, PortProgress>();
    addPorts(ports, wanted);
    const portFlow: ProbedFlow = { template: setup.portModule.prepare(flow, setup.key), sentTags: (port) => (ports.has(port) ? PLAIN_PROBE_TAGS : null) };
    const count = setup.referenceCount;
    const referenceFlow: ProbedFlow = {
      template: setup.referenceModule.prepare(flow, setup.key),
      sentTags: (subject) => (subject >= 1 && subject <= count ? PLAIN_PROBE_TAGS : null),
    };
    byAddress.set(spec.address, {
      address: spec.address,
      flows: [portFlow, referenceFlow],
      portFlow,
      referenceFlow,
      ports,
      reference: { sent: 0, sentAt: new Map(), replies: [] },
      ignored: 0,
    });
  }
  return byAddress;
}

function addPorts(ports: Map<number, PortProgress>, wanted: readonly number[]): void {
  for (const port of wanted) if (!ports.has(port)) ports.set(port, newPortProgress(port));
}

/**
 * The first jobs, in send order: every target's reference probes first, so
 * the reference is measured early, then the ports round-robin across targets.
 */
export function initialJobs(targets: readonly TargetState[], referenceCount: number): Job[] {
  const jobs: Job[] = [];
  for (const target of targets) {
    for (let subject = 1; subject <= referenceCount; subject++) jobs.push({ target, flow: target.referenceFlow, subject, port: null });
  }
  const portLists = targets.map((target) => [...target.ports.values()]);
  const longest = Math.max(0, ...portLists.map((list) => list.length));
  for (let i = 0; i < longest; i++) {
    for (let t = 0; t < targets.length; t++) {
      const port = portLists[t]![i];
      if (port) jobs.push(portJob(targets[t]!, port));
    }
  }
  return jobs;
}

export function portJob(target: TargetState, port: PortProgress): Job {
  return { target, flow: target.portFlow, subject: port.port, port };
}
