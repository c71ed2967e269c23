import t from 'tap';
import { EnvironmentError } from '../../src/errors.js';
import { openTransport } from '../../src/transport/open.js';
import type { ReceivedPacket, Transport } from '../../src/transport/transport.js';

/** A transport that records what it is asked to do. */
function recorder(name: string, log: string[]): Transport & { deliver(packet: ReceivedPacket): void } {
  let listener: ((packet: ReceivedPacket, at: number) => void) | null = null;
  return {
    sourceFor: async (destination) => `${name}:${destination}`,
    send: (packet, destination) => void log.push(`${name} send ${packet[0]!.toString(16)} ${destination}`),
    backlog: () => (name === 'v4' ? 1 : 2),
    onPacket(l) {
      listener = l;
      return () => void (listener = null);
    },
    onSendError: () => () => {},
    close: () => void log.push(`${name} close`),
    deliver: (packet) => listener?.(packet, 0),
  };
}

t.test('a run opens only the families it needs', async (t) => {
  const log: string[] = [];
  const open = { ipv4: () => (log.push('open v4'), recorder('v4', log)), ipv6: () => (log.push('open v6'), recorder('v6', log)) };
  t.same([...openTransport({ ipv4: true, ipv6: false }, open).families], [4]);
  t.same(log, ['open v4'], 'an IPv4 run never touches IPv6 sockets');
  log.length = 0;
  t.same([...openTransport({ ipv4: false, ipv6: 'required' }, open).families], [6]);
  t.same(log, ['open v6']);
});

t.test('optional IPv6 that cannot be opened leaves IPv4 and says why; required IPv6 fails', async (t) => {
  const log: string[] = [];
  const noIpv6 = { ipv4: () => recorder('v4', log), ipv6: (): Transport => { throw new EnvironmentError('this machine has no IPv6 (socket: EAFNOSUPPORT)', 'ERR_NO_IPV6'); } };
  const opened = openTransport({ ipv4: true, ipv6: 'optional' }, noIpv6);
  t.same([...opened.families], [4]);
  t.equal(opened.ipv6Unavailable, 'this machine has no IPv6 (socket: EAFNOSUPPORT)');
  t.throws(() => openTransport({ ipv4: true, ipv6: 'required' }, noIpv6), { code: 'ERR_NO_IPV6' });
  t.same(log, ['v4 close'], 'the IPv4 sockets opened before are closed again');
  const bug = { ipv4: () => recorder('v4', log), ipv6: (): Transport => { throw new TypeError('a bug'); } };
  t.throws(() => openTransport({ ipv4: true, ipv6: 'optional' }, bug), new TypeError('a bug'), 'a bug is never taken for a missing IPv6');
});

t.test('both families: packets go out by their version, replies of both reach one listener', async (t) => {
  const log: string[] = [];
  const v4 = recorder('v4', log);
  const v6 = recorder('v6', log);
  const { transport } = openTransport({ ipv4: true, ipv6: 'required' }, { ipv4: () => v4, ipv6: () => v6 });
  transport.send(Buffer.from([0x45]), '198.18.4.2');
  transport.send(Buffer.from([0x60]), '2001:2::1');
  t.same(log, ['v4 send 45 198.18.4.2', 'v6 send 60 2001:2::1']);
  t.equal(await transport.sourceFor('2001:2::1'), 'v6:2001:2::1');
  t.equal(await transport.sourceFor('198.18.4.2'), 'v4:198.18.4.2');
  t.equal(transport.backlog(), 3);
  const seen: ReceivedPacket[] = [];
  const stop = transport.onPacket((packet) => void seen.push(packet));
  v4.deliver(Buffer.from([0x45]));
  v6.deliver(Buffer.from([0x60]));
  stop();
  v4.deliver(Buffer.from([0x45]));
  t.equal(seen.length, 2, 'removed from both');
  transport.close();
  t.same(log.slice(-2), ['v4 close', 'v6 close']);
});
