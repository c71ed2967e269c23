/**
 * The package version. A constant rather than a read of package.json at start-up (a file lookup on
 * every run); test/version.ts fails when it drifts from package.json.
 */
export const VERSION = '0.1.0';
