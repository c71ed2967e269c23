import t from 'tap';
import { cookie, newCookieKey } from '../../src/probe/cookie.js';

// The reference implementation's vectors_hsip32: key bytes 00..07, message bytes 00..n-1, the
// 32-bit tag read little-endian. cookie() takes little-endian 32-bit words, so n = 0, 4, 8 apply.
t.test('HalfSipHash-2-4 matches the reference vectors', async (t) => {
  const key = [0x03020100, 0x07060504] as const;
  t.equal(cookie(key, []), 0x5b9f35a9, 'empty message');
  t.equal(cookie(key, [0x03020100]), 0x89466e2a, 'bytes 00..03');
  t.equal(cookie(key, [0x03020100, 0x07060504]), 0x8f84b8d0, 'bytes 00..07');
});

t.test('a fresh key per run: two keys differ and give different cookies', async (t) => {
  const a = newCookieKey();
  const b = newCookieKey();
  t.notSame(a, b);
  t.not(cookie(a, [1, 2, 3]), cookie(b, [1, 2, 3]));
  for (const word of a) t.ok(Number.isInteger(word) && word >= 0 && word < 2 ** 32, 'key words are uint32');
});
