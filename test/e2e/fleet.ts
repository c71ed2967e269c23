// Fleets end to end: a whole block answered by one namespace behind the article's firewall,
// probed as a block, from -iL (a file and stdin), with excludes, an audit entry naming a block and
// a host twice; the per-host verdicts and the fleet summary checked against the firewall's rules.
import t from 'tap';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, CLI, withLab } from '../helpers/lab-probe.js';
import { addServerBlock } from '../../scripts/lab/blocks.js';
import { validateReport } from '../report/validate.js';
import type { Lab } from '../../scripts/lab/lab.js';
import type { Report, TargetReport } from '../../src/model/report.js';
import type { FleetSummary } from '../../src/model/summary.js';

const BLOCK = topologies.FLEET_BLOCK;
const cli = (lab: Lab, args: string[], input?: string) =>
  lab.execInClient(process.execPath, [CLI, ...args], { timeoutMs: 120_000, ...(input !== undefined ? { input } : {}) });

/** What the fleet topology's firewall makes of host 198.19.0.N: [state, answeredBy, hop] for 22 and 443. */
function expected(last: number): Record<number, [string, string, number | null]> {
  if (last >= 192) return { 22: ['filtered', 'none', null], 443: ['filtered', 'none', null] };
  if (last === 128) return { 22: ['unreachable', 'middlebox', 2], 443: ['unreachable', 'middlebox', 2] };
  if (last < 64) return { 22: ['closed', 'middlebox', 2], 443: ['open', 'host', 4] };
  return { 22: ['closed', 'host', 4], 443: ['open', 'host', 4] };
}

function verdicts(target: TargetReport): Record<number, [string, string, number | null]> {
  return Object.fromEntries(target.ports.map((port) => [port.port, [port.state, port.answeredBy, port.hop]]));
}

type Json = Report & { summary: FleetSummary };

