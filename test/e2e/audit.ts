// Pre-go-live checks and audits end to end: expectations, audit files, every format checked by its consumer, baselines.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, CLI, withLab } from '../helpers/lab-probe.js';
import { validateNdjson, validateReport } from '../report/validate.js';
import type { Lab } from '../../scripts/lab/lab.js';

const cli = (lab: Lab, args: string[]) => lab.execInClient(process.execPath, [CLI, ...args], { timeoutMs: 60_000 });

if (assertLabAvailable(t)) {
  const dir = mkdtempSync(join(tmpdir(), 'ttl-probe-audit-'));
  // ttl-probe reads these files after dropping root (to nobody, when run as root without sudo).
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  t.test('expectations: all met exits 0, one unmet exits 1 and says what was seen', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const met = await cli(lab, ['198.18.4.2', '--expect', '22=closed@middlebox,443=open@host', '--expect', '80=closed@host']);
      t.equal(met.code, 0, met.stderr);
      t.match(met.stdout, /ok\s+22: closed@middlebox \(hop 2\) as expected/);
      const before = await cli(lab, ['--expect', '22=closed@middlebox', '198.18.4.2', '--expect', '443=open@host']);
      t.equal(before.code, 0, `--expect before the host does not swallow it: ${before.stderr}`);
      const piped = await lab.execInClient('bash', ['-c', `set -o pipefail; ${process.execPath} ${CLI} 198.18.4.2 -p 1-3000 --expect 22=closed@host | head -1`]);
      t.equal(piped.code, 1, 'a closed pipe keeps the exit code of the unmet expectation');
      t.equal(piped.stderr, '', 'and no stack trace');
      const unmet = await cli(lab, ['198.18.4.2', '--expect', '22=closed@host,443=open@host']);
      t.equal(unmet.code, 1);
      t.match(unmet.stdout, /FAIL\s+22: expected closed@host, saw closed@middlebox \(hop 2\)/);
    });
  });

  t.test('an audit file (YAML and JSON) with several targets, and a malformed one refused before any probe', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const yaml = join(dir, 'audit.yaml');
      writeFileSync(yaml, 'targets:\n  - host: 198.18.4.2\n    ports: "22,443"\n    expect:\n      "22": closed@middlebox\n      "443": open@host\n  - host: 198.18.2.2\n    ports: [22]\n    expect: { "22": closed@host }\n');
      const run = await cli(lab, ['--targets', yaml, '--json']);
      t.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      t.same(validateReport(report), [], 'valid against the published JSON Schema');
      t.same(report.targets.map((target: { address: string; ports: { port: number }[] }) => [target.address, target.ports.map((p) => p.port)]), [['198.18.4.2', [22, 443]], ['198.18.2.2', [22]]]);
      t.ok(report.targets.every((target: { expectations: { met: boolean }[] }) => target.expectations.every((e) => e.met)), 'every expectation met');

      const json = join(dir, 'audit.json');
      writeFileSync(json, JSON.stringify({ targets: [{ host: '198.18.4.2', ports: '22', expect: { '22': 'open@host' } }] }));
      const failing = await cli(lab, ['--targets', json]);
      t.equal(failing.code, 1, 'an unmet expectation from the file exits 1');

      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{"targets":[{"host":"198.18.4.2","ports":"22,70000"}]}');
      const bad = await cli(lab, ['--targets', broken]);
      t.equal(bad.code, 2);
      t.match(bad.stderr, /^ttl-probe: .*broken\.json: targets\[0\]\.ports: port 70000 out of range/);
      t.equal(bad.stdout, '', 'no half-run: nothing probed, nothing reported');
    });
  });

  t.test('every format checked by the tool that consumes it', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const args = ['198.18.4.2', '-p', '22,80,443', '--expect', '22=closed@middlebox,80=open@host'];
      const json = await cli(lab, [...args, '--format', 'json']);
      t.equal(json.code, 1, 'the unmet expectation exits 1 in every format');
      t.same(validateReport(JSON.parse(json.stdout)), [], 'json: valid against the schema');

      const ndjson = await cli(lab, [...args, '--format', 'ndjson']);
      t.same(validateNdjson(ndjson.stdout), [], 'ndjson: every line valid');
      const lines = ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line));
      t.same(lines.map((line) => [line.port, line.state, line.answeredBy, line.hop]), [[22, 'closed', 'middlebox', 2], [80, 'closed', 'host', 4], [443, 'open', 'host', 4]]);

      const junit = await cli(lab, [...args, '--format', 'junit']);
      const junitFile = join(dir, 'junit.xml');
      writeFileSync(junitFile, junit.stdout);
      t.doesNotThrow(() => execFileSync('xmllint', ['--noout', junitFile], { stdio: 'pipe' }), 'junit: well-formed XML (xmllint)');
      t.match(junit.stdout, /<testcase [^>]*name="198\.18\.4\.2:80"[^>]*>\s*<failure/);

      const prometheus = await cli(lab, [...args, '--format', 'prometheus']);
      const check = execFileSync('sh', ['-c', 'promtool check metrics < "$0"; echo "exit=$?"', writeTo(join(dir, 'metrics.prom'), prometheus.stdout)]).toString();
      t.match(check, /exit=0/, `prometheus: promtool check metrics passes (${check.trim()})`);
      t.match(prometheus.stdout, /ttl_probe_port_answered_by\{[^}]*port="22"[^}]*answered_by="middlebox"[^}]*\} 1/);
    });
  });

  t.test('a baseline: what changed per port, and --fail-on-change', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const first = await cli(lab, ['198.18.4.2', '-p', '22,443', '--json']);
      const baseline = join(dir, 'baseline.json');
      writeFileSync(baseline, first.stdout);
      const same = await cli(lab, ['198.18.4.2', '-p', '22,443', '--baseline', baseline, '--fail-on-change']);
      t.equal(same.code, 0, same.stderr);
      // The firewall starts dropping 443.
      await lab.exec(lab.routers[1]!.ns, 'iptables', ['-I', 'FORWARD', '-p', 'tcp', '--dport', '443', '-j', 'DROP']);
      const changed = await cli(lab, ['198.18.4.2', '-p', '22,443', '--baseline', baseline, '--fail-on-change']);
      t.equal(changed.code, 1);
      t.match(changed.stdout, /443/);
      t.match(changed.stdout, /open.*filtered/s, 'says 443 went from open to filtered');
    });
  });
}

function writeTo(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}
