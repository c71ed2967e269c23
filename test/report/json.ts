import t from 'tap';
import { formatJson, jsonChunks, streamedJsonHead, streamedJsonTail, targetJsonChunks } from '../../src/report/json.js';
import type { Report } from '../../src/model/report.js';

// The streamed output must be byte for byte what JSON.stringify(report, null, 2) gives.
const cases: Record<string, unknown> = {
  'no targets': { schema: 'ttl-probe/1', interrupted: false, targets: [] },
  'a target without ports': { schema: 'ttl-probe/1', interrupted: false, targets: [{ target: 'a', address: '198.18.4.2', echo: { sent: 1, ttl: null }, ports: [], ignored: 0, unfinishedPorts: [] }] },
  'two targets, nested values and trace fields': {
    schema: 'ttl-probe/1',
    interrupted: true,
    targets: [
      { target: 'a', address: '198.18.4.2', echo: { sent: 3 }, reference: { source: 'echo', distance: 3, hop: 4 }, ports: [{ port: 22, reply: { kind: 'rst', ttl: 63 }, hop: 2, explanation: 'quote " and \\ backslash' }, { port: 23, reply: null, hop: null }], ignored: 2, unfinishedPorts: [1, 2], path: [{ hop: 1, address: null }] },
      { target: 'b', address: '198.18.2.2', ports: [{ port: 1 }], unfinishedPorts: [] },
    ],
  },
};

for (const [name, report] of Object.entries(cases)) {
  t.equal(formatJson(report as Report), `${JSON.stringify(report, null, 2)}\n`, name);
}

t.test('pieces stay small (256 ports at most) and join to exactly JSON.stringify, at every piece boundary', async (t) => {
  for (const count of [1, 255, 256, 257, 512, 1000]) {
    const ports = Array.from({ length: count }, (_, i) => ({ port: i + 1, state: 'closed', reply: { kind: 'rst', ttl: 61 }, hop: 4 }));
    const report = { schema: 'ttl-probe/1', interrupted: false, targets: [{ target: 'a', address: '198.18.4.2', ports, ignored: 0 }, { target: 'b', address: '198.18.2.2', ports: ports.slice(0, 3) }] } as unknown as Report;
    const chunks = [...jsonChunks(report)];
    t.equal(chunks.join(''), `${JSON.stringify(report, null, 2)}\n`, `${count} ports: byte for byte`);
    const longest = Math.max(...chunks.map((c) => c.length));
    t.ok(longest < 256 * 200, `${count} ports: the longest piece has ${longest} characters`);
  }
});

t.test('the streamed form (head, targets, tail with a summary of many ports) is exactly JSON.stringify with those keys in that order', async (t) => {
  for (const count of [0, 1, 256, 600]) {
    const ports = Array.from({ length: count }, (_, i) => ({ port: i + 1, state: 'closed', hop: 4 }));
    const targets = [{ target: 'a', address: '198.18.4.2', ports }, { target: 'b', address: '198.18.2.2', ports: ports.slice(0, 2) }];
    const summary = { targets: 2, ports: ports.map((port) => ({ port: port.port, hosts: 2, groups: [{ answeredBy: 'host', hosts: 2, states: { closed: 2 } }] })) };
    let text = streamedJsonHead('ttl-probe/1');
    targets.forEach((target, index) => {
      for (const chunk of targetJsonChunks(target as never, index)) text += chunk;
    });
    const pieces = [...streamedJsonTail(targets.length, { interrupted: false, summary, absent: undefined })];
    text += pieces.join('');
    t.equal(text, `${JSON.stringify({ schema: 'ttl-probe/1', targets, interrupted: false, summary }, null, 2)}\n`, `${count} summary ports`);
    t.ok(Math.max(...pieces.map((piece) => piece.length)) < 256 * 400, 'the summary comes in pieces of at most 256 ports');
  }
});
