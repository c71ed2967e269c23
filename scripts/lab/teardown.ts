/**
 * Teardown of labs: every lab is registered while it lives, and removed with
 * everything running inside it on down(), on process exit and on
 * SIGINT/SIGTERM/SIGHUP, synchronously when the process is going away.
 */
import { rmSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { IP } from './run.js';

export interface LiveEntry {
  namespaces: string[];
  children: Set<ChildProcess>;
}

const live = new Map<string, LiveEntry>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let handlersInstalled = false;

function killChildrenSync(children: Iterable<ChildProcess>, signal: NodeJS.Signals): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, signal);
      } catch {
        /* already gone */
      }
    }
  }
}

/** pids of every process living in the given namespaces (one `ip -batch` call). */
function pidsInNamespacesSync(namespaces: string[]): number[] {
  if (namespaces.length === 0) return [];
  let out = '';
  try {
    out = execFileSync(IP, ['-force', '-batch', '-'], {
      input: namespaces.map((ns) => `netns pids ${ns}\n`).join(''),
      stdio: ['pipe', 'pipe', 'ignore'],
      encoding: 'utf8',
    });
  } catch (err) {
    const e = err as { stdout?: string };
    out = typeof e.stdout === 'string' ? e.stdout : '';
  }
  return out
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
    .filter((pid) => pid !== process.pid && pid > 1);
}

function deleteNamespacesSync(namespaces: string[]): void {
  if (namespaces.length === 0) return;
  try {
    execFileSync(IP, ['-force', '-batch', '-'], {
      input: namespaces.map((ns) => `netns del ${ns}\n`).join(''),
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    /* some were already gone; -force deleted the rest */
  }
}

export function teardownEntrySync(entry: LiveEntry): void {
  killChildrenSync(entry.children, 'SIGKILL');
  for (const pid of pidsInNamespacesSync(entry.namespaces)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  deleteNamespacesSync(entry.namespaces);
  // The per-namespace files `ip netns exec` bind-mounts (the names are this lab's own: nothing else is touched).
  for (const ns of entry.namespaces) rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
}

function teardownAllSync(): void {
  for (const [prefix, entry] of live) {
    live.delete(prefix);
    teardownEntrySync(entry);
  }
}

function onExit(): void {
  teardownAllSync();
}

function onSignal(signal: NodeJS.Signals): void {
  teardownAllSync();
  uninstallHandlers();
  // Deliver the signal again, now as if the lab had never installed a
  // handler: with no other listener the default action terminates the
  // process; other listeners get to decide again. This matters for libraries
  // such as signal-exit (loaded by tap and many CLIs), which only re-raise a
  // signal when they are its sole listeners and so did nothing the first time
  // because ours was there.
  process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.removeListener('exit', onExit);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

export function register(prefix: string, entry: LiveEntry): void {
  live.set(prefix, entry);
  installHandlers();
}

export function unregister(prefix: string): void {
  live.delete(prefix);
  if (live.size === 0) uninstallHandlers();
}

/**
 * Ends a lab's tracked children: SIGTERM, up to `graceMs` for them to exit,
 * then everything still running in its namespaces is killed (children that
 * ignored SIGTERM, grandchildren of exec'd commands) and the namespaces go.
 */
export async function teardownEntry(entry: LiveEntry, graceMs = 2000): Promise<void> {
  for (const child of entry.children) child.kill('SIGTERM');
  const exited = [...entry.children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(exited), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
  if (timer) clearTimeout(timer);
  teardownEntrySync(entry);
}
