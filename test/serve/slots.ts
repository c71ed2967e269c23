import t from 'tap';
import { createProbeSlots } from '../../src/serve/slots.js';

t.test('slots: at most the limit, given back once', async (t) => {
  const slots = createProbeSlots(2);
  const a = slots.take()!;
  const b = slots.take()!;
  t.ok(a && b);
  t.equal(slots.take(), null, 'no third slot, no queue');
  a.release();
  a.release();
  const c = slots.take();
  t.ok(c, 'a released slot comes back');
  t.equal(slots.take(), null, 'a second release gives nothing more');
  t.equal(slots.limit, 2);
});

t.test('abort: the first reason stands; abortAll reaches every probe in flight; drained waits for them', async (t) => {
  const slots = createProbeSlots(3);
  const a = slots.take()!;
  const b = slots.take()!;
  a.abort('timeout');
  slots.abortAll('shutdown');
  t.equal(a.signal.reason, 'timeout');
  t.equal(b.signal.reason, 'shutdown');
  let drained = false;
  const waiting = slots.drained().then(() => (drained = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(drained, false, 'probes still hold their slots');
  a.release();
  b.release();
  await waiting;
  t.equal(drained, true);
  const later = slots.take()!;
  t.equal(later.signal.aborted, false, 'a later probe is not aborted');
});
