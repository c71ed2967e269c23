import t from 'tap';
import { UsageError } from '../../src/errors.js';
import { camelCase, defaultOf, flagGiven, helpText, lastText, numberFlag, readFlag, readFlags, switchFlag, synopsisOf, textFlag } from '../../src/options/flag.js';

const tries = numberFlag({ name: 'tries', group: 'Probing', default: 2, min: 1, max: 20, integer: true, describe: 'SYNs per port' });
const port = numberFlag({ name: 'source-port', alias: 's', placeholder: 'PORT', group: 'Probing', min: 1, max: 65535, integer: true, describe: 'a fixed port', defaultText: 'random' });
const trace = switchFlag({ name: 'trace', group: 'Trace', describe: 'also trace' });
const user = textFlag({ name: 'user', placeholder: 'NAME', group: 'Privileges', describe: 'whom to become', read: lastText('a user name') });
const list = textFlag({ name: 'allow', group: 'Exporter', repeatable: true, describe: 'entries', read: (values) => values.join('+') });

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof UsageError ? error.message : `not a UsageError: ${String(error)}`;
  }
  return 'did not throw';
}

t.test('numbers: the default when absent, the last one when repeated, limits with exact messages', async (t) => {
  t.equal(readFlag(tries, {}), 2);
  t.equal(readFlag(port, {}), null, 'no default: null');
  t.equal(readFlag(tries, { tries: '5' }), 5);
  t.equal(readFlag(tries, { tries: ['5', '7'] }), 7, 'the last one wins');
  t.equal(readFlag(port, { sourcePort: '53' }), 53, 'read under the camelCase name yargs gives');
  t.equal(usageMessage(() => readFlag(tries, { tries: '0' })), '--tries must be between 1 and 20, got 0');
  t.equal(usageMessage(() => readFlag(tries, { tries: '1.5' })), '--tries must be a whole number, got 1.5');
  t.equal(usageMessage(() => readFlag(tries, { tries: 'many' })), '--tries must be a number, got "many"');
  t.equal(usageMessage(() => readFlag(tries, { tries: '' })), '--tries must be a number, got ""');
});

t.test('switches: true only when given as true', async (t) => {
  t.equal(readFlag(trace, {}), false);
  t.equal(readFlag(trace, { trace: true }), true);
  t.equal(readFlag(trace, { trace: false }), false);
  t.equal(readFlag(trace, { trace: [true, false] }), false, 'the last one wins');
});

t.test('text: read gets every occurrence as strings', async (t) => {
  t.equal(readFlag(user, {}), null);
  t.equal(readFlag(user, { user: ['root', 'nobody'] }), 'nobody');
  t.equal(usageMessage(() => readFlag(user, { user: ' ' })), '--user needs a user name');
  t.equal(readFlag(list, { allow: ['a', 'b'] }), 'a+b');
  t.equal(readFlag(list, {}), '', 'absent: read of no values');
});

t.test('readFlags: the table keys are the fields; table order decides which error comes first', async (t) => {
  t.same(readFlags({ tries, sourcePort: port, trace }, { tries: '3', trace: true }), { tries: 3, sourcePort: null, trace: true });
  t.equal(usageMessage(() => readFlags({ tries, sourcePort: port }, { tries: '0', sourcePort: '0' })), '--tries must be between 1 and 20, got 0');
  t.equal(flagGiven(tries, { tries: '1' }), true);
  t.equal(flagGiven(tries, {}), false);
});

t.test('the docs of a flag', async (t) => {
  t.equal(helpText(tries), 'SYNs per port (default 2)');
  t.equal(helpText(port), 'a fixed port (default random)');
  t.equal(helpText(trace), 'also trace');
  t.equal(defaultOf(user), null);
  t.equal(synopsisOf(port), '-s, --source-port PORT');
  t.equal(synopsisOf(tries), '--tries N');
  t.equal(synopsisOf(trace), '--trace');
  t.equal(synopsisOf(list), '--allow VALUE');
  t.equal(camelCase('fail-on-change'), 'failOnChange');
});
