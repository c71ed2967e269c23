import t from 'tap';
import { networkPacketOf } from '../../src/transport/raw6-transport.js';

t.test('an addon packet becomes the network-layer view the classifier reads, addresses canonical', async (t) => {
  const payload = Buffer.from('0102', 'hex');
  const view = networkPacketOf({ payload, source: '2001:2:0:0:0:0:0:2', destination: '2001:2:0:1::1', hopLimit: 63, receivedAt: 5, flowLabel: 0, trafficClass: 0 }, 6);
  t.same(view.header, { version: 6, trafficClass: 0, flowLabel: 0, payloadLength: 2, nextHeader: 6, hopLimit: 63, source: '2001:2::2', destination: '2001:2:0:1::1' });
  t.equal(view.payload, payload, 'the payload is not copied');
  t.equal(view.truncated, false);
});
