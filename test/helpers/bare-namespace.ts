/**
 * A network namespace with nothing but loopback: CLI tests run there so that
 * nothing they do (name lookups included) can leave the machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface BareNamespace {
  name: string;
  run(command: string, args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  remove(): void;
}

export function createBareNamespace(): BareNamespace {
  const name = `tpb${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const remove = (): void => {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  process.once('exit', remove);
  return {
    name,
    remove,
    run(command, args, options = {}) {
      return new Promise((resolve) => {
        const child = spawn('ip', ['netns', 'exec', name, command, ...args], { env: options.env ?? process.env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
        child.on('close', (code, signal) => {
          if (timer) clearTimeout(timer);
          resolve({ code, signal, stdout, stderr });
        });
      });
    },
  };
}
