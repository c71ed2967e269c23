import t from 'tap';
import { completionsFor } from '../../src/cli/completion.js';

t.test('the words the shell is offered', async (t) => {
  t.same(completionsFor(['ttl-probe', 's']), ['serve']);
  t.same(completionsFor(['ttl-probe', '']), ['serve', 'analyze', 'completion', 'idle']);
  t.same(completionsFor(['ttl-probe', '--f']), ['--format', '--fail-on-change']);
  t.same(completionsFor(['ttl-probe', 'db1.example', '--format', '']), ['table', 'json', 'ndjson', 'junit', 'prometheus', 'markdown']);
  t.same(completionsFor(['ttl-probe', 'db1.example', '--format', 'm']), ['markdown']);
  t.same(completionsFor(['ttl-probe', 'db1.example', '-p', '']), [], 'a value without choices: nothing');
  t.same(completionsFor(['ttl-probe', 'serve', '--l']), ['--listen']);
  t.same(completionsFor(['ttl-probe', 'serve', '--p']), ['--probe-timeout'], "serve's flags, not the probe's");
  t.same(completionsFor(['ttl-probe', 'analyze', 'x.pcap', '--format', '']), ['table', 'json']);
  t.same(completionsFor(['ttl-probe', '--de']), ['--debug']);
  t.same(completionsFor(['ttl-probe', 'db1.example', '']), [], 'no command after a target');
  t.same(completionsFor(['/usr/local/bin/ttl-probe', 'serve', '--l']), ['--listen'], 'the program by its path');
  t.same(completionsFor(['serve', '--l']), ['--listen'], "fish's script leaves the program name out");
  t.same(completionsFor(['--f']), ['--format', '--fail-on-change']);
});
