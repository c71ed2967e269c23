// The CLI as a user meets it: exit codes and one-line messages, run as a real
// process inside a loopback-only namespace so nothing can leave the machine.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createBareNamespace } from '../helpers/bare-namespace.js';
import { assertLabAvailable, CLI } from '../helpers/lab-probe.js';

if (assertLabAvailable(t)) {
  const ns = createBareNamespace();
  t.teardown(() => ns.remove());
  const cli = (args: string[], extra: { prefix?: string[] } = {}) =>
    ns.run(extra.prefix?.[0] ?? process.execPath, [...(extra.prefix?.slice(1) ?? []), ...(extra.prefix ? [process.execPath] : []), CLI, ...args], { timeoutMs: 30_000 });

  t.test('bad input: one line naming what is wrong, exit 2, no stack trace', async (t) => {
    const cases: [string[], string][] = [
      [[], 'ttl-probe: no target given: ttl-probe HOST [-p PORTS], -iL FILE, or --targets FILE (see ttl-probe --help)'],
      [['198.18.4.2', '-p', '0'], 'ttl-probe: port 0 out of range in "0": ports are 1-65535 (see ttl-probe --help)'],
      [['198.18.4.2', '-p', '70000'], 'ttl-probe: port 70000 out of range in "70000": ports are 1-65535 (see ttl-probe --help)'],
      [['198.18.4.2', '-p', '22-'], 'ttl-probe: invalid port "22-": expected a number 1-65535 or a range like 8000-8010 (see ttl-probe --help)'],
      [['198.18.4.2', '-p', '443-22'], 'ttl-probe: port range "443-22" is reversed: write 22-443 (see ttl-probe --help)'],
      [['198.18.4.2', '-p', 'ssh'], 'ttl-probe: invalid port "ssh": expected a number 1-65535 or a range like 8000-8010 (see ttl-probe --help)'],
      [['198.18.4.2', '--frobnicate'], 'ttl-probe: Unknown argument: frobnicate (see ttl-probe --help)'],
      [['--frobnicate'], 'ttl-probe: Unknown argument: frobnicate (see ttl-probe --help)'],
      [['-6', '198.18.4.2'], 'ttl-probe: 198.18.4.2 is an IPv4 address, but -6 asks for IPv6 (see ttl-probe --help)'],
      [['198.18.4.2', '-p', '22', '--ipv6'], 'ttl-probe: 198.18.4.2 is an IPv4 address, but -6 asks for IPv6 (see ttl-probe --help)'],
      [['198.18.4.2', '-x'], 'ttl-probe: Unknown argument: x (see ttl-probe --help)'],
      [['serve', '--allow', '198.18.0.0/15', '-6'], 'ttl-probe: Unknown argument: -6 (see ttl-probe --help)'],
      [['completion', 'fish'], 'ttl-probe: completion takes no arguments (got fish): the shell is read from $SHELL (see ttl-probe --help)'],
      [['198.18.4.2', '--timeout', '-5'], 'ttl-probe: --timeout must be between 1 and 60000, got -5 (see ttl-probe --help)'],
      [['198.18.4.2', '--timeout', 'soon'], 'ttl-probe: --timeout must be a number, got "soon" (see ttl-probe --help)'],
      [['198.18.4.2', '--trace=foo'], 'ttl-probe: --trace takes no value (got "foo") (see ttl-probe --help)'],
      [['198.18.4.2', '--tries', '0'], 'ttl-probe: --tries must be between 1 and 20, got 0 (see ttl-probe --help)'],
      [['255.255.255.255'], 'ttl-probe: 255.255.255.255 is the broadcast address and cannot be probed (see ttl-probe --help)'],
      [['239.1.2.3'], 'ttl-probe: 239.1.2.3 is a multicast address (224.0.0.0/4) and cannot be probed (see ttl-probe --help)'],
      [['0.0.0.0'], 'ttl-probe: 0.0.0.0 is an unspecified address (0.0.0.0/8) and cannot be probed (see ttl-probe --help)'],
      [['ff02::1'], 'ttl-probe: ff02::1 is a multicast address (ff00::/8) and cannot be probed (see ttl-probe --help)'],
      [['[::]'], 'ttl-probe: :: is the unspecified address (::) and cannot be probed (see ttl-probe --help)'],
      [['fe80::1'], 'ttl-probe: fe80::1 is a link-local address (fe80::/10) without a zone (fe80::1%eth0) and cannot be probed (see ttl-probe --help)'],
      [['::ffff:198.18.4.2'], 'ttl-probe: ::ffff:198.18.4.2 is an IPv4-mapped address: probe the IPv4 address itself (-4) (see ttl-probe --help)'],
      [['-4', '2001:db8::1'], 'ttl-probe: 2001:db8::1 is an IPv6 address, but -4 asks for IPv4 (see ttl-probe --help)'],
      [['-4', '-6', '2001:db8::1'], 'ttl-probe: -4 and -6 contradict each other (see ttl-probe --help)'],
      [['2001:db8::1', '--all-addresses=no'], 'ttl-probe: --all-addresses takes no value (got "no") (see ttl-probe --help)'],
      [['198.18.4.256'], 'ttl-probe: "198.18.4.256" is not an IPv4 address (see ttl-probe --help)'],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      t.equal(run.code, 2, `exit 2 for ${JSON.stringify(args)}`);
      t.equal(run.stderr, `${message}\n`, `message for ${JSON.stringify(args)}`);
      t.equal(run.stdout, '', 'nothing on stdout');
    }
  });

  t.test('an IPv6 target without a route: one line, exit 3', async (t) => {
    const run = await cli(['2001:db8::1', '-p', '22']);
    t.equal(run.code, 3);
    t.match(run.stderr, /^ttl-probe: no route to 2001:db8::1 \([A-Z]+\)\n$/);
  });

  t.test('an unresolvable name is named', async (t) => {
    const run = await cli(['db1.invalid', '-p', '22']);
    t.equal(run.code, 2);
    t.match(run.stderr, /^ttl-probe: cannot resolve host name "db1\.invalid" \([A-Z_]+\) \(see ttl-probe --help\)\n$/);
  });

  t.test('--debug shows the stack of an error', async (t) => {
    const run = await cli(['198.18.4.2', '-p', '0', '--debug']);
    t.equal(run.code, 2);
    t.match(run.stderr, /\n\s+at /);
  });

  t.test('--help and --version exit 0', async (t) => {
    const help = await cli(['--help']);
    t.equal(help.code, 0);
    t.match(help.stdout, /--ports/);
    t.match(help.stdout, /Exit codes/);
    t.match(help.stdout, /\nExamples:\n  ttl-probe db1\.example -p 22,80,443 /, 'examples, the article\'s case first');
    for (const example of ['--trace', '--targets audit.yaml', '--json', '--format markdown', 'ttl-probe serve --allow', 'ttl-probe analyze capture.pcap']) {
      t.ok(help.stdout.split('Examples:')[1]!.includes(example), `an example with ${example}`);
    }
    const version = await cli(['--version']);
    t.equal(version.code, 0);
    t.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  t.test('completion: a bash script by default, zsh from zsh; the words it asks for', async (t) => {
    const bash = await cli(['completion']);
    t.equal(bash.code, 0, bash.stderr);
    t.match(bash.stdout, /^###-begin-ttl-probe-completions-###\n/);
    t.match(bash.stdout, /complete -o bashdefault -o default -F _ttl-probe_yargs_completions ttl-probe/);
    const zsh = await ns.run('env', ['SHELL=/bin/zsh', process.execPath, CLI, 'completion'], { timeoutMs: 30_000 });
    t.equal(zsh.code, 0, zsh.stderr);
    t.match(zsh.stdout, /^#compdef ttl-probe\n/);
    const words = await cli(['--get-yargs-completions', 'ttl-probe', 'db1.example', '--format', 'n']);
    t.equal(words.code, 0, words.stderr);
    t.equal(words.stdout, 'ndjson\n');
  });

  t.test('completion in bash: the script installed, the words completed', async (t) => {
    // ttl-probe on PATH, as an installed package puts it; the script calls it by name.
    const bin = mkdtempSync(join(tmpdir(), 'ttl-probe-completion-'));
    t.teardown(() => rmSync(bin, { recursive: true, force: true }));
    writeFileSync(join(bin, 'ttl-probe'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(join(bin, 'ttl-probe'), 0o755);
    const complete = (words: string[]) =>
      ns.run('bash', [
        '-c',
        `export PATH=${JSON.stringify(bin)}:$PATH; source <(ttl-probe completion); COMP_WORDS=(${words.map((word) => JSON.stringify(word)).join(' ')}); COMP_CWORD=${words.length - 1}; _ttl-probe_yargs_completions; echo "\${COMPREPLY[*]}"`,
      ], { timeoutMs: 30_000 });
    const formats = await complete(['ttl-probe', 'db1.example', '--format', '']);
    t.equal(formats.stdout, 'table json ndjson junit prometheus markdown\n', formats.stderr);
    const serve = await complete(['ttl-probe', 'serve', '--m']);
    t.equal(serve.stdout, '--max-concurrent --max-hops\n', serve.stderr);
  });

  t.test('without CAP_NET_RAW: one line with the fix, exit 3', async (t) => {
    const run = await cli(['127.0.0.1', '-p', '22'], { prefix: ['setpriv', '--bounding-set=-net_raw', '--inh-caps=-net_raw', '--'] });
    t.equal(run.code, 3);
    t.match(run.stderr, /^ttl-probe: cannot open a raw socket \(.*\): raw sockets need root or CAP_NET_RAW: run it with sudo, or grant the capability once with `sudo setcap cap_net_raw\+ep/);
    t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
  });

  t.test('no route to the target: exit 3', async (t) => {
    const run = await cli(['198.18.200.1', '-p', '22']);
    t.equal(run.code, 3);
    t.match(run.stderr, /^ttl-probe: no route to 198\.18\.200\.1 \(ENETUNREACH\)\n$/);
    // The same through node:dgram, which the route look-up falls back to (and uses under
    // --pending-deprecation, where its fast path would print a deprecation warning).
    const viaDgram = await cli(['198.18.200.1', '-p', '22'], { prefix: ['env', 'NODE_OPTIONS=--pending-deprecation'] });
    t.equal(viaDgram.code, 3);
    t.equal(viaDgram.stderr, 'ttl-probe: no route to 198.18.200.1 (ENETUNREACH)\n', 'the same line, no deprecation warning');
    const viaEnv = await cli(['198.18.200.1', '-p', '22'], { prefix: ['env', 'NODE_PENDING_DEPRECATION=1'] });
    t.equal(viaEnv.code, 3);
    t.equal(viaEnv.stderr, 'ttl-probe: no route to 198.18.200.1 (ENETUNREACH)\n', 'NODE_PENDING_DEPRECATION=1: no warning either');
  });

  t.test('--format markdown: a job summary on stdout', async (t) => {
    const run = await cli(['localhost', '-p', '1', '--format', 'markdown', '--expect', '1=closed@host']);
    t.equal(run.code, 0, run.stderr);
    t.match(run.stdout, /^## ttl-probe localhost \(127\.0\.0\.1\)\n/);
    t.match(run.stdout, /\n\| 1 \| closed \| rst \| 127\.0\.0\.1 \| 64 \(initial 64\) \| 1 \| host \|  \|\n/);
    t.match(run.stdout, /\n- met: 1: /);
  });

  t.test('a host name is resolved and the probed address reported', async (t) => {
    const run = await cli(['localhost', '-p', '1', '--json']);
    t.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    t.match(report.targets[0], { target: 'localhost', address: /^127\./ });
    t.match(report.targets[0].ports[0], { port: 1, state: 'closed', answeredBy: 'host', hop: 1 });
  });
}

if (assertLabAvailable(t)) {
  t.test('a run of millions of probes needs --yes', async (t) => {
    const ns = createBareNamespace();
    t.teardown(() => ns.remove());
    const targets = Array.from({ length: 16 }, (_, i) => `198.18.200.${i + 1}`);
    const run = await ns.run(process.execPath, [CLI, ...targets, '-p', '1-65535'], { timeoutMs: 30_000 });
    t.equal(run.code, 2);
    t.equal(run.stderr, 'ttl-probe: this run would probe 1048560 ports (more than 1000000): add --yes if that is intended (see ttl-probe --help)\n');
  });
}
