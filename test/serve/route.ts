import t from 'tap';
import { INDEX_TEXT, pathOf, queryOf, route } from '../../src/serve/route.js';

t.test('path and query of a request URL', async (t) => {
  t.equal(pathOf('/probe?target=a&ports=22'), '/probe');
  t.equal(pathOf('/metrics'), '/metrics');
  t.equal(queryOf('/probe?target=a&ports=22'), 'target=a&ports=22');
  t.equal(queryOf('/probe?a=1?b=2'), 'a=1?b=2', 'only the first ? separates');
  t.equal(queryOf('/probe'), '');
});

t.test('routes: the index, metrics and probe; refusals in order path, method, body', async (t) => {
  t.same(route('GET', '/', 0), { kind: 'answer', answer: { code: 200, body: INDEX_TEXT, headers: {} } });
  t.same(route('GET', '/metrics?x=1', 0), { kind: 'metrics' });
  t.same(route('GET', '/probe?target=198.18.4.2&ports=22', 0), { kind: 'probe', rawQuery: 'target=198.18.4.2&ports=22' });
  t.same(route('GET', '/nope', 0), { kind: 'answer', answer: { code: 404, body: 'not found: /nope (try /probe?target=HOST&ports=22,443 or /metrics)\n', headers: {} } });
  t.match(route('POST', '/nope', 5), { kind: 'answer', answer: { code: 404 } }, 'an unknown path is 404 whatever the method or body');
  t.same(route('POST', '/probe', 0), { kind: 'answer', answer: { code: 405, body: 'method POST not allowed: use GET\n', headers: { Allow: 'GET' } } });
  t.same(route(undefined, '/metrics', 0), { kind: 'answer', answer: { code: 405, body: 'method ? not allowed: use GET\n', headers: { Allow: 'GET' } } });
  t.same(route('GET', '/probe', 3), { kind: 'answer', answer: { code: 400, body: 'GET takes no request body\n', headers: {} } });
});

t.test('a long unknown path is cut in the 404', async (t) => {
  const routed = route('GET', `/${'a'.repeat(500)}`, 0);
  t.equal(routed.kind === 'answer' && routed.answer.body, `not found: /${'a'.repeat(60)}... (try /probe?target=HOST&ports=22,443 or /metrics)\n`);
});
