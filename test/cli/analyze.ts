// `ttl-probe analyze` through the real command line, on the lab's recorded captures (in a loopback-only
// namespace, as every CLI test: analyze sends nothing, and nothing could leave if it did).
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from '../helpers/lab-probe.js';
import { createBareNamespace } from '../helpers/bare-namespace.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const ns = createBareNamespace();
t.teardown(() => ns.remove());
const cli = (args: string[]) => ns.run(process.execPath, [CLI, ...args], { timeoutMs: 60_000 });

t.test('every fixture format gives the live probe verdicts', async (t) => {
  for (const name of ['article-eth.pcap', 'article.pcapng', 'article-any-sll2.pcap', 'article-v.txt']) {
    const run = await cli(['analyze', fixture(name), '--json']);
    t.equal(run.code, 0, `${name}: ${run.stderr}`);
    const target = JSON.parse(run.stdout).targets.find((candidate: { address: string }) => candidate.address === '198.18.4.2');
    t.same(
      target.ports.map((p: { port: number; state: string; answeredBy: string; hop: number }) => [p.port, p.state, p.answeredBy, p.hop]),
      [[22, 'closed', 'middlebox', 2], [80, 'closed', 'host', 4], [443, 'open', 'host', 4]],
      `${name}: verdicts`,
    );
  }
});

t.test('a truncated capture: exit 2, one line with the offset', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-analyze-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = readFileSync(fixture('article-eth.pcap'));
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, bytes.subarray(0, 100));
  const run = await cli(['analyze', cut]);
  t.equal(run.code, 2);
  t.match(run.stderr, /^ttl-probe: .*offset \d+.*\n$/);
  t.equal(run.stderr.trim().split('\n').length, 1);
  const missing = await cli(['analyze', join(dir, 'nope.pcap')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /nope\.pcap/);
});
