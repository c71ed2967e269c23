import t from 'tap';
import { buildTargetReport } from '../../src/infer/target-report.js';
import type { TargetObservation } from '../../src/infer/observation.js';

const article: TargetObservation = {
  target: 'db1.example',
  address: '198.18.4.2',
  echo: { sent: 3, replies: [{ ttl: 61, rttMs: 0.3 }, { ttl: 61, rttMs: 0.2 }, { ttl: 61, rttMs: 0.4 }] },
  ports: [
    { port: 22, tries: 1, finished: true, reply: { kind: 'rst', from: '198.18.4.2', ttl: 63, rttMs: 0.1 } },
    { port: 80, tries: 1, finished: true, reply: { kind: 'rst', from: '198.18.4.2', ttl: 61, rttMs: 0.2 } },
    { port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: '198.18.4.2', ttl: 61, rttMs: 0.2 } },
    { port: 8080, tries: 2, finished: true, reply: null },
    { port: 3306, tries: 1, finished: true, reply: { kind: 'icmp-unreachable', from: '198.18.2.2', ttl: 63, rttMs: 0.1, icmpType: 3, icmpCode: 13, quotedTtl: 62, sentTtl: 64 } },
    { port: 9999, tries: 1, finished: false, reply: null },
  ],
  ignored: 2,
};

t.test('the article case', async (t) => {
  const report = buildTargetReport(article);
  t.same(report.echo, { sent: 3, received: 3, ttl: 61, initialTtl: 64, distance: 3, rttMs: 0.3 });
  t.same(report.reference, { source: 'echo', distance: 3, hop: 4 });
  const byPort = Object.fromEntries(report.ports.map((p) => [p.port, p]));
  t.match(byPort[22], { state: 'closed', answeredBy: 'middlebox', hop: 2, reply: { kind: 'rst', ttl: 63, initialTtl: 64, distance: 1 } });
  t.equal(byPort[22]!.explanation, 'RST came from hop 2, 2 hops before the host at hop 4: a device on the path answered');
  t.match(byPort[80], { state: 'closed', answeredBy: 'host', hop: 4, explanation: null });
  t.match(byPort[443], { state: 'open', answeredBy: 'host', hop: 4 });
  t.match(byPort[8080], { state: 'filtered', answeredBy: 'none', hop: null, reply: null, tries: 2 });
  t.match(byPort[3306], { state: 'unreachable', answeredBy: 'middlebox', hop: 2, reply: { icmpType: 3, icmpCode: 13, quotedTtl: 62, probeDistance: 2, from: '198.18.2.2' } });
  t.notOk(byPort[9999], 'an unfinished port gets no verdict');
  t.same(report.unfinishedPorts, [9999]);
  t.equal(report.ignored, 2);
});

t.test('echo replies tied between two distances: the echo line shows the one the reference takes', async (t) => {
  const report = buildTargetReport({ ...article, echo: { sent: 2, replies: [{ ttl: 63, rttMs: 1 }, { ttl: 61, rttMs: 1 }] } });
  t.same(report.reference, { source: 'echo', distance: 3, hop: 4 });
  t.match(report.echo, { ttl: 61, distance: 3 });
});

t.test('no echo: the farthest SYN-ACK is the reference', async (t) => {
  const report = buildTargetReport({ ...article, echo: { sent: 3, replies: [] } });
  t.same(report.echo, { sent: 3, received: 0, ttl: null, initialTtl: null, distance: null, rttMs: null });
  t.same(report.reference, { source: 'syn-ack', distance: 3, hop: 4 });
  t.equal(report.ports.find((p) => p.port === 22)!.answeredBy, 'middlebox');
});

t.test('no reference at all', async (t) => {
  const report = buildTargetReport({
    ...article,
    echo: { sent: 3, replies: [] },
    ports: [{ port: 22, tries: 1, finished: true, reply: { kind: 'icmp-unreachable', from: '198.18.2.2', ttl: 63, rttMs: 1, icmpType: 3, icmpCode: 13 } }],
  });
  t.equal(report.reference.source, 'none');
  t.equal(report.ports[0]!.answeredBy, 'unknown');
  t.equal(report.ports[0]!.hop, 2);
});
