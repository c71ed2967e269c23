import { lazyBuiltin } from './lazy-builtin.js';
import { readFileSync } from 'node:fs';
import { EnvironmentError, UsageError } from './errors.js';

/**
 * Least privilege. ttl-probe needs root (or CAP_NET_RAW) only to open its raw
 * sockets; right after, it becomes an ordinary user, before it parses anything
 * that came from the network (replies, name lookups, HTTP) or from files.
 *
 * Whom it becomes: `--user NAME` when given (`--user root` keeps root); else,
 * under sudo, the user who ran sudo (SUDO_UID/SUDO_GID), so files are read
 * with that user's rights; else, when running as root, `nobody` (as tcpdump
 * drops to its own user). A non-root process (capability on the node binary)
 * has no user to drop; Node cannot drop the capability itself, so it stays
 * for the life of the process (it only allows raw sockets).
 */
export interface Identity {
  uid: number;
  gid: number;
  /** For messages. */
  name: string;
}

/** Looks a user up: /etc/passwd first (no process to start), then the system's name service (`id`), so LDAP and other NSS sources work. */
export type UserLookup = (name: string) => Identity | null;

/** The user's uid and primary gid from passwd-format text, or null. */
export function findInPasswd(text: string, name: string): Identity | null {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name || fields.length < 4) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (fields[2] !== '' && fields[3] !== '' && Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid, name };
  }
  return null;
}

export const lookUpUser: UserLookup = (name) => {
  try {
    const local = findInPasswd(readFileSync('/etc/passwd', 'utf8'), name);
    if (local) return local;
  } catch {
    // no /etc/passwd: ask the name service
  }
  try {
    const { execFileSync } = lazyBuiltin.childProcess();
    const uid = Number(execFileSync('id', ['-u', '--', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    const gid = Number(execFileSync('id', ['-g', '--', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid, name } : null;
  } catch {
    return null;
  }
};

/**
 * The identity to switch to after opening the sockets, or null when there is
 * nothing to drop (not root, or `--user` names root). Pure but for `lookup`.
 */
export function unprivilegedIdentity(
  currentUid: number,
  env: NodeJS.ProcessEnv,
  userOption: string | null,
  lookup: UserLookup = lookUpUser,
): Identity | null {
  if (userOption !== null) {
    const identity = lookup(userOption);
    if (!identity) throw new UsageError(`--user ${userOption}: no such user`);
    return identity.uid === currentUid ? null : identity;
  }
  if (currentUid !== 0) return null;
  const sudoUid = Number(env.SUDO_UID);
  const sudoGid = Number(env.SUDO_GID);
  if (env.SUDO_UID !== undefined && Number.isInteger(sudoUid) && sudoUid > 0 && Number.isInteger(sudoGid) && sudoGid >= 0) {
    return { uid: sudoUid, gid: sudoGid, name: env.SUDO_USER ?? String(sudoUid) };
  }
  const nobody = lookup('nobody');
  return nobody ?? { uid: 65534, gid: 65534, name: 'nobody' };
}

/** Switches the process to `identity` for good (groups, then gid, then uid); EnvironmentError (exit 3) when the kernel refuses. */
export function switchIdentity(identity: Identity): void {
  try {
    process.setgroups?.([identity.gid]);
    process.setgid?.(identity.gid);
    process.setuid?.(identity.uid);
  } catch (error) {
    throw new EnvironmentError(`cannot drop privileges to ${identity.name} (${(error as Error).message})`, 'ERR_PRIVILEGE_DROP');
  }
  if (process.getuid?.() !== identity.uid || process.geteuid?.() !== identity.uid) {
    throw new EnvironmentError(`cannot drop privileges to ${identity.name}: still uid ${process.geteuid?.()}`, 'ERR_PRIVILEGE_DROP');
  }
}

/** After opening the raw sockets: become the unprivileged identity, if there is one. Returns it (null: nothing dropped). */
export function dropPrivileges(userOption: string | null, env: NodeJS.ProcessEnv = process.env): Identity | null {
  const identity = unprivilegedIdentity(process.getuid?.() ?? -1, env, userOption);
  if (identity) switchIdentity(identity);
  return identity;
}
