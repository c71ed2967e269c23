#!/usr/bin/env node
// The launcher: loads the bundled CLI (dist/ttl-probe.cjs) with V8's code cache made at build time,
// wires the process (argv, stdio, signals) to it and sets the exit code. CommonJS (bin/package.json):
// the ESM loader alone costs a short run more time than the probe itself.
'use strict';
const { fstatSync, readFileSync, renameSync, writeFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');

/**
 * V8's code cache for this V8 version: made by the build for the Node.js that built the package
 * (scripts/bundle.mjs), and by the first run of any other Node.js where dist/ is writable (a
 * package built on Node 20 and run on 24 would otherwise compile the whole bundle at every start).
 */
const dist = join(__dirname, '..', 'dist');
const cacheFile = join(dist, `ttl-probe-v8-${process.versions.v8}.cache`);
let compiled;

function loadCli() {
  const file = join(dist, 'ttl-probe.cjs');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // no cache: compile as usual
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, {
    filename: file,
    cachedData,
  });
  compiled = { script, needsCache: cachedData === undefined || script.cachedDataRejected === true };
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(file), module, file, dist);
  return module.exports;
}

/** Records the code cache this V8 lacked, with what this run compiled; where dist/ is read-only, nothing. */
function recordCodeCache() {
  if (!compiled?.needsCache) return;
  try {
    writeFileSync(`${cacheFile}.${process.pid}`, compiled.script.createCachedData());
    renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  } catch {
    // Not ours to write (an installed package run by a user): start-up only stays slower.
  }
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
/** The bundle, or exit 3 with one line when raw-socket's addon was built for another Node.js. */
function loadCliOrExplain() {
  try {
    return loadCli();
  } catch (error) {
    if (error?.code !== 'ERR_DLOPEN_FAILED') throw error;
    const reason = String(error.message).replace(/\s+/g, ' ').replace(/ Please try.*$/, '');
    writeSync(2, `ttl-probe: the raw-socket addon cannot be loaded by Node.js ${process.version} (${reason}); rebuild it for this Node.js: npm rebuild raw-socket (in ttl-probe's folder, or reinstall the package)\n`);
    process.exit(3);
  }
}

const { main, createStdoutWriter, openProcessStdout, whenDrained, dropPrivileges } = loadCliOrExplain();
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
  // Root (sudo) may write an installed package's dist/, the user it drops to may not: a V8 that
  // lacks its cache records one just before the drop (what this run compiled so far), and the end of
  // the run records a fuller one where it may still write.
  dropPrivileges: (user) => {
    recordCodeCache();
    return dropPrivileges(user);
  },
  terminal: stderrIsTerminal ? { stderr: process.stderr, stdoutIsTTY: isCharacterDevice(1) && process.stdout.isTTY === true } : undefined,
}).then(async (exitCode) => {
  timing('done');
  // Leave as soon as everything written has left the process, rather than when the event loop
  // empties: that skips waiting for V8's background work (concurrent GC and compile tasks), ~10 ms
  // after a 1000-port run. The sockets are closed by now.
  await stdout.drained();
  if (stderrUsed) await whenDrained(process.stderr);
  recordCodeCache();
  process.exit(exitCode);
});
