// The launcher's output path through a real pipe (bin/ttl-probe.js -> src/cli/stdout.ts): a report
// larger than a pipe holds, read slowly, arrives whole and the run keeps its exit code; a reader that
// leaves early costs no stack trace. `analyze` of a synthetic capture: no packet is sent, and every run
// is inside a loopback-only namespace all the same.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType } from '../../src/model/capture.js';
import { pcapFile, tcpPacket } from '../helpers/synthesize.js';
import { SYNC_PIPE_BYTES } from '../../src/cli/stdout.js';
import { CLI } from '../helpers/lab-probe.js';
import { createBareNamespace } from '../helpers/bare-namespace.js';

const ns = createBareNamespace();
t.teardown(() => ns.remove());
/** `ip netns exec` execs the command: its pid, pipes and exit code are the command's own. */
const inNamespace = (command: string, args: string[]): [string, string[]] => ['ip', ['netns', 'exec', ns.name, command, ...args]];

const directory = mkdtempSync(join(tmpdir(), 'ttl-probe-output-'));
t.teardown(() => rmSync(directory, { recursive: true, force: true }));
const capture = join(directory, 'many-ports.pcap');
const packets = [];
for (let port = 1; port <= 1500; port++) {
  packets.push(tcpPacket({ source: '198.18.1.1', destination: '198.18.4.2', ttl: 64, sourcePort: 40000, destinationPort: port, sequence: port, flags: 0x02 }));
  packets.push(tcpPacket({ source: '198.18.4.2', destination: '198.18.1.1', ttl: 61, sourcePort: port, destinationPort: 40000, acknowledgment: port + 1, flags: 0x14 }));
}
writeFileSync(capture, pcapFile({ linkType: LinkType.RAW }, packets.map((data, i) => ({ data, timestampMs: 1000 + i }))));
const reference = spawnSync(...inNamespace(process.execPath, [CLI, 'analyze', capture, '--json']), { encoding: 'utf8' });

// python3 (which node-gyp needs anyway) puts the pipe in non-blocking mode before it becomes node,
// as some parents leave it: then a full pipe answers EAGAIN and writes queue in user space.
const NONBLOCKING_STDOUT = ['-c', 'import os, sys; os.set_blocking(1, False); os.execv(sys.argv[1], sys.argv[1:])'];

for (const mode of ['blocking', 'non-blocking'] as const) {
  t.test(`a report larger than a pipe holds, read slowly from a ${mode} pipe, arrives whole`, async (t) => {
    t.equal(reference.status, 0, reference.stderr);
    t.ok(reference.stdout.length > 4 * SYNC_PIPE_BYTES, `the report (${reference.stdout.length} bytes) overflows a pipe`);
    const [command, args] =
      mode === 'blocking'
        ? [process.execPath, [CLI, 'analyze', capture, '--json']]
        : ['python3', [...NONBLOCKING_STDOUT, process.execPath, CLI, 'analyze', capture, '--json']];
    const child = spawn(...inNamespace(command, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A slow reader: take one chunk, then nothing for 20 ms, so the pipe fills and the writer must wait.
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 20);
    });
    const code = await new Promise<number | string | null>((resolve) => {
      child.on('close', resolve);
      // No python3 (the non-blocking case needs it): fail with the reason, never hang or skip.
      child.on('error', (error) => resolve(`cannot run ${command}: ${error.message}`));
    });
    t.equal(code, 0, stderr);
    t.equal(stderr, '');
    t.equal(Buffer.concat(chunks).toString(), reference.stdout, 'every byte, in order');
  });
}

t.test('a reader that leaves after the first chunk: no stack trace, the run exits with its own code', async (t) => {
  const child = spawn(...inNamespace(process.execPath, [CLI, 'analyze', capture, '--json']), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0);
  t.equal(stderr, '');
});
