import t from 'tap';
import { UsageError } from '../../src/errors.js';
import { usageMessage } from '../report/fixtures.js';
import { parseExpectation, parseExpectations, parseExpectedValue } from '../../src/expect/expectation.js';
import { formatExpected } from '../../src/model/expectation.js';

t.test('one element', async (t) => {
  t.same(parseExpectation('22=closed@middlebox'), { port: 22, state: 'closed', answeredBy: 'middlebox' });
  t.same(parseExpectation('443=open@host'), { port: 443, state: 'open', answeredBy: 'host' });
  t.same(parseExpectation('443=open'), { port: 443, state: 'open' }, 'no @BY: any answerer');
  t.same(parseExpectation(' 80 = Closed @ Beyond '), { port: 80, state: 'closed', answeredBy: 'beyond' }, 'spaces and case');
  t.same(parseExpectation('8080=filtered'), { port: 8080, state: 'filtered' });
  t.same(parseExpectation('8080=filtered@none'), { port: 8080, state: 'filtered', answeredBy: 'none' });
  t.same(parseExpectation('3306=unreachable@middlebox'), { port: 3306, state: 'unreachable', answeredBy: 'middlebox' });
  t.same(parseExpectation('25=unreachable@unknown'), { port: 25, state: 'unreachable', answeredBy: 'unknown' });
  t.same(parseExpectation('65535=open'), { port: 65535, state: 'open' });
  t.same(parseExpectation('1=closed'), { port: 1, state: 'closed' });
});

t.test('bad elements name themselves', async (t) => {
  const cases: [string, string][] = [
    ['22', 'invalid expectation "22": expected PORT=STATE[@BY], e.g. 22=closed@middlebox'],
    ['open@host', 'invalid expectation "open@host": expected PORT=STATE[@BY], e.g. 22=closed@middlebox'],
    ['ssh=open', 'invalid expectation "ssh=open": port "ssh" is not a number 1-65535'],
    ['=open', 'invalid expectation "=open": port "" is not a number 1-65535'],
    ['-1=open', 'invalid expectation "-1=open": port "-1" is not a number 1-65535'],
    ['22-23=open', 'invalid expectation "22-23=open": port "22-23" is not a number 1-65535'],
    ['0=open', 'invalid expectation "0=open": port 0 out of range: ports are 1-65535'],
    ['70000=open', 'invalid expectation "70000=open": port 70000 out of range: ports are 1-65535'],
    ['22=', 'invalid expectation "22=": no state: expected PORT=STATE[@BY], e.g. 22=closed@middlebox'],
    ['22=@host', 'invalid expectation "22=@host": no state: expected PORT=STATE[@BY], e.g. 22=closed@middlebox'],
    ['22=shut', 'invalid expectation "22=shut": state "shut" is not one of open, closed, unreachable, filtered'],
    ['22=closed@firewall', 'invalid expectation "22=closed@firewall": "firewall" after @ is not one of host, middlebox, beyond, unknown, none'],
    ['22=closed@', 'invalid expectation "22=closed@": "" after @ is not one of host, middlebox, beyond, unknown, none'],
    ['22=closed@host@middlebox', 'invalid expectation "22=closed@host@middlebox": "host@middlebox" after @ is not one of host, middlebox, beyond, unknown, none'],
    ['22=filtered@host', 'invalid expectation "22=filtered@host": a filtered port got no reply, so it is answered by none: write 22=filtered'],
    ['22=open@none', 'invalid expectation "22=open@none": an open port got a reply, so someone answered it: use @host, @middlebox, @beyond or @unknown'],
    ['22=closed@none', 'invalid expectation "22=closed@none": a closed port got a reply, so someone answered it: use @host, @middlebox, @beyond or @unknown'],
  ];
  for (const [input, message] of cases) t.equal(usageMessage(() => parseExpectation(input)), message, input);
  t.ok(
    (() => {
      try {
        parseExpectation('22=shut');
      } catch (error) {
        return error instanceof UsageError && error.exitCode === 2;
      }
      return false;
    })(),
    'a UsageError: exit 2',
  );
});

t.test('lists: repeatable and comma-joinable', async (t) => {
  t.same(parseExpectations('22=closed@middlebox,443=open@host'), [
    { port: 22, state: 'closed', answeredBy: 'middlebox' },
    { port: 443, state: 'open', answeredBy: 'host' },
  ]);
  t.same(parseExpectations(['443=open@host', '22=closed@middlebox, 80=closed']), [
    { port: 22, state: 'closed', answeredBy: 'middlebox' },
    { port: 80, state: 'closed' },
    { port: 443, state: 'open', answeredBy: 'host' },
  ], 'sorted by port');
  t.same(parseExpectations(['22=closed', '22=closed']), [{ port: 22, state: 'closed' }], 'the same twice is kept once');
  t.same(parseExpectations([]), []);
});

t.test('bad lists', async (t) => {
  const cases: [string | string[], string][] = [
    ['22=closed,,443=open', 'empty element in expectation list "22=closed,,443=open"'],
    ['22=closed,', 'empty element in expectation list "22=closed,"'],
    [['22=closed', ''], 'empty --expect value: expected PORT=STATE[@BY], e.g. 22=closed@middlebox'],
    [['22=closed', '22=open'], 'port 22 has two expectations: 22=closed and 22=open'],
    ['22=closed@host,22=closed@middlebox', 'port 22 has two expectations: 22=closed@host and 22=closed@middlebox'],
    ['22=closed,443=opne', 'invalid expectation "443=opne": state "opne" is not one of open, closed, unreachable, filtered'],
  ];
  for (const [input, message] of cases) t.equal(usageMessage(() => parseExpectations(input)), message, String(input));
});

t.test('the value part alone (targets files) and formatting', async (t) => {
  t.same(parseExpectedValue(22, 'closed@middlebox'), { port: 22, state: 'closed', answeredBy: 'middlebox' });
  t.equal(usageMessage(() => parseExpectedValue(22, 'clsoed')), 'invalid expectation "22=clsoed": state "clsoed" is not one of open, closed, unreachable, filtered');
  t.equal(usageMessage(() => parseExpectedValue(22, 'clsoed', '22: clsoed')), 'invalid expectation "22: clsoed": state "clsoed" is not one of open, closed, unreachable, filtered');
  t.equal(formatExpected({ state: 'closed', answeredBy: 'middlebox' }), 'closed@middlebox');
  t.equal(formatExpected({ state: 'open' }), 'open');
});
