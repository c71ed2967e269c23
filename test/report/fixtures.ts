/**
 * Sample reports for the format, schema, expectation and baseline tests,
 * built from observations by the real inference (buildTargetReport), so they
 * have exactly the shape `--json` prints. Importable by other tests.
 */
import { spawnSync } from 'node:child_process';
import type { TargetObservation } from '../../src/infer/observation.js';
import { buildTargetReport } from '../../src/infer/target-report.js';
import { withTrace } from '../../src/trace/merge.js';
import { REPORT_SCHEMA, type Report } from '../../src/model/report.js';
import { UsageError } from '../../src/errors.js';

/**
 * The article's case: echo replies cross 3 routers (hop 4); 22's RST comes
 * from hop 2 (a firewall), 80 is closed by the host, 443 open on the host,
 * 8080 silent, 3306 refused by a router with ICMP, 9999 unfinished.
 */
export const articleObservation: TargetObservation = {
  target: 'db1.example',
  address: '198.18.4.2',
  echo: { sent: 3, replies: [{ ttl: 61, rttMs: 0.3 }, { ttl: 61, rttMs: 0.2 }, { ttl: 61, rttMs: 0.4 }] },
  ports: [
    { port: 22, tries: 1, finished: true, reply: { kind: 'rst', from: '198.18.4.2', ttl: 63, rttMs: 0.1 } },
    { port: 80, tries: 1, finished: true, reply: { kind: 'rst', from: '198.18.4.2', ttl: 61, rttMs: 0.2 } },
    { port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: '198.18.4.2', ttl: 61, rttMs: 0.25 } },
    { port: 3306, tries: 1, finished: true, reply: { kind: 'icmp-unreachable', from: '198.18.2.2', ttl: 63, rttMs: 0.1, icmpType: 3, icmpCode: 13, quotedTtl: 62, sentTtl: 64 } },
    { port: 8080, tries: 2, finished: true, reply: null },
  ],
  ignored: 2,
};

/** A Windows-like host (initial TTL 128) with no echo reply: the SYN-ACK is the reference. */
export const noEchoObservation: TargetObservation = {
  target: '198.18.6.2',
  address: '198.18.6.2',
  echo: { sent: 3, replies: [] },
  ports: [
    { port: 22, tries: 3, finished: true, reply: null },
    { port: 443, tries: 1, finished: true, reply: { kind: 'syn-ack', from: '198.18.6.2', ttl: 126, rttMs: 1.5 } },
  ],
  ignored: 0,
};

/** Nothing to compare with: only an ICMP error came back; 22 was cut short. */
export const noReferenceObservation: TargetObservation = {
  target: '198.18.8.2',
  address: '198.18.8.2',
  echo: { sent: 1, replies: [] },
  ports: [
    { port: 25, tries: 1, finished: true, reply: { kind: 'icmp-unreachable', from: '198.18.8.1', ttl: 255, rttMs: 0.05, icmpType: 3, icmpCode: 10 } },
    { port: 22, tries: 1, finished: false, reply: null },
  ],
  ignored: 0,
};

export function reportOf(observations: readonly TargetObservation[], interrupted = false): Report {
  return { schema: REPORT_SCHEMA, interrupted, targets: observations.map(buildTargetReport) };
}

/** The article target alone. */
export function articleReport(): Report {
  return reportOf([articleObservation]);
}

/** Three targets, the last interrupted. */
export function multiReport(): Report {
  return reportOf([articleObservation, noEchoObservation, noReferenceObservation], true);
}

/** A target name with every character the formats must escape. */
export const HOSTILE_NAME = 'a"b\\c\nd<e>&f\'g]]>h\u0001i';

/** The article report under a hostile target name. */
export function hostileReport(): Report {
  return reportOf([{ ...articleObservation, target: HOSTILE_NAME }]);
}

/**
 * The message of the UsageError that `fn` throws, to assert it exactly (tap's
 * t.throws matches messages as substrings). Describes anything else instead.
 */
export function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    return `not a UsageError: ${String(error)}`;
  }
  return 'did not throw';
}

/** usageMessage for an async function. */
export async function usageMessageAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    return `not a UsageError: ${String(error)}`;
  }
  return 'did not throw';
}

/** What a command-line tool said. */
export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool that consumes one of our formats (promtool, xmllint) with
 * `input` on stdin. A missing tool is an error, not a skip: CI must install
 * it (Debian packages prometheus and libxml2-utils).
 */
export function runTool(command: string, args: readonly string[], input: string, debianPackage: string): ToolRun {
  const result = spawnSync(command, args, { input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${command} is not installed: apt-get install ${debianPackage}` : `${command}: ${result.error.message}`);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The article report as `--trace` extends it: the path, and per port its responder or drop point. */
export function tracedReport(): Report {
  const target = buildTargetReport(articleObservation);
  return {
    schema: REPORT_SCHEMA,
    interrupted: false,
    targets: [
      withTrace(target, {
        pathPort: 443,
        path: [
          { hop: 1, address: '198.18.1.1', rttMs: 0.05 },
          { hop: 2, address: null, rttMs: null },
          { hop: 3, address: '198.18.3.1', rttMs: 0.2 },
          { hop: 4, address: '198.18.4.2', rttMs: 0.3 },
        ],
        responders: new Map([
          [22, { hop: 2, address: null, confirmed: true }],
          [80, { hop: 4, address: '198.18.4.2', confirmed: true }],
          [443, { hop: 4, address: '198.18.4.2', confirmed: false }],
          [3306, { hop: 2, address: '198.18.2.2', confirmed: true }],
        ]),
        droppedAfter: new Map([[8080, { hop: 3, address: '198.18.3.1', confirmed: true }]]),
        ...traceFindings(),
      }),
    ],
  };
}

/** What the traced fixture's path did to its SYNs: an MSS clamp and stripped options after hop 1, DSCP set after hop 3. */
export function traceFindings() {
  return {
    changes: [
      { field: 'tcp.mss' as const, sent: 1460, seen: 1200, after: { hop: 1, address: '198.18.1.1' }, firstSeenAt: 3 },
      { field: 'tcp.options' as const, sent: 'mss,sack-permitted,timestamp,window-scale=7', seen: 'mss,window-scale=7', after: { hop: 1, address: '198.18.1.1' }, firstSeenAt: 3 },
      { field: 'ip.dscp' as const, sent: 0, seen: 46, after: { hop: 3, address: '198.18.3.1' }, firstSeenAt: 4 },
    ],
    ttlRewrite: null,
    nat: [],
    forwardedBy: new Map<number, { hop: number; address: string }>(),
  };
}
