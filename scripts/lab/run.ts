/**
 * Running commands for the lab: a child process with its output collected,
 * an optional time bound and input, tracked so teardown can kill it; and the
 * environment lab commands get (no loader hooks of a test runner).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** kill the command (SIGKILL) after this many milliseconds; no limit when omitted */
  timeoutMs?: number;
  /** written to the command's stdin, which is then closed */
  input?: string;
  /** environment of the command; process.env less NODE_OPTIONS (a test runner's loader hooks) when omitted */
  env?: NodeJS.ProcessEnv;
}

export const IP = 'ip';
export const IPTABLES = 'iptables';

export interface RunOptions extends ExecOptions {
  track?: Set<ChildProcess>;
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        env: options.env ?? helperEnv(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(err);
      return;
    }
    options.track?.add(child);
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin?.on('error', () => {
      /* command did not read its input */
    });
    child.stdin?.end(options.input ?? '');
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    }
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      options.track?.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      options.track?.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function describe(command: string, args: string[]): string {
  return [command, ...args].join(' ');
}

export async function runOk(command: string, args: string[], options: RunOptions = {}): Promise<ExecResult> {
  const r = await run(command, args, options);
  if (r.code !== 0) {
    const input = options.input ? `\n--- input ---\n${options.input}` : '';
    throw new Error(
      `lab: \`${describe(command, args)}\` failed (${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}${input}`,
    );
  }
  return r;
}

/**
 * Prefix of commands run in the lab: a test runner may inject NODE_OPTIONS into every process it
 * spawns (tap's processinfo hooks spawn itself), so it is removed at the last step, inside the
 * namespace. Its hooks would, e.g., try to write the runner's files after ttl-probe dropped root.
 */
export const WITHOUT_NODE_OPTIONS = ['env', '-u', 'NODE_OPTIONS'];

/**
 * Environment for commands in the lab: no loaders or inspectors inherited from the parent (a test
 * runner's hooks would, e.g., try to write the runner's files after ttl-probe dropped root).
 */
export function helperEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_INSPECT_RESUME_ON_START;
  return env;
}