if (assertLabAvailable(t)) {
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-fleet-'));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  t.test('a /24 behind a firewall: every host its own verdict, and the summary groups them by who answers', async (t) => {
    await withLab(topologies.fleet(), async (lab) => {
      await addServerBlock(lab, BLOCK);
      const run = await cli(lab, [BLOCK, '-p', '22,443', '--json']);
      t.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as Json;
      t.same(validateReport(report), [], 'valid against the published JSON Schema, summary included');
      t.equal(report.targets.length, 256, 'network and broadcast addresses included, as nmap does');
      t.same(
        report.targets.map((target) => target.address),
        Array.from({ length: 256 }, (_, i) => `198.19.0.${i}`),
        'in address order',
      );
      t.ok(report.targets.every((target) => target.target === BLOCK), 'each reported under the block as given');
      let wrong = 0;
      for (const target of report.targets) {
        const last = Number(target.address.split('.')[3]);
        const got = verdicts(target);
        const want = expected(last);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          wrong++;
          if (wrong <= 5) t.fail(`${target.address}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
      t.equal(wrong, 0, 'every host of the block has the verdicts its firewall rules give');
      const unreachable = report.targets[128]!.ports[0]!;
      t.equal(unreachable.reply?.from, '198.18.2.2', 'the unreachable host: reported by the firewall');
      const summary = report.summary;
      t.equal(summary.targets, 256);
      const port22 = summary.ports.find((port) => port.port === 22)!;
      t.same(
        port22.groups.map((group) => [group.answeredBy, group.hosts, group.hop, group.address, group.signature?.kind ?? null]),
        [
          ['host', 127, null, null, null],
          ['middlebox', 64, 2, null, 'rst'],
          ['none', 64, null, null, null],
          ['middlebox', 1, 2, '198.18.2.2', 'icmp-unreachable'],
        ],
        'port 22: 127 themselves, 64 by one device at hop 2, 64 silent, 1 reported unreachable by 198.18.2.2',
      );
      const port443 = summary.ports.find((port) => port.port === 443)!;
      t.same(
        port443.groups.map((group) => [group.answeredBy, group.hosts, group.states]),
        [
          ['host', 191, { open: 191 }],
          ['none', 64, { filtered: 64 }],
          ['middlebox', 1, { unreachable: 1 }],
        ],
      );

      const table = await cli(lab, [BLOCK, '-p', '22,443', '--summary']);
      t.equal(table.code, 0, table.stderr);
      t.equal(
        table.stdout,
        [
          'summary of 256 targets:',
          '  port 22: 127 hosts answered themselves (closed); 64 hosts answered by one device at hop 2 (rst, initial TTL 64) (closed); 64 hosts silent; 1 host reported unreachable by one device at hop 2 (198.18.2.2; icmp 3/1, initial TTL 64)',
          '  port 443: 191 hosts answered themselves (open); 64 hosts silent; 1 host reported unreachable by one device at hop 2 (198.18.2.2; icmp 3/1, initial TTL 64)',
          '',
        ].join('\n'),
        '--summary: the summary alone',
      );
    });
  });

  t.test('-iL from a file and from stdin, --exclude and --exclude-file, and one address in two entries probed once', async (t) => {
    await withLab(topologies.fleet(), async (lab) => {
      await addServerBlock(lab, BLOCK);
      const list = join(dir, 'fleet.txt');
      writeFileSync(list, '# two blocks and a host\n198.19.0.60/30\n198.19.0.126-129  # the unreachable host in the middle\n198.19.0.61\n');
      const excludes = join(dir, 'excludes.txt');
      writeFileSync(excludes, '198.19.0.127 # not this one\n');
      const fromFile = await cli(lab, ['-iL', list, '-p', '22,443', '--exclude', '198.19.0.62,198.19.0.200/29', '--exclude-file', excludes, '--json']);
      t.equal(fromFile.code, 0, fromFile.stderr);
      const report = JSON.parse(fromFile.stdout) as Json;
      t.same(
        report.targets.map((target) => [target.target, target.address]),
        [
          ['198.19.0.60/30', '198.19.0.60'],
          ['198.19.0.60/30', '198.19.0.61'],
          ['198.19.0.60/30', '198.19.0.63'],
          ['198.19.0.126-129', '198.19.0.126'],
          ['198.19.0.126-129', '198.19.0.128'],
          ['198.19.0.126-129', '198.19.0.129'],
          ['198.19.0.61', '198.19.0.61'],
        ],
        'in list order, excludes left out, the host given twice reported under both entries',
      );
      for (const target of report.targets) t.same(verdicts(target), expected(Number(target.address.split('.')[3])), `${target.address} (${target.target})`);
      t.same(report.targets[6]!.ports, report.targets[1]!.ports, 'the same address under two entries: the same probe');
      const fromStdin = await cli(lab, ['-iL', '-', '-p', '443', '--json'], '198.19.0.64-65\n198.19.0.192\n');
      t.equal(fromStdin.code, 0, fromStdin.stderr);
      const piped = JSON.parse(fromStdin.stdout) as Json;
      t.same(
        piped.targets.map((target) => [target.address, target.ports[0]!.state, target.ports[0]!.answeredBy]),
        [
          ['198.19.0.64', 'open', 'host'],
          ['198.19.0.65', 'open', 'host'],
          ['198.19.0.192', 'filtered', 'none'],
        ],
        'stdin read to its end, then probed',
      );
      const bad = await cli(lab, ['-iL', list, '--exclude', '198.19.0.1-300']);
      t.equal(bad.code, 2);
      t.equal(bad.stderr, 'ttl-probe: --exclude: invalid range "198.19.0.1-300": octet 4 ("1-300"): an octet is 0-255 (see ttl-probe --help)\n');
      const badLine = join(dir, 'bad.txt');
      writeFileSync(badLine, '198.19.0.1\n198.19.0.0/40\n');
      const badList = await cli(lab, ['-iL', badLine]);
      t.equal(badList.code, 2);
      t.equal(badList.stderr, `ttl-probe: ${badLine}: line 2: invalid block "198.19.0.0/40": an IPv4 prefix length is 0-32 (see ttl-probe --help)\n`);
    });
  });

  t.test('an audit file: a block as a host, and one host in two entries with their own ports and expectations', async (t) => {
    await withLab(topologies.fleet(), async (lab) => {
      await addServerBlock(lab, BLOCK);
      const audit = join(dir, 'audit.yaml');
      writeFileSync(
        audit,
        'targets:\n  - host: 198.19.0.62/31\n    expect: { "22": closed@middlebox, "443": open@host }\n  - host: 198.19.0.63\n    ports: "443"\n    expect: { "443": open@host }\n',
      );
      const run = await cli(lab, ['--targets', audit, '--json']);
      t.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { targets: (TargetReport & { expectations: { met: boolean }[] })[] };
      t.same(
        report.targets.map((target) => [target.target, target.address, target.ports.map((port) => port.port), target.expectations.map((e) => e.met)]),
        [
          ['198.19.0.62/31', '198.19.0.62', [22, 443], [true, true]],
          ['198.19.0.62/31', '198.19.0.63', [22, 443], [true, true]],
          ['198.19.0.63', '198.19.0.63', [443], [true]],
        ],
      );
    });
  });

  t.test('an IPv6 block, and a run over the cap refused before anything is sent', async (t) => {
    await withLab(topologies.article6(), async (lab) => {
      const block6 = '2001:2:0:99::/124';
      await addServerBlock(lab, block6);
      const run = await cli(lab, [block6, '-p', '22,443', '--json']);
      t.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as Json;
      t.same(validateReport(report), []);
      t.same(
        report.targets.map((target) => target.address),
        Array.from({ length: 16 }, (_, i) => (i === 0 ? '2001:2:0:99::' : `2001:2:0:99::${i.toString(16)}`)),
        'every address of the /124, :: of the block included',
      );
      t.ok(report.targets.every((target) => target.family === 6));
      for (const target of report.targets) t.same(verdicts(target), { 22: ['closed', 'middlebox', 2], 443: ['open', 'host', 4] }, target.address);
      t.same(
        report.summary.ports.map((port) => [port.port, port.groups.map((group) => [group.answeredBy, group.hosts, group.hop])]),
        [
          [22, [['middlebox', 16, 2]]],
          [443, [['host', 16, null]]],
        ],
      );
      const tooMany = await cli(lab, ['198.18.0.0/15', '-p', '1-10']);
      t.equal(tooMany.code, 2);
      t.equal(tooMany.stderr, 'ttl-probe: this run would probe 1310720 ports (more than 1000000): add --yes if that is intended (see ttl-probe --help)\n');
      const excluded = await cli(lab, ['198.18.0.0/15', '-p', '1-20', '--exclude', '198.19.0.0/17']);
      t.equal(excluded.code, 2);
      t.match(excluded.stderr, /would probe 1966080 ports \(more than 1000000\)/, 'counted after exclusions');
      const wide = await cli(lab, ['2001:2::/64']);
      t.equal(wide.code, 2);
      t.equal(wide.stderr, 'ttl-probe: IPv6 block "2001:2::/64" holds 2^64 addresses, more than the limit of 65536 (/112): give a smaller block or a list (see ttl-probe --help)\n');
    });
  });

  t.test('--trace --summary: the device named by its address', async (t) => {
    await withLab(topologies.fleet(), async (lab) => {
      await addServerBlock(lab, BLOCK);
      const run = await cli(lab, ['198.19.0.60-67', '-p', '22', '--trace', '--summary']);
      t.equal(run.code, 0, run.stderr);
      t.equal(
        run.stdout,
        'summary of 8 targets:\n  port 22: 4 hosts answered themselves (closed); 4 hosts answered by one device at hop 2 (198.18.2.2; rst, initial TTL 64) (closed)\n',
        'equal groups: the hosts first; the firewall at hop 2 by its address (traced)',
      );
    });
  });
}
