import t from 'tap';
import { formatJson, jsonChunks } from '../../src/report/json.js';
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

t.test('chunks stay small: one per port', async (t) => {
  const ports = Array.from({ length: 1000 }, (_, i) => ({ port: i + 1, state: 'closed' }));
  const report = { schema: 'ttl-probe/1', interrupted: false, targets: [{ target: 'a', address: '198.18.4.2', ports }] } as unknown as Report;
  const chunks = [...jsonChunks(report)];
  t.ok(chunks.length >= 1000);
  t.ok(Math.max(...chunks.map((c) => c.length)) < 1000, 'no chunk holds many ports');
  t.same(JSON.parse(chunks.join('')), report);
});
