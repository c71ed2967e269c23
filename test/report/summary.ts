import t from 'tap';
import { groupText, summarize, summaryLines } from '../../src/report/summary.js';
import type { PortReport, Report, TargetReport } from '../../src/model/report.js';

function reply(kind: 'syn-ack' | 'rst' | 'icmp-unreachable', distance: number, extra: Partial<PortReport['reply']> = {}) {
  return { kind, from: '198.18.9.9', ttl: 64 - distance, initialTtl: 64, distance, rttMs: 1, ...extra } as NonNullable<PortReport['reply']>;
}

function port(port: number, state: PortReport['state'], answeredBy: PortReport['answeredBy'], reply: PortReport['reply'], extra: Partial<PortReport> = {}): PortReport {
  return { port, state, reply, answeredBy, hop: reply ? reply.distance + 1 : null, tries: 1, explanation: answeredBy === 'host' ? null : 'x', ...extra };
}

function target(address: string, ports: PortReport[]): TargetReport {
  return {
    target: '198.18.4.0/24',
    address,
    family: 4,
    echo: { sent: 1, received: 1, ttl: 61, initialTtl: 64, distance: 3, rttMs: 1 },
    reference: { source: 'echo', distance: 3, hop: 4 },
    ports,
    ignored: 0,
    unfinishedPorts: [],
  };
}

t.test('ports grouped by who answers, largest group first; a device told apart by hop and reply signature', async (t) => {
  const targets: TargetReport[] = [];
  for (let i = 0; i < 5; i++) targets.push(target(`198.18.4.${i}`, [port(22, 'closed', 'host', reply('rst', 3)), port(443, 'open', 'host', reply('syn-ack', 3))]));
  for (let i = 5; i < 8; i++) targets.push(target(`198.18.4.${i}`, [port(22, 'closed', 'middlebox', reply('rst', 1)), port(443, 'open', 'host', reply('syn-ack', 3))]));
  targets.push(target('198.18.4.8', [port(22, 'closed', 'middlebox', { ...reply('rst', 1), initialTtl: 255, ttl: 254 }), port(443, 'closed', 'host', reply('rst', 3))]));
  targets.push(target('198.18.4.9', [port(22, 'filtered', 'none', null, { tries: 2 }), port(443, 'unreachable', 'middlebox', reply('icmp-unreachable', 1, { from: '198.18.2.2', icmpType: 3, icmpCode: 1 }))]));
  const report: Report = { schema: 'ttl-probe/1', interrupted: false, targets };
  const summary = summarize(report);
  t.equal(summary.targets, 10);
  t.same(summary.ports.map((p) => [p.port, p.hosts, p.groups.map((g) => [g.answeredBy, g.hosts, g.hop, g.address, g.signature?.initialTtl ?? null])]), [
    [22, 10, [['host', 5, null, null, null], ['middlebox', 3, 2, null, 64], ['middlebox', 1, 2, null, 255], ['none', 1, null, null, null]]],
    [443, 10, [['host', 9, null, null, null], ['middlebox', 1, 2, '198.18.2.2', 64]]],
  ]);
  t.same([...summaryLines(summary)], [
    'summary of 10 targets:',
    '  port 22: 5 hosts answered themselves (closed); 3 hosts answered by one device at hop 2 (rst, initial TTL 64) (closed); 1 host answered by one device at hop 2 (rst, initial TTL 255) (closed); 1 host silent',
    '  port 443: 9 hosts answered themselves (8 open, 1 closed); 1 host reported unreachable by one device at hop 2 (198.18.2.2; icmp 3/1, initial TTL 64)',
  ]);
});

t.test('with --trace the device is its traced address, and silent ports group by where they vanish', async (t) => {
  const traced = (address: string, responder: string) =>
    target(address, [
      port(22, 'closed', 'middlebox', reply('rst', 1), { responder: { hop: 2, address: responder, confirmed: true } }),
      port(3306, 'filtered', 'none', null, { droppedAfter: { hop: 2, address: '198.18.2.2', confirmed: true } }),
    ]);
  const summary = summarize({ schema: 'ttl-probe/1', interrupted: false, targets: [traced('198.18.4.1', '198.18.2.2'), traced('198.18.4.2', '198.18.2.2'), traced('198.18.4.3', '198.18.2.3')] });
  t.same(summary.ports[0]!.groups.map((g) => [g.hosts, g.address]), [[2, '198.18.2.2'], [1, '198.18.2.3']], 'two devices at hop 2, told apart by address');
  t.equal(groupText(summary.ports[0]!.groups[0]!), '2 hosts answered by one device at hop 2 (198.18.2.2; rst, initial TTL 64) (closed)');
  t.equal(groupText(summary.ports[1]!.groups[0]!), '3 hosts silent, last seen after hop 2 198.18.2.2');
  t.same(summarize({ schema: 'ttl-probe/1', interrupted: false, targets: [] }), { targets: 0, ports: [] }, 'an empty report');
});
