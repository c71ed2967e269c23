// Build step after tsc: bundle the CLI into one CommonJS file and record V8's code cache for it.
// Start-up is most of a short run (three ports take a few milliseconds; loading ~100 modules and
// compiling them took longer), so bin/ttl-probe.js loads this one file with the cached code.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';

const root = new URL('..', import.meta.url);
const bundle = new URL('dist/ttl-probe.cjs', root).pathname;
const cache = new URL('dist/ttl-probe.cache', root).pathname;

await build({
  entryPoints: [new URL('dist/src/cli/main.js', root).pathname],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: ['raw-socket'],
  // yargs' ESM build asks import.meta.url for its own location (locales); give it the bundle's.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "var __bundleUrl=require('url').pathToFileURL(__filename).href;" },
});

// Compile and exercise the parts every run uses (argument parsing, errors, report formatting), then
// save the compiled code. V8 rejects a cache from another V8 version; bin/ then just compiles anew.
const source = readFileSync(bundle, 'utf8');
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, new URL('dist/', root).pathname);
// Every call below fails validation before any packet could be sent; openTransport refuses regardless.
const quiet = { stdout() {}, stderr() {}, openTransport() { throw new Error('no probing at build time'); } };
await module.exports.main(['--help'], quiet);
await module.exports.main(['198.18.4.2', '-p', '22,80,443-442', '--json'], quiet);
await module.exports.main(['198.18.4.2', '-p', '22', '--timeout', 'x'], quiet);
writeFileSync(cache, script.createCachedData());
