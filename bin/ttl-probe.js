#!/usr/bin/env node
// The launcher: wires the process (argv, stdio, signals) to the CLI and sets the exit code.
import { main } from '../dist/src/cli/main.js';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  // First Ctrl-C: stop sending and print what was learned; a second one leaves at once.
  if (interrupts === 1) controller.abort();
  else process.exit(130);
});

const exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
});
process.exitCode = exitCode;
