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

/**
 * Start-up work yargs does for features a probe run never uses, made lazy: string-width builds
 * an emoji regular expression and an Intl.Segmenter when imported (for help text widths), and
 * node:assert loads its colour support. Each import is replaced by a small stand-in that loads
 * the real module on first call; behaviour is unchanged.
 */
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
      resolveDir: new URL('.', root).pathname,
      loader: 'js',
    }));
    // Packages only some commands use (YAML audit files, the progress bar): each export becomes a
    // getter that loads the package on first use. The names come from the package itself.
    build.onResolve({ filter: /^(yaml|cli-progress)$/ }, async (args) => {
      if (args.namespace === 'lazy-package') return undefined;
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, namespace: 'lazy-package' });
      return { path: real.path, namespace: 'lazy-package' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, async (args) => {
      const names = Object.keys(await import(args.path)).filter((name) => name !== 'default' && name !== '__esModule');
      const getters = names.map((name) => `Object.defineProperty(module.exports, ${JSON.stringify(name)}, { enumerable: true, get: () => load()[${JSON.stringify(name)}] });`);
      return {
        contents: `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));\n${getters.join('\n')}`,
        resolveDir: new URL('.', root).pathname,
        loader: 'js',
      };
    });
    build.onResolve({ filter: /^assert$/ }, () => ({ path: 'assert', namespace: 'lazy-assert' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents: "let real; const load = () => (real ??= require('node:assert')); module.exports = { notStrictEqual: (...a) => load().notStrictEqual(...a), strictEqual: (...a) => load().strictEqual(...a) };",
      loader: 'js',
    }));
  },
};

await build({
  plugins: [lazyModules],
  entryPoints: [new URL('dist/src/cli/main.js', root).pathname],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: process.env.TTL_PROBE_NO_MINIFY !== "1",
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
