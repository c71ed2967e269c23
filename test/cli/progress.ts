import t from 'tap';
import { wantsProgress, PROGRESS_MIN_PORTS } from '../../src/cli/progress.js';

t.test('a progress bar only on a terminal, for long runs, never when --json goes to a pipe', async (t) => {
  const long = PROGRESS_MIN_PORTS;
  t.equal(wantsProgress({ stderrIsTTY: true, stdoutIsTTY: true, json: false, probes: long }), true);
  t.equal(wantsProgress({ stderrIsTTY: true, stdoutIsTTY: false, json: false, probes: long }), true, 'table to a file, bar on the terminal');
  t.equal(wantsProgress({ stderrIsTTY: true, stdoutIsTTY: false, json: true, probes: long }), false, '--json to a pipe');
  t.equal(wantsProgress({ stderrIsTTY: true, stdoutIsTTY: true, json: true, probes: long }), true, '--json on the terminal');
  t.equal(wantsProgress({ stderrIsTTY: false, stdoutIsTTY: true, json: false, probes: long }), false, 'stderr is not a terminal');
  t.equal(wantsProgress({ stderrIsTTY: true, stdoutIsTTY: true, json: false, probes: long - 1 }), false, 'short run');
});
