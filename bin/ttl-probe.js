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

if (process.env.TTL_PROBE_TIMING === '1') writeSync(2, `ttl-probe timing: ${(process.uptime() * 1000).toFixed(1)} ms launcher\n`);
const { main } = loadCli();
const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  // First Ctrl-C: stop sending and print what was learned; a second one leaves at once.
  if (interrupts === 1) controller.abort();
  else process.exit(130);
});

// The report goes out with plain synchronous writes to fd 1: creating process.stdout would load the
// stream, pipe or tty machinery (node:net among it), several ms of a short run. A write that would
// block (a non-blocking pipe that is full) hands the rest to process.stdout, which waits for 'drain'.
// A closed pipe (ttl-probe ... | head): no stack trace; the rest of the output is dropped and the run
// ends with its own exit code (an unmet --expect still exits 1 under set -o pipefail).
let stdoutClosed = false;
let stdoutStream = null;
function streamWrite(chunk) {
  if (stdoutStream === null) {
    stdoutStream = process.stdout;
    stdoutStream.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error;
      stdoutClosed = true;
    });
  }
  const stream = stdoutStream;
  return new Promise((resolve) => {
    if (stdoutClosed || stream.write(chunk)) return resolve();
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
  });
}
// Resolves once the text is written (or handed to the stream and drained), so large reports stream
// instead of piling up in memory.
function writeOut(text) {
  if (stdoutClosed) return Promise.resolve();
  if (stdoutStream !== null) return streamWrite(text);
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset);
  } catch (error) {
    if (error.code === 'EPIPE') stdoutClosed = true;
    else if (error.code === 'EAGAIN') return streamWrite(bytes.subarray(offset));
    else throw error;
  }
  return Promise.resolve();
}

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
  stdout: writeOut,
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
  terminal: stderrIsTerminal ? { stderr: process.stderr, stdoutIsTTY: isCharacterDevice(1) && process.stdout.isTTY === true } : undefined,
}).then((exitCode) => {
  if (process.env.TTL_PROBE_TIMING === '1') writeSync(2, `ttl-probe timing: ${(process.uptime() * 1000).toFixed(1)} ms done\n`);
  // Everything is written (stdout and stderr writes are synchronous on Linux) and the sockets are
  // closed. Leaving now rather than when the event loop empties skips waiting for V8's background
  // work (concurrent GC and compile tasks), ~10 ms after a 1000-port run.
  process.exit(exitCode);
});
