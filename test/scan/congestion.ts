import t from 'tap';
import { createCongestionWindow, INITIAL_WINDOW, MIN_WINDOW } from '../../src/scan/congestion.js';

t.test('starts at the initial window, never above the cap', async (t) => {
  t.equal(createCongestionWindow(1000).limit(), INITIAL_WINDOW);
  t.equal(createCongestionWindow(10).limit(), 10, 'a cap below the initial window');
  t.equal(createCongestionWindow(1000, 5).limit(), 5);
});

t.test('slow start: one more per reply up to the threshold (the cap at first)', async (t) => {
  const window = createCongestionWindow(100, 10);
  for (let i = 0; i < 5; i++) window.onReply();
  t.equal(window.limit(), 15);
  for (let i = 0; i < 500; i++) window.onReply();
  t.equal(window.limit(), 100, 'capped at maxInFlight');
});

t.test('drop evidence halves the window (not below MIN_WINDOW), then it grows by about one per window', async (t) => {
  const window = createCongestionWindow(1000, 64);
  window.onDropEvidence(1000, 500);
  t.equal(window.limit(), 32);
  t.equal(window.decreases, 1);
  for (let i = 0; i < 32; i++) window.onReply();
  t.equal(window.limit(), 32, 'above the threshold: 32 replies add less than one');
  for (let i = 0; i < 34; i++) window.onReply();
  t.equal(window.limit(), 34, 'about one per window of replies');
  for (let at = 2000; at < 20_000; at += 1000) window.onDropEvidence(at, 500);
  t.equal(window.limit(), MIN_WINDOW, 'repeated losses stop at the floor');
});

t.test('one burst of losses counts once per interval', async (t) => {
  const window = createCongestionWindow(1000, 64);
  window.onDropEvidence(1000, 500);
  window.onDropEvidence(1200, 500);
  window.onDropEvidence(1499, 500);
  t.equal(window.limit(), 32);
  t.equal(window.decreases, 1);
  window.onDropEvidence(1500, 500);
  t.equal(window.limit(), 16, 'a full interval later: a new decrease');
  t.equal(window.decreases, 2);
});

t.test('the limit is at least one and a whole number', async (t) => {
  const window = createCongestionWindow(1, 1);
  window.onDropEvidence(0, 1);
  t.equal(window.limit(), 1, 'a cap of one: MIN_WINDOW does not lift it above the cap');
  const growing = createCongestionWindow(1000, 64);
  growing.onDropEvidence(0, 1);
  growing.onReply();
  t.ok(Number.isInteger(growing.limit()));
});
