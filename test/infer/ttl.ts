import t from 'tap';
import { distanceOf, hopOf, inferInitialTtl, readTtl } from '../../src/infer/ttl.js';

t.test('initial TTL is the smallest common value not below the received one', async (t) => {
  const cases: [number, number][] = [
    [1, 32], [32, 32], [33, 64], [61, 64], [63, 64], [64, 64], [65, 128], [117, 128], [128, 128], [129, 255], [250, 255], [255, 255],
  ];
  for (const [received, initial] of cases) t.equal(inferInitialTtl(received), initial, `ttl ${received} -> ${initial}`);
});

t.test('distance and hop', async (t) => {
  t.equal(distanceOf(61), 3, 'ping reply 61 crossed 3 routers');
  t.equal(distanceOf(63), 1, 'forged RST 63 crossed 1 router');
  t.equal(distanceOf(253), 2, 'network gear 255 -> 253');
  t.equal(distanceOf(125), 3, 'windows 128 -> 125');
  t.equal(hopOf(0), 1, 'adjacent router is hop 1');
  t.equal(hopOf(3), 4);
  t.same(readTtl(61), { ttl: 61, initialTtl: 64, distance: 3 });
});
