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

if (process.env.TTL_PROBE_TIMING === '1') process.stderr.write(`ttl-probe timing: ${performance.now().toFixed(1)} ms launcher\n`);
const { main } = loadCli();
const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  // First Ctrl-C: stop sending and print what was learned; a second one leaves at once.
  if (interrupts === 1) controller.abort();
  else process.exit(130);
});

// A closed pipe (ttl-probe ... | head): no stack trace; the rest of the output is dropped and the run
// ends with its own exit code (an unmet --expect still exits 1 under set -o pipefail).
let stdoutClosed = false;
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});
// stdout resolves once the pipe has taken the text, so large reports stream instead of piling up.
const writeOut = (text) =>
  new Promise((resolve) => {
    if (stdoutClosed) return resolve();
    if (process.stdout.write(text)) return resolve();
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('error', done);
  });

main(process.argv.slice(2), {
  stdout: writeOut,
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
  terminal: process.stderr.isTTY ? { stderr: process.stderr, stdoutIsTTY: process.stdout.isTTY === true } : undefined,
}).then((exitCode) => {
  process.exitCode = exitCode;
});
