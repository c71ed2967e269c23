/**
 * Node built-ins that only some runs need (the HTTP server of `serve`, child
 * processes, promise-based file reading), loaded on first use: requiring them
 * at start-up costs a short probe run more than its packets do.
 * process.getBuiltinModule exists from Node 20.16 (package.json requires 20.19).
 */
export const lazyBuiltin = {
  http: () => process.getBuiltinModule('node:http'),
  childProcess: () => process.getBuiltinModule('node:child_process'),
  fsPromises: () => process.getBuiltinModule('node:fs/promises'),
};
