// The progress bar as a user sees it: on a terminal (a pseudo-terminal from script(1)), not in pipes.
import t from 'tap';
import * as topologies from '../../scripts/lab/topologies.js';
import { assertLabAvailable, CLI, withLab } from '../helpers/lab-probe.js';

if (assertLabAvailable(t)) {
  t.test('drawn on a terminal for a long run, absent in a pipe', async (t) => {
    await withLab(topologies.article(), async (lab) => {
      const command = `${process.execPath} ${CLI} 198.18.4.2 -p 1-20000 --rate 20000 > /dev/null`;
      const onTerminal = await lab.execInClient('script', ['-qec', command, '/dev/null'], { timeoutMs: 60_000 });
      t.equal(onTerminal.code, 0, onTerminal.stderr);
      t.match(onTerminal.stdout, /probing \[[=-]+\] \d+% \| \d+\/20000 ports/, 'the bar is drawn on the terminal');
      const inPipe = await lab.execInClient(process.execPath, [CLI, '198.18.4.2', '-p', '1-20000', '--rate', '20000', '--json'], { timeoutMs: 60_000 });
      t.equal(inPipe.code, 0);
      t.notMatch(inPipe.stderr, /probing/, 'no bar when stderr is a pipe');
      t.equal(JSON.parse(inPipe.stdout).targets[0].ports.length, 20000, 'the report is intact');
    });
  });
}
