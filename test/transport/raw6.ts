// The IPv6 raw-socket path (src/transport/raw6.ts and native/raw6.cc) against real kernels: a
// client - router - server lab of namespaces (test/helpers/ipv6-lab.ts), the agent run in the
// client namespace. What the engine will rely on: the hop limit each reply arrives with, its source
// and destination, and the bytes of the transport layer.
import t from 'tap';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { EnvironmentError } from '../../src/errors.js';
import { ICMP6_REPLY_TYPES, batchPackets, loadRaw6Addon, openFailure, openRaw6, type Raw6Addon } from '../../src/transport/raw6.js';
import { ADDRESS, buildIpv6Lab, runAgent, type AgentPacket, type Ipv6Lab } from '../helpers/ipv6-lab.js';

const ROUTER_HOP_LIMIT = 255;
const SERVER_HOP_LIMIT = 64;

/** ICMPv6 echo request (RFC 4443 4.1); checksum left 0: the kernel fills it. */
function echoRequest(identifier: number, sequence: number): Buffer {
  const packet = Buffer.alloc(8 + 9);
  packet[0] = 128;
  packet.writeUInt16BE(identifier, 4);
  packet.writeUInt16BE(sequence, 6);
  packet.write('ttl-probe', 8, 'latin1');
  return packet;
}

/** A bare TCP SYN (RFC 9293 3.1) with a wrong checksum on purpose: the socket's IPV6_CHECKSUM must replace it. */
function tcpSyn(sourcePort: number, destinationPort: number, sequence: number): Buffer {
  const segment = Buffer.alloc(20);
  segment.writeUInt16BE(sourcePort, 0);
  segment.writeUInt16BE(destinationPort, 2);
  segment.writeUInt32BE(sequence, 4);
  segment[12] = 5 << 4;
  segment[13] = 0x02;
  segment.writeUInt16BE(64240, 14);
  segment.writeUInt16BE(0xdead, 16);
  return segment;
}

const TCP_FLAGS = { RST_ACK: 0x14, SYN_ACK: 0x12 } as const;

function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}
/** Expanded form of an address as ipv6Text() writes it, for comparing quoted addresses. */
function expanded(address: string): string {
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((group) => parseInt(group, 16).toString(16)).join(':');
}

function sends(packet: Buffer, hopLimit: number, destination: string = ADDRESS.server, flowLabel?: number) {
  return [{ packet: packet.toString('hex'), destination, hopLimit, ...(flowLabel === undefined ? {} : { flowLabel }) }];
}

t.test('addon loading fails with one line naming the fix', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tp6-addon-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, 'ttl_probe_raw6.node');
  t.throws(() => loadRaw6Addon(missing), { name: 'EnvironmentError', code: 'ERR_ADDON_MISSING', message: `IPv6 needs ttl-probe's addon, which was never built (${missing} is missing): run npm rebuild in ttl-probe's folder (needs make, g++ and python3)` });
  const garbage = join(dir, 'garbage.node');
  writeFileSync(garbage, 'not an ELF file\n');
  try {
    loadRaw6Addon(garbage);
    t.fail('a file that is no shared object loaded');
  } catch (error) {
    t.ok(error instanceof EnvironmentError);
    t.equal((error as EnvironmentError).code, 'ERR_ADDON_LOAD');
    t.equal((error as EnvironmentError).exitCode, 3);
    t.notMatch((error as Error).message, /\n/, 'one line');
    t.match((error as Error).message, new RegExp(`^ttl-probe's IPv6 addon cannot be loaded by Node.js ${process.version.replace(/\./g, '\\.')} \\(.*\\): run npm rebuild in ttl-probe's folder$`));
  }
  t.equal(typeof loadRaw6Addon().Receiver, 'function', 'the built addon loads');
});

