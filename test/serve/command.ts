// runServe as the CLI runs it, over a fake transport: start-up order, exit codes on SIGINT/SIGTERM, errors.
import { request } from 'node:http';
import { createServer } from 'node:net';
import t from 'tap';
import { main } from '../../src/cli/main.js';
import { runServe, type ServeIo } from '../../src/cli/serve-command.js';
import { EnvironmentError } from '../../src/errors.js';
import { toServeOptions } from '../../src/serve/options.js';
import { fakeTransport } from '../helpers/fake-network.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function harness() {
  const events: string[] = [];
  const stderr: string[] = [];
  const transport = fakeTransport([{ address: '198.18.4.2', echoTtl: 61, ports: { 22: { reply: 'rst', ttl: 63 }, 443: { reply: 'syn-ack', ttl: 61 } } }]);
  const interrupt = new AbortController();
  const terminate = new AbortController();
  const io: ServeIo = {
    stdout: () => {},
    stderr: (text) => stderr.push(text),
    signal: interrupt.signal,
    terminate: terminate.signal,
    openTransport: () => {
      events.push('sockets opened');
      return transport;
    },
    dropPrivileges: (user) => events.push(`privileges dropped (${user})`),
  };
  const listening = new Promise<number>((resolve) => {
    io.onListening = (address) => {
      events.push(`listening ${address.host}`);
      resolve(address.port);
    };
  });
  return { io, events, stderr, transport, interrupt, terminate, listening };
}

t.test('sockets, then the port, then privileges; SIGINT stops it with 130 and closes the sockets', async (t) => {
  const h = harness();
  const run = runServe(toServeOptions({ allow: ['198.18.0.0/15'], listen: '127.0.0.1:0', user: 'nobody' }), h.io);
  const port = await h.listening;
  t.same(h.events, ['sockets opened', 'privileges dropped (nobody)', 'listening 127.0.0.1'], 'the port is bound before the drop (see the next test), requests are served after it');
  t.match(h.stderr.join(''), `ttl-probe serve: listening on http://127.0.0.1:${port}/ (allow 198.18.0.0/15; at most 4 probes at once)\n`);
  const reply = await get(port, '/probe?target=198.18.4.2&ports=22,443');
  t.equal(reply.status, 200);
  t.match(reply.body, 'answered_by="middlebox"} 1');
  h.interrupt.abort();
  t.equal(await run, 130);
  t.equal(h.transport.closed, true, 'the raw sockets are closed');
  t.match(h.stderr.join(''), 'ttl-probe serve: interrupted, stopping\n');
  await t.rejects(get(port, '/metrics'), { code: 'ECONNREFUSED' }, 'no longer listening');
});

t.test('SIGTERM: exit 0', async (t) => {
  const h = harness();
  const run = runServe(toServeOptions({ allow: ['198.18.4.2'], listen: '127.0.0.1:0' }), h.io);
  await h.listening;
  h.terminate.abort();
  t.equal(await run, 0);
  t.equal(h.transport.closed, true);
});

t.test('a port in use: EnvironmentError (exit 3), sockets closed, privileges kept', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const h = harness();
  await t.rejects(
    runServe(toServeOptions({ allow: ['198.18.0.0/15'], listen: `127.0.0.1:${port}` }), h.io),
    new EnvironmentError(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`, 'ERR_LISTEN'),
  );
  t.equal(h.transport.closed, true);
  t.same(h.events, ['sockets opened']);
});

t.test('through main: bad flags exit 2 before any socket is opened; help works', async (t) => {
  const stderr: string[] = [];
  const stdout: string[] = [];
  const io = {
    stdout: (text: string) => void stdout.push(text),
    stderr: (text: string) => void stderr.push(text),
    openTransport: () => {
      throw new Error('no socket may be opened');
    },
  };
  const cases: [string[], string][] = [
    [['serve'], 'ttl-probe: serve needs at least one --allow CIDR|NAME: the targets it may probe (e.g. --allow 198.18.0.0/15) (see ttl-probe --help)\n'],
    [['serve', '--allow', '198.18.4.2/15'], 'ttl-probe: --allow 198.18.4.2/15: host bits are set; did you mean 198.18.0.0/15? (see ttl-probe --help)\n'],
    [['serve', '--allow', '198.18.0.0/15', '--listen', ':9799'], 'ttl-probe: --listen :9799: give the address too, e.g. 127.0.0.1:9799 (or 0.0.0.0:9799 for every interface) (see ttl-probe --help)\n'],
    [['serve', '--allow', '198.18.0.0/15', '--max-concurrent', '0'], 'ttl-probe: --max-concurrent must be between 1 and 256, got 0 (see ttl-probe --help)\n'],
    [['serve', '--allow', '198.18.0.0/15', '-p', '22'], 'ttl-probe: Unknown argument: p (see ttl-probe --help)\n'],
    [['serve', '--allow', '198.18.0.0/15', 'extra'], 'ttl-probe: Unknown argument: extra (see ttl-probe --help)\n'],
  ];
  for (const [args, message] of cases) {
    stderr.length = 0;
    t.equal(await main(args, io), 2, args.join(' '));
    t.equal(stderr.join(''), message);
  }
  const opened: string[] = [];
  const refuse = { ...io, openTransport: () => {
    opened.push('yes');
    throw new EnvironmentError('stop here');
  } };
  t.equal(await main(['serve', '--allow', '198.18.4.0/24', '--allow', 'db1.example,198.18.9.9', '--listen', '127.0.0.1:0'], refuse), 3, 'repeated and comma-joined --allow are accepted');
  t.same(opened, ['yes']);
  stdout.length = 0;
  t.equal(await main(['serve', '--help'], io), 0);
  t.match(stdout.join(''), '--allow');
  t.match(stdout.join(''), '--max-concurrent');
  stdout.length = 0;
  t.equal(await main(['--help'], io), 0);
  t.match(stdout.join(''), 'ttl-probe serve');
});
