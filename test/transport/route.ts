// The source-address look-up: a UDP connect, which sends nothing, so these run anywhere.
import t from 'tap';
import { routeSource, routeSourceViaDgram } from '../../src/transport/route.js';

t.test('the fast path and node:dgram give the kernel the same question and get the same answer', async (t) => {
  t.equal(await routeSource('127.0.0.1'), '127.0.0.1');
  t.equal(await routeSource('127.3.2.1'), await routeSourceViaDgram('127.3.2.1'), 'loopback range');
  // TEST-NET-2: whatever this machine's routes say (a default route, or none), both must agree.
  const viaHandle = await routeSource('198.51.100.7').catch((error: Error) => error.message);
  const viaDgram = await routeSourceViaDgram('198.51.100.7').catch((error: Error) => error.message);
  t.equal(viaHandle, viaDgram);
});