t.test('socket failures become one-line environment errors; others stay as they are', async (t) => {
  const errno = (code: string): Error => Object.assign(new Error(`socket: ${code} (text)`), { code });
  const cases: [string, string | null][] = [
    ['EPERM', 'ERR_NO_PRIVILEGE'],
    ['EACCES', 'ERR_NO_PRIVILEGE'],
    ['EAFNOSUPPORT', 'ERR_NO_IPV6'],
    ['EPROTONOSUPPORT', 'ERR_NO_IPV6'],
    ['EMFILE', null],
  ];
  for (const [code, expected] of cases) {
    const original = errno(code);
    const result = openFailure(original);
    if (expected === null) t.equal(result, original, `${code} passes through`);
    else t.match(result, { name: 'EnvironmentError', code: expected, message: new RegExp(`^[^\\n]*\\(socket: ${code} \\(text\\)\\)[^\\n]*$`) }, code);
  }
});

t.test('a batch from the addon splits into packets in order, each a view of its bytes', async (t) => {
  const data = Buffer.from('aaaabbbbbbcc', 'hex');
  const meta = Float64Array.from([2, 63, 10.5, 0x12345, 0, 3, 255, 11, 0, 0xb8, 1, -1, 12, -1, -1]);
  const packets = batchPackets(data, meta, ['2001:2::1', '2001:2::2', '2001:2::3'], ['2001:2::9', '2001:2::9', '2001:2::9'], 3);
  t.same(
    packets.map((packet) => ({ ...packet, payload: packet.payload.toString('hex') })),
    [
      { payload: 'aaaa', source: '2001:2::1', destination: '2001:2::9', hopLimit: 63, receivedAt: 10.5, flowLabel: 0x12345, trafficClass: 0 },
      { payload: 'bbbbbb', source: '2001:2::2', destination: '2001:2::9', hopLimit: 255, receivedAt: 11, flowLabel: 0, trafficClass: 0xb8 },
      { payload: 'cc', source: '2001:2::3', destination: '2001:2::9', hopLimit: -1, receivedAt: 12, flowLabel: -1, trafficClass: -1 },
    ],
  );
  t.same(batchPackets(data, meta, [], [], 0), [], 'an empty batch');
});

t.test('arguments are checked before anything reaches the kernel', async (t) => {
  const calls: unknown[][] = [];
  const addon: Raw6Addon = {
    open: () => ({ fd: 99, receiveBufferBytes: 1 }),
    send: (...args) => void calls.push(args),
    sendMany: () => 0,
    close: () => {},
    now: () => 0,
    Receiver: class {
      stop(): void {}
    },
  };
  const socket = openRaw6(58, { addon });
  t.throws(() => socket.send(echoRequest(1, 1), ADDRESS.server, 256), { name: 'RangeError', message: 'hopLimit must be an integer 0..255, got 256' });
  t.throws(() => socket.send(echoRequest(1, 1), ADDRESS.server, 1.5), { message: 'hopLimit must be an integer 0..255, got 1.5' });
  t.throws(() => socket.send(echoRequest(1, 1), ADDRESS.server, 64, 0x100000), { name: 'RangeError', message: 'flowLabel must be an integer 0..0xfffff, got 1048576' });
  t.throws(() => openRaw6(17 as 58, { addon }), { name: 'RangeError', message: 'protocol must be 58 (ICMPv6) or 6 (TCP), got 17' });
  t.throws(() => openRaw6(6, { addon, batch: 0 }), { name: 'RangeError', message: 'batch must be an integer 1..1024, got 0' });
  t.same(calls, [], 'nothing sent');
  t.equal(socket.send(echoRequest(1, 1), ADDRESS.server, 64, 7), true);
  t.same(calls.map((call) => call.slice(3)), [[ADDRESS.server, 64, 7]]);
  socket.close();
  t.throws(() => socket.send(echoRequest(1, 1), ADDRESS.server, 64), { message: 'send on a closed IPv6 raw socket' });
});

