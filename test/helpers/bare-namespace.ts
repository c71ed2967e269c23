/**
 * A network namespace with nothing but loopback: CLI tests run there so that
 * nothing they do (name lookups included) can leave the machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { register, unregister } from '../../scripts/lab/teardown.js';

export interface BareNamespace {
  name: string;
  run(command: string, args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  remove(): void;
}

/**
 * The test's environment less NODE_OPTIONS: tap's hooks would try to write its files after ttl-probe
 * dropped root. tap re-injects it into spawned processes, so `env -u` removes it inside the namespace too.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

export function createBareNamespace(): BareNamespace {
  const name = `tpb${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  // Registered with the labs' teardown, so a SIGTERM (tap's timeout) or SIGINT removes it as well.
  register(name, { namespaces: [name], children: new Set() });
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const remove = (): void => {
    unregister(name);
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
        const child = spawn('ip', ['netns', 'exec', name, 'env', '-u', 'NODE_OPTIONS', command, ...args], { env: options.env ?? cleanEnv() });
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
