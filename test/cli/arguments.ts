import t from 'tap';
import { argumentShapeOf, checkArguments, expandNmapFlags } from '../../src/cli/arguments.js';
import { ALL_FLAG_TABLES } from '../../src/cli/commands.js';
import { UsageError } from '../../src/errors.js';
import { switchFlag } from '../../src/options/flag.js';

const shape = argumentShapeOf(ALL_FLAG_TABLES, ['help', 'h', 'version']);

function messageOf(args: string[], withShape = shape): string {
  try {
    checkArguments(args, withShape);
  } catch (error) {
    return error instanceof UsageError ? error.message : `not a UsageError: ${String(error)}`;
  }
  return 'accepted';
}

t.test('an undeclared digit flag is an unknown argument, never a positional', async (t) => {
  t.equal(messageOf(['-6', '198.18.4.2']), 'accepted', '-6 is --ipv6');
  t.equal(messageOf(['198.18.4.2', '-4']), 'accepted', '-4 is --ipv4');
  t.equal(messageOf(['198.18.4.2', '-5']), 'Unknown argument: -5');
  t.equal(messageOf(['198.18.4.2', '-p', '22', '-46']), 'Unknown argument: -46');
  t.equal(messageOf(['serve', '--allow', '198.18.0.0/15', '-1.5']), 'Unknown argument: -1.5');
});

t.test("a flag's value may look like a negative number (the limit check names it)", async (t) => {
  t.equal(messageOf(['198.18.4.2', '--timeout', '-5']), 'accepted');
  t.equal(messageOf(['198.18.4.2', '-p', '-6']), 'accepted');
  t.equal(messageOf(['198.18.4.2', '--timeout=-5']), 'accepted');
  t.equal(messageOf(['--', '-6']), 'accepted', 'after --, everything is a positional');
  t.equal(messageOf(['198.18.4.2', '--trace', '-7']), 'Unknown argument: -7', 'a switch takes no value');
  t.equal(messageOf(['198.18.4.2', '--trace', '-6']), 'accepted', 'a switch, then -6');
});

t.test('a digit flag the tables declare is left to yargs', async (t) => {
  const withSix = argumentShapeOf([...ALL_FLAG_TABLES, { ipv6: switchFlag({ name: 'ipv6', alias: '6', group: 'Probing', describe: 'IPv6' }) }], ['help']);
  t.equal(messageOf(['-6', '198.18.4.2'], withSix), 'accepted');
});

t.test('a switch given a value', async (t) => {
  t.equal(messageOf(['198.18.4.2', '--trace=foo']), '--trace takes no value (got "foo")');
  t.equal(messageOf(['198.18.4.2', '--json=1']), '--json takes no value (got "1")');
  t.equal(messageOf(['198.18.4.2', '--help=x']), '--help takes no value (got "x")');
  t.equal(messageOf(['198.18.4.2', '--trace=true', '--json=false']), 'accepted');
  t.equal(messageOf(['198.18.4.2', '--timeout=5']), 'accepted');
});

t.test("nmap's -iL becomes --input-list, and - after a flag that reads stdin stays its value", async (t) => {
  t.same(expandNmapFlags(['-iL', 'fleet.txt', '-p', '22']), ['--input-list', 'fleet.txt', '-p', '22']);
  t.same(expandNmapFlags(['-iL', '-', '--exclude-file', '-']), ['--input-list=-', '--exclude-file=-']);
  t.same(expandNmapFlags(['198.18.4.2', '--', '-iL', '-']), ['198.18.4.2', '--', '-iL', '-'], 'nothing after --');
});
