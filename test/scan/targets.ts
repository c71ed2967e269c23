import t from 'tap';
import { icmpEcho } from '../../src/probe/icmp-echo.js';
import { tcpSyn } from '../../src/probe/tcp-syn.js';
import { initialJobs, setUpTargets } from '../../src/scan/targets.js';
import { fakeTransport } from '../helpers/fake-network.js';
import { TEST_KEY } from '../helpers/scan-state.js';

const setup = { key: TEST_KEY, flowId: 40000, portModule: tcpSyn, referenceModule: icmpEcho, referenceCount: 2, ports: [22, 80] };

t.test('one state per address, the union of its ports, templates from the local source', async (t) => {
  const transport = fakeTransport([], '198.18.1.9');
  const states = await setUpTargets(transport, [{ address: '198.18.4.2' }, { address: '198.18.7.2', ports: [443] }, { address: '198.18.4.2', ports: [80, 8080] }], setup);
  t.same([...states.keys()], ['198.18.4.2', '198.18.7.2']);
  const a = states.get('198.18.4.2')!;
  t.same([...a.ports.keys()], [22, 80, 8080]);
  t.same([...states.get('198.18.7.2')!.ports.keys()], [443]);
  t.equal(a.portFlow.template.module, tcpSyn);
  t.equal(a.referenceFlow.template.module, icmpEcho);
  t.same([a.portFlow.template.flow.source.text, a.portFlow.template.flow.destination.text, a.portFlow.template.flow.flowId], ['198.18.1.9', '198.18.4.2', 40000]);
  t.same(a.flows, [a.portFlow, a.referenceFlow]);
  t.same([a.portFlow.sentTags(8080), a.portFlow.sentTags(443)], [[0], null], 'only its own ports count as probed');
  t.same([a.referenceFlow.sentTags(1), a.referenceFlow.sentTags(2), a.referenceFlow.sentTags(0), a.referenceFlow.sentTags(3)], [[0], [0], null, null]);
});

t.test('initialJobs: reference probes first, then ports round-robin across targets', async (t) => {
  const states = [...(await setUpTargets(fakeTransport([]), [{ address: '198.18.4.2', ports: [1, 2, 3] }, { address: '198.18.7.2', ports: [9] }], setup)).values()];
  const jobs = initialJobs(states, 2);
  t.same(
    jobs.map((job) => [job.target.address, job.port === null ? 'reference' : 'port', job.subject]),
    [
      ['198.18.4.2', 'reference', 1],
      ['198.18.4.2', 'reference', 2],
      ['198.18.7.2', 'reference', 1],
      ['198.18.7.2', 'reference', 2],
      ['198.18.4.2', 'port', 1],
      ['198.18.7.2', 'port', 9],
      ['198.18.4.2', 'port', 2],
      ['198.18.4.2', 'port', 3],
    ],
  );
  t.ok(jobs.every((job) => job.flow === (job.port === null ? job.target.referenceFlow : job.target.portFlow)));
});
