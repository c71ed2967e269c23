import t from 'tap';
import { createIcmpBudget } from '../../src/trace/icmp-budget.js';

t.test('a burst of six, then one per second, like Linux', async (t) => {
  const budget = createIcmpBudget();
  for (let i = 0; i < 6; i++) {
    t.ok(budget.available(3, 0), `error ${i + 1} of the burst`);
    budget.spend(3, 0);
  }
  t.notOk(budget.available(3, 0), 'the seventh at once is eaten');
  t.equal(budget.nextAvailableAt(3, 0), 1000);
  t.notOk(budget.available(3, 999));
  t.ok(budget.available(3, 1000), 'one more a second later');
  t.ok(budget.available(4, 0), 'another router has its own bucket');
});

t.test('refunds for probes that drew nothing', async (t) => {
  const budget = createIcmpBudget();
  for (let i = 0; i < 6; i++) budget.spend(7, 0);
  t.notOk(budget.available(7, 10));
  budget.refund(7, 10);
  t.ok(budget.available(7, 10));
  for (let i = 0; i < 10; i++) budget.refund(7, 10);
  for (let i = 0; i < 6; i++) budget.spend(7, 10);
  t.notOk(budget.available(7, 10), 'refunds never exceed the burst');
});
