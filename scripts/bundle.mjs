// Build step after tsc: bundle the CLI into one CommonJS file and record V8's code cache for it.
// Start-up is most of a short run (three ports take a few milliseconds; loading ~100 modules and
// compiling them took longer), so bin/ttl-probe.js loads this one file with the cached code.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const root = new URL('..', import.meta.url);
const bundle = fileURLToPath(new URL('dist/ttl-probe.cjs', root));
// One cache per V8 version (V8 rejects another's): bin/ttl-probe.js reads the one of the Node.js running it.
const cache = fileURLToPath(new URL(`dist/ttl-probe-v8-${process.versions.v8}.cache`, root));

/**
 * Start-up work yargs does for features a probe run never uses, made lazy: string-width builds
 * an emoji regular expression and an Intl.Segmenter when imported (for help text widths), and
 * node:assert loads its colour support. Each import is replaced by a small stand-in that loads
 * the real module on first call; behaviour is unchanged.
 */
/** Dependency files the plugins below patch; the build fails if one was never seen (moved or renamed). */
const patched = { yargsShim: false, yargsFactory: false, rawSocket: false };

const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.namespace === 'lazy') return undefined;
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, namespace: 'lazy' });
      return { path: real.path, namespace: 'lazy' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `let real; module.exports = function stringWidth(text, options) { real ??= require(${JSON.stringify(args.path)}); return real.default(text, options); };`,
      resolveDir: fileURLToPath(new URL('.', root)),
      loader: 'js',
    }));
    // Packages only some commands use (YAML audit files, the progress bar): each export becomes a
    // getter that loads the package on first use. The names come from the package itself. The
    // packages stay out of the bundle (required from node_modules, they are dependencies): every
    // run reads the bundle, and yaml alone was a third of it.
    build.onResolve({ filter: /^(yaml|cli-progress)$/ }, async (args) => {
      if (args.namespace === 'lazy-package') return { path: args.path, external: true };
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, namespace: 'lazy-package' });
      return { path: real.path, namespace: 'lazy-package', pluginData: { name: args.path } };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, async (args) => {
      const names = Object.keys(await import(args.path)).filter((name) => name !== 'default' && name !== '__esModule');
      const getters = names.map((name) => `Object.defineProperty(module.exports, ${JSON.stringify(name)}, { enumerable: true, get: () => load()[${JSON.stringify(name)}] });`);
      return {
        contents: `let real; const load = () => (real ??= require(${JSON.stringify(args.pluginData.name)}));\n${getters.join('\n')}`,
        resolveDir: fileURLToPath(new URL('.', root)),
        loader: 'js',
      };
    });
    // yargs' platform shim reads process.stdout.columns when it is loaded, which creates the stdout
    // stream (and loads node:net or node:tty with it) in every run; the launcher writes the report
    // with plain file writes and needs none of that. Read it when yargs asks for it instead.
    build.onLoad({ filter: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => {
      const eager = "stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null";
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(eager)) throw new Error(`bundle: yargs' platform shim changed (${args.path}); revisit the stdColumns patch`);
      patched.yargsShim = true;
      return { contents: source.replace(eager, "get stdColumns() { return typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null }"), loader: 'js', resolveDir: dirname(args.path) };
    });
    // The yargs factory calls .version() with no argument on every instance, which looks for a
    // package.json to read the version from (a stat, a directory listing, a read, a JSON.parse);
    // src/cli/main.ts always sets .version(VERSION) itself, so that look-up is skipped.
    build.onLoad({ filter: /yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const patchedSource = source.replace(/yargs\.help\(\);\s*yargs\.version\(\);/, 'yargs.help();');
      if (patchedSource === source) throw new Error(`bundle: yargs' factory changed (${args.path}); revisit the version() patch`);
      patched.yargsFactory = true;
      return { contents: patchedSource, loader: 'js', resolveDir: dirname(args.path) };
    });
    // raw-socket's index.js requires node:net (and with it the whole stream stack, ~6 ms of every
    // start) only to call net.isIP() in its queued send path. It is bundled with that require
    // replaced by a stand-in that loads node:net on first use; its compiled addon is still
    // required from node_modules at run time.
    build.onResolve({ filter: /^raw-socket$/ }, async (args) => {
      if (args.namespace === 'raw-socket') return undefined;
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, namespace: 'raw-socket' });
      return { path: real.path, namespace: 'raw-socket' };
    });
    build.onLoad({ filter: /.*/, namespace: 'raw-socket' }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const netRequire = /require\s*\(\s*"net"\s*\)/g;
      const addonRequire = /require\s*\(\s*"\.\/build\/Release\/raw\.node"\s*\)/g;
      if ((source.match(netRequire) ?? []).length !== 1 || (source.match(addonRequire) ?? []).length !== 1) {
        throw new Error(`bundle: raw-socket's index.js changed (${args.path}); revisit the lazy node:net patch`);
      }
      patched.rawSocket = true;
      const lazyNet = "new Proxy({}, { get: (_, name) => require('node:net')[name] })";
      return {
        contents: source.replace(netRequire, lazyNet).replace(addonRequire, 'require("raw-socket/build/Release/raw.node")'),
        loader: 'js',
      };
    });
    build.onResolve({ filter: /^raw-socket\/build\/Release\/raw\.node$/ }, (args) => ({ path: args.path, external: true }));
    build.onResolve({ filter: /^assert$/ }, () => ({ path: 'assert', namespace: 'lazy-assert' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      // yargs asserts on every run; the comparison (Object.is, as node:assert's strict checks) is
      // made here, and node:assert loads only to throw its own AssertionError when one fails.
      contents:
        "let real; const load = () => (real ??= require('node:assert')); module.exports = { notStrictEqual: (a, b, m) => { if (Object.is(a, b)) load().notStrictEqual(a, b, m); }, strictEqual: (a, b, m) => { if (!Object.is(a, b)) load().strictEqual(a, b, m); } };",
      loader: 'js',
    }));
  },
};

