import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTargetList, readTargetList } from '../../src/target/target-list.js';
import { UsageError } from '../../src/errors.js';

t.test('one target per line (or several separated by blanks), # comments, blank lines skipped', async (t) => {
  const text = '\uFEFF# the fleet\n198.18.4.0/30\n\n  198.18.5.1-3   db1.example # two on a line\r\n2001:2:0:4::2\n#198.18.9.9\n';
  t.same(parseTargetList('fleet.txt', text), [
    { text: '198.18.4.0/30', line: 2 },
    { text: '198.18.5.1-3', line: 4 },
    { text: 'db1.example', line: 4 },
    { text: '2001:2:0:4::2', line: 5 },
  ]);
  t.same(parseTargetList('empty.txt', '# nothing\n\n'), []);
  t.same(parseTargetList('ranges.txt', '198.18.4.1,3,5\n'), [{ text: '198.18.4.1,3,5', line: 1 }], 'commas stay inside octet lists');
  t.throws(() => parseTargetList('bad.txt', 'ok\nbad\u0007name\n'), new UsageError('bad.txt: line 2: a control character in "bad\\u0007name"'));
});

t.test('reading a list: files, and refusals naming them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-list-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fleet.txt');
  writeFileSync(file, '198.18.4.1\n198.18.4.2\n');
  t.same(await readTargetList(file), [
    { text: '198.18.4.1', line: 1 },
    { text: '198.18.4.2', line: 2 },
  ]);
  await t.rejects(readTargetList(join(dir, 'missing.txt')), new UsageError(`${join(dir, 'missing.txt')}: cannot read the target list (ENOENT)`));
  mkdirSync(join(dir, 'sub'));
  await t.rejects(readTargetList(join(dir, 'sub')), new UsageError(`${join(dir, 'sub')}: not a regular file`));
  const latin1 = join(dir, 'latin1.txt');
  writeFileSync(latin1, Buffer.from([0x68, 0xe9, 0x0a]));
  await t.rejects(readTargetList(latin1), new UsageError(`${latin1}: not UTF-8 text`));
});
