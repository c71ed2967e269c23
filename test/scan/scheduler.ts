import t from 'tap';
import { afterTimeout, burstFor, refilledTokens, Scheduler } from '../../src/scan/scheduler.js';
import { initialJobs } from '../../src/scan/targets.js';
import { newPortProgress, type Job } from '../../src/scan/state.js';
import { targetState } from '../helpers/scan-state.js';

/** Takes every job the scheduler allows at `now` and records them as sent. */
function drain(scheduler: Scheduler, now: number, windowLimit: number): Job[] {
  const taken: Job[] = [];
  scheduler.refill(now);
  for (let job = scheduler.take(windowLimit); job !== null; job = scheduler.take(windowLimit)) {
    scheduler.sentJob(job, now);
    taken.push(job);
  }
  return taken;
}

t.test('the token bucket', async (t) => {
  t.equal(refilledTokens(0, 10, 1000, 10), 10, '10 ms at 1000/s');
  t.equal(refilledTokens(0, 1000, 1000, 10), 10, 'capped at the burst');
  t.equal(refilledTokens(0.5, 1, 500, 10), 1);
  t.equal(burstFor(100000), 1000);
  t.equal(burstFor(50), 1, 'at least one');
});

t.test('afterTimeout: re-send while tries remain', async (t) => {
  const port = newPortProgress(22);
  port.tries = 1;
  t.equal(afterTimeout(port, 2), 'resend');
  port.tries = 2;
  t.equal(afterTimeout(port, 2), 'give-up');
});

t.test('pacing, window and expiry on a made-up clock', async (t) => {
  const target = targetState('198.18.4.2', [1, 2, 3, 4, 5]);
  const port = (n: number) => target.ports.get(n)!;
  const scheduler = new Scheduler(initialJobs([target], 2), 1000, 2, 0);
  t.same(drain(scheduler, 0, 3).map((job) => job.subject), [1], 'one token at the start: the first reference probe');
  const second = drain(scheduler, 4, 3);
  t.same(
    second.map((job) => [job.port === null ? 'reference' : 'port', job.subject]),
    [['reference', 2], ['port', 1], ['port', 2], ['port', 3]],
    '4 ms at 1000/s earn four tokens; reference probes stay outside the window',
  );
  t.equal(scheduler.inFlight, 3);
  t.same(drain(scheduler, 10, 3), [], 'tokens left, but the window of 3 is full');
  scheduler.answered(port(2));
  t.equal(scheduler.inFlight, 2, 'an answer frees its slot');
  t.same(drain(scheduler, 20, 3).map((job) => job.subject), [4]);
  scheduler.expire(103, 100);
  t.equal(scheduler.inFlight, 3, 'nothing is due before its timeout');
  scheduler.expire(104, 100);
  t.equal(scheduler.inFlight, 1, 'ports 1 and 3 (sent at 4) expire; port 4 (sent at 20) not yet');
  t.same([port(1).outstanding, port(1).done, port(3).outstanding], [false, false, false], 'a try remains');
  t.same(drain(scheduler, 120, 3).map((job) => job.subject), [5, 1], 'the re-sends queue behind port 5, and the window is full again');
  t.equal(port(1).tries, 2);
  scheduler.answered(port(3));
  scheduler.expire(1000, 100);
  t.same([port(1).done, port(1).reply, port(1).tries], [true, null, 2], 'silent after its last try');
  t.same([port(4).done, port(5).done], [false, false], 'ports 4 and 5 used one try: queued again');
  t.equal(scheduler.inFlight, 0);
  t.same(drain(scheduler, 1001, 3).map((job) => job.subject), [4, 5], 'port 3, answered while queued, is skipped');
  scheduler.expire(2000, 100);
  t.equal(scheduler.pending(), false, 'every port done');
  t.same([...target.ports.values()].map((p) => [p.port, p.tries, p.done]), [[1, 2, true], [2, 1, true], [3, 1, true], [4, 2, true], [5, 2, true]]);
});

t.test('a port answered while its re-send waits is not sent again', async (t) => {
  const target = targetState('198.18.4.2', [7]);
  const scheduler = new Scheduler(initialJobs([target], 0), 1000, 3, 0);
  t.equal(drain(scheduler, 1, 10).length, 1);
  scheduler.expire(200, 100);
  scheduler.answered(target.ports.get(7)!);
  t.same(drain(scheduler, 300, 10), []);
  t.equal(target.ports.get(7)!.tries, 1);
  t.equal(scheduler.pending(), false);
});
