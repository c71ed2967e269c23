#!/usr/bin/env node
// The launcher: loads the bundled CLI (dist/ttl-probe.cjs) with V8's code cache made at build time,
// wires the process (argv, stdio, signals) to it and sets the exit code. CommonJS (bin/package.json):
// the ESM loader alone costs a short run more time than the probe itself.
'use strict';
const { fstatSync, readFileSync, writeSync } = require('node:fs');
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

// TTL_PROBE_TIMING=1: phase marks on stderr (see src/timing.ts).
const timing = (label) => {
  if (process.env.TTL_PROBE_TIMING !== '1') return;
  try {
    writeSync(2, `ttl-probe timing: ${(process.uptime() * 1000).toFixed(1)} ms ${label}\n`);
  } catch {
    // A full non-blocking stderr: a lost timing line is not worth failing the run.
  }
};

timing('launcher');
const { main, createStdoutWriter, openProcessStdout, whenDrained } = loadCli();
const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  // First Ctrl-C: stop sending and print what was learned; a second one leaves at once.
  if (interrupts === 1) controller.abort();
  else process.exit(130);
});

// Reports go out through the bundle's stdout writer (src/cli/stdout.ts): synchronous writes to fd 1
// that never stall the process (a full pipe is retried on a timer), no stdout stream to load.
const stdout = createStdoutWriter(openProcessStdout());
// stderr: process.stderr, created on first use (most runs print nothing there).
let stderrUsed = false;
const writeErr = (text) => {
  stderrUsed = true;
  process.stderr.write(text);
};

// Only a character device can be a terminal: checking that first spares pipes and files the tty
// module. (/dev/null is a character device too; process.stderr.isTTY then decides.)
const isCharacterDevice = (fd) => {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
};
const stderrIsTerminal = isCharacterDevice(2) && process.stderr.isTTY === true;

main(process.argv.slice(2), {
  stdout: (text) => stdout.write(text),
  stderr: writeErr,
  signal: controller.signal,
  terminal: stderrIsTerminal ? { stderr: process.stderr, stdoutIsTTY: isCharacterDevice(1) && process.stdout.isTTY === true } : undefined,
}).then(async (exitCode) => {
  timing('done');
  // Leave as soon as everything written has left the process, rather than when the event loop
  // empties: that skips waiting for V8's background work (concurrent GC and compile tasks), ~10 ms
  // after a 1000-port run. The sockets are closed by now.
  await stdout.drained();
  if (stderrUsed) await whenDrained(process.stderr);
  process.exit(exitCode);
});
