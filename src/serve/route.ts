import { refusal, textAnswer, type Answer } from './answer.js';

/**
 * Which handler a complete request goes to, decided from its method, URL
 * and body size alone: an answer at once (the index, 404, 405, 400 for a
 * body), the exporter's metrics, or a probe with its raw query string.
 */

export type Route = { kind: 'answer'; answer: Answer } | { kind: 'metrics' } | { kind: 'probe'; rawQuery: string };

export const INDEX_TEXT =
  'ttl-probe exporter\n' +
  '  GET /probe?target=HOST&ports=22,443[&trace=1]  probe HOST, answer in the Prometheus text format\n' +
  "  GET /metrics  the exporter's own metrics\n";

const PATHS = new Set(['/', '/probe', '/metrics']);

/** The URL's path (before `?`); the metrics label every request is counted under. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The URL's raw query string (after the first `?`, without it). */
export function queryOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? '' : url.slice(query + 1);
}

/** A path shown in a 404 at most this long, so a huge URL is not echoed back. */
const SHOWN_PATH_CHARS = 64;

export function route(method: string | undefined, url: string, bodyBytes: number): Route {
  const path = pathOf(url);
  if (!PATHS.has(path)) {
    const shown = path.length > SHOWN_PATH_CHARS ? `${path.slice(0, SHOWN_PATH_CHARS - 3)}...` : path;
    return { kind: 'answer', answer: refusal(404, `not found: ${shown} (try /probe?target=HOST&ports=22,443 or /metrics)`) };
  }
  if (method !== 'GET') return { kind: 'answer', answer: refusal(405, `method ${method ?? '?'} not allowed: use GET`, { Allow: 'GET' }) };
  if (bodyBytes > 0) return { kind: 'answer', answer: refusal(400, 'GET takes no request body') };
  if (path === '/') return { kind: 'answer', answer: textAnswer(200, INDEX_TEXT) };
  if (path === '/metrics') return { kind: 'metrics' };
  return { kind: 'probe', rawQuery: queryOf(url) };
}