// Where yargs' platform shim sits relative to yargs' package root (it is bundled, but its location is used).
const yargsDir = dirname(fileURLToPath(import.meta.resolve('yargs/package.json')));
const yargsShim = `yargs/${relative(yargsDir, fileURLToPath(new URL('lib/platform-shims/esm.mjs', import.meta.resolve('yargs')))).split('\\').join('/')}`;
await build({
  plugins: [lazyModules],
  entryPoints: [fileURLToPath(new URL('dist/src/cli/main.js', root))],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: process.env.TTL_PROBE_NO_MINIFY !== "1",
  legalComments: 'none',
  logLevel: 'warning',
  // yargs' ESM build asks import.meta.url for its own location: its locales sit beside it (read for
  // the first message). So it gets the location of its platform shim in the yargs found at run time:
  // the package's own node_modules (a global install, a checkout), else the node_modules the package
  // sits in (installed as a dependency, yargs hoisted). Not a path fixed at build time: the build
  // machine's layout (a symlinked node_modules, say) is not the user's.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: {
    js: `var __bundleUrl=(()=>{const p=require('path'),s=${JSON.stringify(yargsShim)},c=[p.join(__dirname,'..','node_modules',s),p.join(__dirname,'..','..',s)];return require('url').pathToFileURL(c.find((f)=>require('fs').existsSync(f))??c[0]).href})();`,
  },
});
const unpatched = Object.entries(patched).filter(([, seen]) => !seen).map(([name]) => name);
if (unpatched.length > 0) throw new Error(`bundle: patched dependency files not found (${unpatched.join(', ')}); revisit scripts/bundle.mjs`);

