import t from 'tap';
import { parsePortList } from '../../src/target/ports.js';
import { UsageError } from '../../src/errors.js';

t.test('valid port lists', async (t) => {
  t.same(parsePortList('22,443'), [22, 443]);
  t.same(parsePortList('443,22,22'), [22, 443], 'sorted, unique');
  t.same(parsePortList('8000-8003'), [8000, 8001, 8002, 8003]);
  t.same(parsePortList('22, 8000-8001 ,443'), [22, 443, 8000, 8001]);
  t.same(parsePortList('1-1'), [1]);
  t.equal(parsePortList('1-65535').length, 65535);
});

t.test('bad port lists name the bad element', async (t) => {
  const cases: [string, string][] = [
    ['0', 'port 0 out of range in "0": ports are 1-65535'],
    ['70000', 'port 70000 out of range in "70000": ports are 1-65535'],
    ['22-', 'invalid port "22-": expected a number 1-65535 or a range like 8000-8010'],
    ['443-22', 'port range "443-22" is reversed: write 22-443'],
    ['ssh', 'invalid port "ssh": expected a number 1-65535 or a range like 8000-8010'],
    ['22,,80', 'empty element in port list "22,,80"'],
    ['', 'empty port list: give ports like 22,443 or 8000-8010'],
    ['-5', 'invalid port "-5": expected a number 1-65535 or a range like 8000-8010'],
    ['1.5', 'invalid port "1.5": expected a number 1-65535 or a range like 8000-8010'],
  ];
  for (const [input, message] of cases) t.throws(() => parsePortList(input), new UsageError(message), input);
});
