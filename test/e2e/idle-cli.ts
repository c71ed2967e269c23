// `ttl-probe idle` as a user meets it (root: a namespace of its own): bad input is one line and exit 2, run as a real process in a
// loopback-only namespace so nothing can leave the machine.
import t from 'tap';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBareNamespace } from '../helpers/bare-namespace.js';
import { assertLabAvailable, CLI } from '../helpers/lab-probe.js';

if (assertLabAvailable(t)) {
  const ns = createBareNamespace();
  t.teardown(() => ns.remove());
  const cli = (args: string[]) => ns.run(process.execPath, [CLI, ...args], { timeoutMs: 30_000 });
  // Audit files readable by the user the prober becomes once its sockets are open.
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-idle-cli-'));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const auditFile = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text, { mode: 0o644 });
    return join(dir, name);
  };
  const badIdle = auditFile('bad-idle.yaml', 'targets:\n  - host: 198.18.4.2\n    ports: 22\n    expectIdle: { "443": 5m }\n');
  const shortIdle = auditFile('short-idle.json', '{"targets":[{"host":"198.18.4.2","expectIdle":{"443":"2m"}}]}');
  const longIdle = auditFile('long-idle.json', '{"targets":[{"host":"198.18.4.2","expectIdle":{"443":"10m"}}]}');

  t.test('bad input: one line naming what is wrong, exit 2, no stack trace', async (t) => {
    const cases: [string[], string][] = [
      [['idle'], 'ttl-probe: idle: no target given: ttl-probe idle HOST -p PORTS, or --targets FILE (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--max-idle', 'soon'], 'ttl-probe: --max-idle must be a duration such as 90, 90s, 5m or 1h (got "soon") (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--max-idle', '0'], 'ttl-probe: --max-idle must be more than 0 s (got "0") (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--max-idle', '2d'], 'ttl-probe: --max-idle must be a duration such as 90, 90s, 5m or 1h (got "2d") (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--max-idle', '1m', '--resolution', '2m'], 'ttl-probe: --resolution (120 s) must be shorter than --max-idle (60 s) (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--resolution', '90%'], 'ttl-probe: --resolution as a percentage must be between 1% and 50% (got "90%") (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--max-connections', '1'], 'ttl-probe: --max-connections must be between 2 and 1000, got 1 (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--format', 'ndjson'], 'ttl-probe: --format must be table, json, junit or prometheus for idle, got "ndjson" (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--json', '--format', 'table'], 'ttl-probe: --json contradicts --format table (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '-p', '0'], 'ttl-probe: port 0 out of range in "0": ports are 1-65535 (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--trace'], 'ttl-probe: Unknown argument: trace (see ttl-probe --help)'],
      [['idle', 'fe80::1'], 'ttl-probe: fe80::1 is a link-local address (fe80::/10) without a zone (fe80::1%eth0) and cannot be probed (see ttl-probe --help)'],
      [['idle', '--targets', badIdle], `ttl-probe: ${badIdle}: targets[0].expectIdle.443: port 443 is not among the ports probed (22): add it to ports (see ttl-probe --help)`],
      [['idle', '--targets', longIdle, '--max-idle', '1m'], `ttl-probe: ${longIdle}: targets[0].expectIdle.443: asks for 600 s, longer than --max-idle (60 s) (see ttl-probe --help)`],
      [['idle', '--targets', shortIdle, '--resolution', '5m'], 'ttl-probe: --resolution (300 s) must be shorter than --max-idle (120 s) (see ttl-probe --help)'],
      [['idle', '198.18.4.2', '--json', '--format', 'junit'], 'ttl-probe: --json contradicts --format junit (see ttl-probe --help)'],
      [['idle', '--targets', '/nonexistent/audit.yaml'], 'ttl-probe: /nonexistent/audit.yaml: cannot read the targets file (ENOENT) (see ttl-probe --help)'],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      t.equal(run.code, 2, `${args.join(' ')}: exit 2`);
      t.equal(run.stderr, `${message}\n`, `${args.join(' ')}: the message`);
      t.equal(run.stdout, '', `${args.join(' ')}: nothing on stdout`);
    }
  });

  t.test('no route to the target: exit 3, one line', async (t) => {
    const run = await cli(['idle', '198.18.4.2', '-p', '443', '--max-idle', '5s']);
    t.equal(run.code, 3, run.stderr);
    t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });

  t.test('--help of idle: its flags, from the options table', async (t) => {
    const run = await cli(['idle', '--help']);
    t.equal(run.code, 0);
    for (const flag of ['--max-idle', '--resolution', '--max-connections', '--json']) t.match(run.stdout, flag);
    t.notMatch(run.stdout, '--trace', 'not the probe command\'s flags');
  });
}