// Compile and exercise the parts every run uses (argument parsing, errors, report formatting), then
// save the compiled code. Another Node.js (another V8) finds no cache of its own: bin/ then compiles
// anew and records one for its V8 where it may write.
const source = readFileSync(bundle, 'utf8');
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, fileURLToPath(new URL('dist/', root)));
// The calls below fail validation before any packet could be sent; openTransport refuses regardless.
const quiet = { stdout() {}, stderr() {}, openTransport() { throw new Error('no probing at build time'); } };
await module.exports.main(['--help'], quiet);
await module.exports.main(['198.18.4.2', '-p', '22,80,443-442', '--json'], quiet);
await module.exports.main(['198.18.4.2', '-p', '22', '--timeout', 'x'], quiet);
// A whole run over an in-process fake network (nothing leaves this process), so the engine, the
// verdicts and the formatters are compiled into the cache too: otherwise every short run compiles them.
const fake = { stdout() {}, stderr() {}, openTransport: fakeNetwork, dropPrivileges() {} };
for (const args of [['198.18.4.2', '-p', '1-300', '--json'], ['198.18.4.2', '-p', '1-300']]) {
  const code = await module.exports.main(args, fake);
  // Not fatal (the cache only makes start-up faster), but worth knowing.
  if (code !== 0) console.warn(`bundle: warming the code cache with ${args.join(' ')} exited ${code}`);
}
for (const stale of readdirSync(fileURLToPath(new URL('dist/', root)))) {
  if (/^ttl-probe.*\.cache$/.test(stale)) rmSync(fileURLToPath(new URL(`dist/${stale}`, root)));
}
writeFileSync(cache, script.createCachedData());

/**
 * An in-process stand-in for the raw sockets, used only to warm the code cache: it answers every SYN
 * from 198.18.4.2 with a RST (a SYN-ACK for 443) acknowledging it, and every echo with a reply.
 * Packets are built by hand here so the bundle's own decoders are the ones exercised.
 */
function fakeNetwork() {
  let listener = () => {};
  const checksum = (buf, start, end, initial = 0) => {
    let sum = initial;
    for (let i = start; i + 1 < end; i += 2) sum += buf.readUInt16BE(i);
    if ((end - start) % 2) sum += buf[end - 1] << 8;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    return ~sum & 0xffff;
  };
  const ipHeader = (out, length, protocol, ttl, src, dst) => {
    out[0] = 0x45;
    out.writeUInt16BE(length, 2);
    out[8] = ttl;
    out[9] = protocol;
    src.copy(out, 12);
    dst.copy(out, 16);
    out.writeUInt16BE(checksum(out, 0, 20), 10);
  };
  return {
    async sourceFor() {
      return '198.18.1.1';
    },
    send(packet) {
      const src = packet.subarray(16, 20);
      const dst = packet.subarray(12, 16);
      let reply;
      if (packet[9] === 1) {
        reply = Buffer.from(packet);
        reply[20] = 0;
        reply.writeUInt16BE(0, 22);
        reply.writeUInt16BE(checksum(reply, 20, reply.length), 22);
        ipHeader(reply, reply.length, 1, 61, src, dst);
      } else {
        const port = packet.readUInt16BE(22);
        reply = Buffer.alloc(40);
        ipHeader(reply, 40, 6, port === 22 ? 63 : 61, src, dst);
        reply.writeUInt16BE(port, 20);
        reply.writeUInt16BE(packet.readUInt16BE(20), 22);
        reply.writeUInt32BE((packet.readUInt32BE(24) + 1) >>> 0, 28);
        reply[32] = 0x50;
        reply[33] = port === 443 ? 0x12 : 0x14;
      }
      setImmediate(() => listener(reply, process.hrtime()[0] * 1e3 + process.hrtime()[1] / 1e6));
    },
    backlog: () => 0,
    onPacket(l) {
      listener = l;
      return () => {
        listener = () => {};
      };
    },
    onSendError() {
      return () => {};
    },
    close() {},
  };
}