t.test('IPv6 through a router, in namespaces', async (t) => {
  let lab: Ipv6Lab;
  try {
    lab = buildIpv6Lab({ routerHopLimit: ROUTER_HOP_LIMIT, serverHopLimit: SERVER_HOP_LIMIT });
  } catch (error) {
    // Lab tests need root and iproute2: fail loudly, never a silent skip counted as a pass.
    t.fail(`cannot build the IPv6 lab: ${(error as Error).message}`);
    return;
  }
  t.teardown(() => lab.down());
  const inClient = ['ip', 'netns', 'exec', lab.client];

  t.test('an echo reply from the server arrives with hop limit 64 - 1 router, and only reply types reach JS', async (t) => {
    // A cold neighbour cache: the router's neighbour advertisement (type 136) arrives on this socket too, and the default filter must keep it out.
    lab.exec(lab.client, 'ip', ['neigh', 'flush', 'dev', 'c0']);
    const result = await runAgent(inClient, { protocol: 58, sends: sends(echoRequest(0x7470, 1), 64), waitMs: 1500 });
    t.equal(result.code, 0, result.stderr);
    t.same(result.received.map((packet) => packet.payload[0]).filter((type) => !ICMP6_REPLY_TYPES.includes(type!)), [], 'no neighbour discovery delivered');
    const replies = result.received.filter((packet) => packet.payload[0] === 129);
    t.equal(replies.length, 1, 'one echo reply');
    const reply = replies[0]!;
    t.equal(reply.source, ADDRESS.server);
    t.equal(reply.destination, ADDRESS.client);
    t.equal(reply.hopLimit, SERVER_HOP_LIMIT - 1);
    t.equal(reply.payload.readUInt16BE(4), 0x7470, 'identifier echoed');
    t.equal(reply.payload.readUInt16BE(6), 1, 'sequence echoed');
    t.equal(reply.payload.subarray(8).toString('latin1'), 'ttl-probe', 'data echoed');
    // Neighbour discovery on a cold cache can add a retransmission (1 s); another clock (the
    // wall clock, or none) would be off by years or negative.
    t.ok(reply.receivedAt >= reply.sentAt && reply.receivedAt - reply.sentAt < 5000, `arrival ${reply.receivedAt - reply.sentAt} ms after the send, on the same clock`);
  });

  t.test('without a filter, neighbour discovery is delivered (the filter is what keeps it out)', async (t) => {
    lab.exec(lab.client, 'ip', ['neigh', 'flush', 'dev', 'c0']);
    const result = await runAgent(inClient, { protocol: 58, icmp6Types: null, sends: sends(echoRequest(0x7470, 2), 64), waitMs: 1500 });
    t.equal(result.code, 0, result.stderr);
    t.ok(result.received.some((packet) => packet.payload[0] === 136 && packet.source === ADDRESS.routerClientSide), 'the router\'s neighbour advertisement');
  });

  t.test('hop limit 1: the router\'s time-exceeded arrives with its own hop limit and quotes our packet', async (t) => {
    const result = await runAgent(inClient, { protocol: 58, sends: sends(echoRequest(0x7470, 3), 1), waitMs: 3000, count: 1 });
    t.equal(result.code, 0, result.stderr);
    t.equal(result.received.length, 1, 'one packet');
    const error = result.received[0]!;
    t.equal(error.payload[0], 3, 'time exceeded');
    t.equal(error.payload[1], 0, 'hop limit exceeded in transit');
    t.equal(error.source, ADDRESS.routerClientSide);
    t.equal(error.destination, ADDRESS.client);
    t.equal(error.hopLimit, ROUTER_HOP_LIMIT, 'adjacent router: no router in between');
    const quoted = error.payload.subarray(8);
    t.equal(quoted[0]! >> 4, 6, 'quoted IPv6 header');
    t.equal(quoted[6], 58, 'quoted next header: ICMPv6');
    t.equal(quoted[7], 1, 'quoted hop limit as it reached the router');
    t.equal(ipv6Text(quoted.subarray(8, 24)), expanded(ADDRESS.client), 'quoted source');
    t.equal(ipv6Text(quoted.subarray(24, 40)), expanded(ADDRESS.server), 'quoted destination');
    t.equal(quoted[40], 128, 'quoted echo request');
    t.equal(quoted.readUInt16BE(44), 0x7470);
    t.equal(quoted.readUInt16BE(46), 3);
  });

  const tcpReply = (packets: AgentPacket[], port: number): AgentPacket | undefined => packets.find((packet) => packet.payload.readUInt16BE(0) === port);

  t.test('a SYN to a closed port: the server\'s RST arrives with hop limit 63 (and the kernel replaced our bad checksum)', async (t) => {
    const result = await runAgent(inClient, { protocol: 6, sends: sends(tcpSyn(40001, 9, 1000), 64), waitMs: 3000, count: 1, from: ADDRESS.server });
    t.equal(result.code, 0, result.stderr);
    const rst = tcpReply(result.received, 9);
    t.ok(rst, 'an answer from port 9: the server accepted the SYN\'s checksum');
    if (!rst) return;
    t.equal(rst.payload.readUInt16BE(2), 40001);
    t.equal(rst.payload[13], TCP_FLAGS.RST_ACK);
    t.equal(rst.payload.readUInt32BE(8), 1001, 'acknowledges our SYN');
    t.equal(rst.source, ADDRESS.server);
    t.equal(rst.destination, ADDRESS.client);
    t.equal(rst.hopLimit, SERVER_HOP_LIMIT - 1);
    // net.ipv6.auto_flowlabels (1 by default): the server's kernel labels its RST.
    t.ok(rst.flowLabel > 0 && rst.flowLabel <= 0xfffff, `the host's RST carries a flow label (${rst.flowLabel})`);
  });

  t.test('a SYN to a listening port: a SYN-ACK with hop limit 63', async (t) => {
    const listener = lab.start(lab.server, process.execPath, ['-e', "require('net').createServer().listen(443, '::', () => console.log('listening'))"]);
    t.teardown(() => {
      if (listener.pid && listener.exitCode === null) process.kill(listener.pid, 'SIGKILL');
    });
    const [chunk] = (await once(listener.stdout!, 'data')) as [Buffer];
    t.equal(chunk.toString().trim(), 'listening');
    const result = await runAgent(inClient, { protocol: 6, sends: sends(tcpSyn(40002, 443, 5000), 64), waitMs: 3000, count: 1, from: ADDRESS.server });
    t.equal(result.code, 0, result.stderr);
    const synAck = tcpReply(result.received, 443);
    t.ok(synAck, 'an answer from port 443');
    if (!synAck) return;
    t.equal(synAck.payload[13], TCP_FLAGS.SYN_ACK);
    t.equal(synAck.payload.readUInt32BE(8), 5001);
    t.equal(synAck.hopLimit, SERVER_HOP_LIMIT - 1);
  });

  t.test('a flow label given to send() is the one on the wire (a leased label), with a correct TCP checksum', async (t) => {
    const capture = lab.start(lab.server, 'tcpdump', ['-i', 's0', '-nn', '-vv', '-l', '--immediate-mode', '-c', '1', 'ip6 and tcp dst port 7']);
    t.teardown(() => {
      if (capture.pid && capture.exitCode === null) process.kill(capture.pid, 'SIGKILL');
    });
    let text = '';
    capture.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    let stderr = '';
    // Listened for from the start: tcpdump (-c 1) may well exit while the agent still runs.
    const closed = once(capture, 'close');
    await new Promise<void>((resolve, reject) => {
      capture.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); if (stderr.includes('listening on')) resolve(); });
      closed.then(([code]) => reject(new Error(`tcpdump exited (${String(code)}) before listening: ${stderr.trim()}`)), reject);
    });
    const result = await runAgent(inClient, { protocol: 6, sends: sends(tcpSyn(40003, 7, 9000), 64, ADDRESS.server, 0x12345), waitMs: 3000, count: 1, from: ADDRESS.server });
    t.equal(result.code, 0, result.stderr);
    // The SYN was sent; a tcpdump that saw nothing is stopped after 10 s and the checks below fail.
    const stop = setTimeout(() => capture.kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(stop);
    t.match(text, /flowlabel 0x12345, hlim 63, next-header TCP/, 'the label and the hop limit (64 less the router)');
    t.match(text, /cksum 0x[0-9a-f]+ \(correct\)/, 'the kernel filled the checksum');
  });

  t.test('a RST forged by ip6tables on the router arrives with the router\'s hop limit, not the server\'s 63', async (t) => {
    lab.exec(lab.router, 'ip6tables', ['-A', 'FORWARD', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    t.teardown(() => lab.exec(lab.router, 'ip6tables', ['-D', 'FORWARD', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']));
    const result = await runAgent(inClient, { protocol: 6, sends: sends(tcpSyn(40004, 22, 7000), 64), waitMs: 3000, count: 1, from: ADDRESS.server });
    t.equal(result.code, 0, result.stderr);
    const rst = tcpReply(result.received, 22);
    t.ok(rst, 'an answer "from" port 22');
    if (!rst) return;
    t.equal(rst.payload[13], TCP_FLAGS.RST_ACK);
    t.equal(rst.payload.readUInt32BE(8), 7001);
    t.equal(rst.source, ADDRESS.server, 'forged: it claims the server\'s address');
    // nf_send_reset6 takes ip6_dst_hoplimit() of its route back: the outgoing interface's
    // hop_limit, which the router's net.ipv6.conf.default.hop_limit set to 255 - the router's own
    // setting, the same its ICMPv6 errors carry. Sent by the adjacent router: no decrement.
    t.equal(rst.hopLimit, ROUTER_HOP_LIMIT);
    // nf_reject_ip6hdr_put writes flow label 0: a second sign the host did not send it.
    t.equal(rst.flowLabel, 0, 'no flow label');
  });

  t.test('the traffic class as it arrived: a DSCP rewrite on the path shows', async (t) => {
    const rule = ['-t', 'mangle', '-A', 'FORWARD', '-p', 'ipv6-icmp', '-d', ADDRESS.client, '-j', 'DSCP', '--set-dscp', '46'];
    lab.exec(lab.router, 'ip6tables', rule);
    t.teardown(() => lab.exec(lab.router, 'ip6tables', rule.map((word) => (word === '-A' ? '-D' : word))));
    const result = await runAgent(inClient, { protocol: 58, sends: sends(echoRequest(0x7470, 4), 64), waitMs: 3000, count: 1, from: ADDRESS.server });
    t.equal(result.code, 0, result.stderr);
    const reply = result.received[0];
    t.equal(reply?.payload[0], 129, 'the echo reply');
    t.equal(reply?.trafficClass, 46 << 2, 'DSCP 46 (EF), ECN 0');
    t.ok((reply?.flowLabel ?? 0) > 0, 'the server labelled its reply');
  });

  t.test('reading keeps the process alive until the last listener is removed', async (t) => {
    const wrapper = new URL('../../dist/src/transport/raw6.js', import.meta.url).href;
    const run = (body: string): { code: number | null; signal: string | null } => {
      const result = spawnSync('ip', ['netns', 'exec', lab.client, 'env', '-u', 'NODE_OPTIONS', process.execPath, '--input-type=module', '-e', `import { openRaw6 } from ${JSON.stringify(wrapper)}; const socket = openRaw6(58); ${body}`], { timeout: 3000, killSignal: 'SIGKILL' });
      return { code: result.status, signal: result.signal };
    };
    t.same(run('socket.onPacket(() => {});'), { code: null, signal: 'SIGKILL' }, 'a listener keeps it reading (killed at the timeout)');
    t.same(run('const off = socket.onPacket(() => {}); off();'), { code: 0, signal: null }, 'removed: the event loop ends');
    t.same(run('socket.onPacket(() => {}); socket.close();'), { code: 0, signal: null }, 'closed: the event loop ends');
  });

  t.test('without CAP_NET_RAW: one line, EnvironmentError, exit 3', async (t) => {
    const result = await runAgent([...inClient, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'], { protocol: 58, sends: [], waitMs: 0 });
    t.equal(result.code, 3, result.stderr);
    t.match(result.error, { name: 'EnvironmentError', code: 'ERR_NO_PRIVILEGE' });
    t.equal(result.error?.message, 'cannot open an IPv6 raw socket (socket: EPERM (Operation not permitted)): raw sockets need root or CAP_NET_RAW: run it with sudo, or grant the capability once with `sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"`');
  });
});
