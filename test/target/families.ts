import t from 'tap';
import { familiesNeeded } from '../../src/target/families.js';

t.test('only the sockets the targets need', async (t) => {
  const cases: Array<[string, string[], boolean, 4 | 6 | null, ReturnType<typeof familiesNeeded>]> = [
    ['IPv4 literals never open IPv6', ['198.18.4.2', '198.18.5.2'], false, null, { ipv4: true, ipv6: false }],
    ['IPv6 literals alone need only IPv6', ['2001:2::1', '[2001:2::2]'], false, null, { ipv4: false, ipv6: 'required' }],
    ['both literals, both families', ['198.18.4.2', '2001:2::1'], false, null, { ipv4: true, ipv6: 'required' }],
    ['a name takes IPv6 if the machine has it', ['db.lab'], false, null, { ipv4: true, ipv6: 'optional' }],
    ['an audit file likewise', [], true, null, { ipv4: true, ipv6: 'optional' }],
    ['-4 decides alone', ['db.lab', '2001:2::1'], false, 4, { ipv4: true, ipv6: false }],
    ['-6 decides alone', ['db.lab', '198.18.4.2'], false, 6, { ipv4: false, ipv6: 'required' }],
  ];
  for (const [name, targets, file, family, expected] of cases) t.same(familiesNeeded(targets, file, family), expected, name);
});
