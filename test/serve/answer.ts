import t from 'tap';
import {
  abortedAnswer,
  bodyTooLarge,
  busy,
  CLIENT_CLOSED,
  EXPOSITION_CONTENT_TYPE,
  expositionAnswer,
  failureMessage,
  headersOf,
  refusal,
  unresolvedAnswer,
} from '../../src/serve/answer.js';

t.test('headers: the defaults, the answer may override the content type', async (t) => {
  t.same(headersOf(refusal(400, 'bad')), {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': '4',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  t.equal(headersOf(expositionAnswer('é\n'))['Content-Length'], '3', 'the length in bytes, not characters');
  t.equal(headersOf(expositionAnswer(''))['Content-Type'], EXPOSITION_CONTENT_TYPE);
});

t.test('refusals', async (t) => {
  t.same(busy(4), { code: 429, body: 'too many probes at once (at most 4, --max-concurrent): retry later\n', headers: { 'Retry-After': '1' } });
  t.same(bodyTooLarge(1024), { code: 413, body: 'a request body of more than 1024 bytes (GET takes none)\n', headers: { Connection: 'close' } });
  t.equal(unresolvedAnswer('db1.example: name lookup timed out').code, 504);
  t.equal(unresolvedAnswer('db1.example: no such name').code, 400);
  t.equal(failureMessage(new Error('EPERM\n    at send')), 'EPERM', 'the first line only');
  t.equal(failureMessage('plain'), 'plain');
});

t.test('an aborted probe: 504 at its time bound, 503 at shutdown, nothing written when the client left', async (t) => {
  t.same(abortedAnswer('timeout', 'db1', 2500), { code: 504, body: 'the probe of db1 took longer than 2.5 s (--probe-timeout) and was aborted\n', headers: {} });
  t.same(abortedAnswer('shutdown', 'db1', 2500), { code: 503, body: 'the exporter is shutting down\n', headers: { Connection: 'close' } });
  t.same(abortedAnswer('client', 'db1', 2500), { code: CLIENT_CLOSED, body: null, headers: {} });
});
