/**
 * Re-creates the lab capture fixtures in test/fixtures/ (or the directory
 * given as the first argument):
 *
 *   npm run build && sudo node dist/scripts/capture/record-fixtures.js [directory]
 *
 * See recorder.ts for the topology, the traffic and the files. Prints what
 * the clients saw, so a broken lab shows before a test does.
 */
import { join } from 'node:path';
import { requireRoot } from '../lab/lab.js';
import { recordArticle, repositoryRoot } from './recorder.js';

async function main(): Promise<void> {
  const reason = requireRoot();
  if (reason) {
    process.stderr.write(`record-fixtures: ${reason}; run it as root\n`);
    process.exit(3);
  }
  const directory = process.argv[2] ?? join(repositoryRoot(), 'test', 'fixtures');
  const log = await recordArticle(directory);
  process.stdout.write(`plain connects: ${JSON.stringify(log.connects)}\n`);
  const live = log.probe.report?.targets[0]?.ports.map((p) => `${p.port} ${p.state}/${p.answeredBy}/hop ${p.hop}`).join(', ');
  process.stdout.write(`ttl-probe exit ${log.probe.code}: ${live ?? log.probe.stdout}${log.probe.stderr}\n`);
  process.stdout.write(`held connection: ${log.heldConnection.join(' | ')}\n`);
  for (const [role, path] of Object.entries(log.files)) process.stdout.write(`${role}: ${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`record-fixtures: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
