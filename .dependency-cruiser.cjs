/**
 * The direction of imports in src/ (checked by `npm run check:layers`, part of `npm test`):
 * each layer may import only layers listed before it, and its own folder. A wrong-way
 * import fails the build. Keep README's design map in the same order.
 */
const LAYERS = [
  ['base', '^src/(model/|errors\\.ts$|clock\\.ts$|random\\.ts$|timing\\.ts$|lazy-builtin\\.ts$|version\\.ts$)'],
  ['packet', '^src/packet/'],
  ['capture', '^src/capture/'],
  ['probe', '^src/probe/'],
  ['infer', '^src/infer/'],
  ['expect', '^src/expect/'],
  ['target', '^src/target/'],
  ['audit', '^src/audit/'],
  ['baseline', '^src/baseline/'],
  ['transport', '^src/(transport/|privileges\\.ts$)'],
  ['scan', '^src/scan/'],
  ['trace', '^src/trace/'],
  ['idle', '^src/idle/'],
  ['analyze', '^src/analyze/'],
  ['run', '^src/run/'],
  ['options', '^src/options/'],
  ['report', '^src/report/'],
  ['serve', '^src/serve/'],
  ['cli', '^src/cli/'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], index) => ({
  name: `layer-${name}`,
  comment: `${name} may import only the layers below it (${LAYERS.slice(0, index).map(([n]) => n).join(', ') || 'none'})`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(index + 1).map(([, p]) => `(${p})`).join('|') },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'formats-only',
      comment: 'report/ turns an (annotated) report into text: it imports the model and nothing that computes one',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/', pathNot: ['^src/report/', LAYERS[0][1]] },
    },
    {
      name: 'no-circular',
      comment: 'files that import each other in a loop',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-stands-alone',
      comment: 'src/ never imports tests or scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^dist/|\\.d\\.ts$)' },
  },
};
