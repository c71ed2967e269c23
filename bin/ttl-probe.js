#!/usr/bin/env node
// The launcher: loads the bundled CLI (dist/ttl-probe.cjs) with V8's code cache made at build time,
// wires the process (argv, stdio, signals) to it and sets the exit code. CommonJS (bin/package.json):
// the ESM loader alone costs a short run more time than the probe itself.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');

function loadCli() {
  const dist = join(__dirname, '..', 'dist');
  const file = join(dist, 'ttl-probe.cjs');
  let cachedData;
  try {
    cachedData = readFileSync(join(dist, 'ttl-probe.cache'));
  } catch {
    cachedData = undefined; // no cache: compile as usual
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(file), module, file, dist);
  return module.exports;
}

const { main } = loadCli();
const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  // First Ctrl-C: stop sending and print what was learned; a second one leaves at once.
  if (interrupts === 1) controller.abort();
  else process.exit(130);
});

// A closed pipe (ttl-probe ... | head) ends the run quietly instead of with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
// stdout resolves once the pipe has taken the text, so large reports stream instead of piling up.
const writeOut = (text) => new Promise((resolve) => (process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve)));

main(process.argv.slice(2), {
  stdout: writeOut,
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
  terminal: process.stderr.isTTY ? { stderr: process.stderr, stdoutIsTTY: process.stdout.isTTY === true } : undefined,
}).then((exitCode) => {
  process.exitCode = exitCode;
});
