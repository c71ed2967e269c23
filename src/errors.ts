/**
 * The failures ttl-probe reports to a user. Each has a stable `code` and the
 * process exit code it maps to; the message is one line naming what is wrong.
 * Only bin/ turns these into an exit status.
 */
export const ExitCode = {
  /** The probe ran (whatever the ports' states). */
  OK: 0,
  /** An expectation did not hold (reserved for --expect). */
  EXPECTATION_FAILED: 1,
  /** Bad input: arguments, port lists, targets. */
  USAGE: 2,
  /** Cannot probe from here: no privilege for raw sockets, no route. */
  ENVIRONMENT: 3,
  /** A bug in ttl-probe: an unexpected failure (please report it). */
  INTERNAL: 70,
  /** Interrupted by Ctrl-C (SIGINT); the partial report was printed. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a user-facing failure with a one-line message. */
export class TtlProbeError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(code: string, exitCode: ExitCodeValue, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad input from the user: exit 2. */
export class UsageError extends TtlProbeError {
  constructor(message: string, code = 'ERR_USAGE') {
    super(code, ExitCode.USAGE, message);
  }
}

/** The machine cannot probe (privilege, route): exit 3. */
export class EnvironmentError extends TtlProbeError {
  constructor(message: string, code = 'ERR_ENVIRONMENT') {
    super(code, ExitCode.ENVIRONMENT, message);
  }
}
