import t from 'tap';
import { findInPasswd, unprivilegedIdentity, type UserLookup } from '../src/privileges.js';
import { UsageError } from '../src/errors.js';

const users: Record<string, { uid: number; gid: number }> = { nobody: { uid: 65534, gid: 65534 }, alice: { uid: 1000, gid: 1000 }, root: { uid: 0, gid: 0 } };
const lookup: UserLookup = (name) => (users[name] ? { ...users[name]!, name } : null);

t.test('whom to become after opening the raw sockets', async (t) => {
  t.same(unprivilegedIdentity(0, { SUDO_UID: '1000', SUDO_GID: '1000', SUDO_USER: 'alice' }, null, lookup), { uid: 1000, gid: 1000, name: 'alice' }, 'under sudo: the invoking user');
  t.same(unprivilegedIdentity(0, {}, null, lookup), { uid: 65534, gid: 65534, name: 'nobody' }, 'root without sudo: nobody');
  t.same(unprivilegedIdentity(0, { SUDO_UID: '0', SUDO_GID: '0' }, null, lookup), { uid: 65534, gid: 65534, name: 'nobody' }, 'sudo from root: nobody');
  t.same(unprivilegedIdentity(0, { SUDO_UID: 'x' }, null, lookup), { uid: 65534, gid: 65534, name: 'nobody' }, 'garbage SUDO_UID ignored');
  t.same(unprivilegedIdentity(0, { SUDO_UID: '1000', SUDO_GID: '1000' }, 'nobody', lookup), { uid: 65534, gid: 65534, name: 'nobody' }, '--user wins over sudo');
  t.equal(unprivilegedIdentity(0, {}, 'root', lookup), null, '--user root keeps root');
  t.equal(unprivilegedIdentity(1000, { SUDO_UID: '5' }, null, lookup), null, 'not root (a capability): nothing to drop');
  t.throws(() => unprivilegedIdentity(0, {}, 'mallory', lookup), new UsageError('--user mallory: no such user'));
});

t.test('passwd lookups', async (t) => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nbroken:x::\n';
  t.same(findInPasswd(passwd, 'nobody'), { uid: 65534, gid: 65534, name: 'nobody' });
  t.same(findInPasswd(passwd, 'root'), { uid: 0, gid: 0, name: 'root' });
  t.equal(findInPasswd(passwd, 'broken'), null);
  t.equal(findInPasswd(passwd, 'nob'), null, 'whole names only');
});
