/**
 * What the exporter answers, as data: a status, a body and headers, decided
 * by pure functions and written by one thin function in server.ts. A `body`
 * of null writes nothing (the client went away; only counted).
 */

/** The content type of both expositions (Prometheus text format 0.0.4). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** nginx's code for "client closed request": counted, never sent. */
export const CLIENT_CLOSED = 499;

export interface Answer {
  code: number;
  body: string | null;
  headers: Record<string, string>;
}

/** Why a probe was aborted: its time bound, the client leaving, or the exporter shutting down. */
export type AbortReason = 'timeout' | 'client' | 'shutdown';

export function textAnswer(code: number, body: string, headers: Record<string, string> = {}): Answer {
  return { code, body, headers };
}

/** A refusal: the reason on one line. */
export function refusal(code: number, reason: string, headers: Record<string, string> = {}): Answer {
  return { code, body: `${reason}\n`, headers };
}

export function expositionAnswer(body: string): Answer {
  return { code: 200, body, headers: { 'Content-Type': EXPOSITION_CONTENT_TYPE } };
}

/** Every answer's headers: the defaults, then the answer's own. */
export function headersOf(answer: Answer): Record<string, string> {
  return {
    'Content-Type': TEXT_CONTENT_TYPE,
    'Content-Length': String(Buffer.byteLength(answer.body ?? '')),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...answer.headers,
  };
}

export const SHUTTING_DOWN = refusal(503, 'the exporter is shutting down', { Connection: 'close' });

export function bodyTooLarge(maxBodyBytes: number): Answer {
  return refusal(413, `a request body of more than ${maxBodyBytes} bytes (GET takes none)`, { Connection: 'close' });
}

/** Every slot taken: refused at once, never queued. */
export function busy(limit: number): Answer {
  return refusal(429, `too many probes at once (at most ${limit}, --max-concurrent): retry later`, { 'Retry-After': '1' });
}

/** The answer to a probe aborted for `reason`. */
export function abortedAnswer(reason: AbortReason, target: string, probeTimeoutMs: number): Answer {
  if (reason === 'timeout') return refusal(504, `the probe of ${target} took longer than ${probeTimeoutMs / 1000} s (--probe-timeout) and was aborted`);
  if (reason === 'shutdown') return SHUTTING_DOWN;
  // Nobody is listening any more.
  return { code: CLIENT_CLOSED, body: null, headers: {} };
}

/** A target that could not be resolved: 504 when the lookup ran out of time, else 400. */
export function unresolvedAnswer(message: string): Answer {
  return refusal(/timed out$/.test(message) ? 504 : 400, message);
}

/** The first line of a probe's error, for the 500 and the log. */
export function failureMessage(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

export const INTERNAL_ERROR = refusal(500, 'internal error');
