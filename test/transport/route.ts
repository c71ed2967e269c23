// The source-address look-up: a UDP connect, which sends nothing, so these run anywhere.
import t from 'tap';
import { HANDLE_PATH_MAJORS, handlePathUsable, routeSource, routeSourceViaDgram, routeSourceViaHandle } from '../../src/transport/route.js';

t.test('on every Node.js major the project supports, the handle path answers by itself', async (t) => {
  t.ok(HANDLE_PATH_MAJORS.includes(process.versions.node.split('.')[0]!), `Node ${process.versions.node} is one of ${HANDLE_PATH_MAJORS.join(', ')}`);
  t.ok(handlePathUsable());
  t.equal(routeSourceViaHandle('127.0.0.1'), '127.0.0.1', 'no fallback to node:dgram');
});

t.test('the handle path and node:dgram ask the kernel the same question and get the same answer', async (t) => {
  t.equal(await routeSource('127.0.0.1'), '127.0.0.1');
  t.equal(routeSourceViaHandle('127.3.2.1'), await routeSourceViaDgram('127.3.2.1'), 'loopback range');
  // TEST-NET-2: whatever this machine's routes say (a default route, or none), both must agree.
  let viaHandle: string | undefined;
  try {
    viaHandle = routeSourceViaHandle('198.51.100.7');
  } catch (error) {
    viaHandle = (error as Error).message;
  }
  const viaDgram = await routeSourceViaDgram('198.51.100.7').catch((error: Error) => error.message);
  t.equal(viaHandle, viaDgram);
});

t.test('pending deprecations turn the handle path off (process.binding would warn)', async (t) => {
  const saved = process.env.NODE_PENDING_DEPRECATION;
  t.teardown(() => {
    if (saved === undefined) delete process.env.NODE_PENDING_DEPRECATION;
    else process.env.NODE_PENDING_DEPRECATION = saved;
  });
  process.env.NODE_PENDING_DEPRECATION = '1';
  t.notOk(handlePathUsable());
  t.equal(routeSourceViaHandle('127.0.0.1'), undefined);
  t.equal(await routeSource('127.0.0.1'), '127.0.0.1', 'node:dgram answers instead');
});
