import t from 'tap';
import { probeFleet, sharedAddresses, type FleetEntry } from '../../src/run/fleet.js';
import { parseAddressSet, singleAddressSet } from '../../src/target/blocks.js';
import { exclusionOf } from '../../src/target/exclude.js';
import { parseAddress } from '../../src/packet/address.js';
import type { TargetReport } from '../../src/model/report.js';
import { fakeTransport, type FakeHost } from '../helpers/fake-network.js';

const REQUEST = { echoCount: 1, tries: 1, timeoutMs: 100, rate: 100000, trace: false, maxHops: 8 };
const one = (text: string) => singleAddressSet(parseAddress(text)!);

/** SYNs the fake network saw per destination address and port. */
function synsByTarget(sent: readonly Buffer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const packet of sent) {
    if (packet[9] !== 6) continue;
    const key = `${packet[16]}.${packet[17]}.${packet[18]}.${packet[19]}:${packet.readUInt16BE(22)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function host(address: string): FakeHost {
  return { address, echoTtl: 61, ports: { 22: { reply: 'rst', ttl: 63 }, 443: { reply: 'syn-ack', ttl: 61 } } };
}

t.test('shared addresses: only overlapping sets are walked, with the union of their ports', async (t) => {
  const entries: FleetEntry[] = [
    { target: '198.18.4.0/30', sets: [parseAddressSet('198.18.4.0/30')], ports: [22] },
    { target: '198.18.5.0/24', sets: [parseAddressSet('198.18.5.0/24')], ports: [22] },
    { target: 'db1', sets: [one('198.18.4.2')], ports: [443] },
    { target: '198.18.4.2-3', sets: [parseAddressSet('198.18.4.2-3')], ports: [80] },
    { target: 'v6', sets: [one('2001:2::1')], ports: [22] },
  ];
  const shared = sharedAddresses(entries);
  t.same(
    [...shared].map(([address, { ports, count }]) => [address, [...ports].sort((a, b) => a - b), count]),
    [
      ['198.18.4.2', [22, 80, 443], 3],
      ['198.18.4.3', [22, 80], 2],
    ],
  );
  t.same([...sharedAddresses(entries, exclusionOf([{ target: 'x', sets: [one('198.18.4.3')] }]))].map(([address]) => address), ['198.18.4.2'], 'excluded addresses are not shared');
  t.equal(sharedAddresses([{ target: 'a', sets: [parseAddressSet('198.18.0.0/16')], ports: [22] }]).size, 0, 'a lone block costs nothing');
});

t.test('a fleet: batches in entry order, each shared address probed once and reported under each entry with its own ports', async (t) => {
  const addresses = ['198.18.4.0', '198.18.4.1', '198.18.4.2', '198.18.4.3'];
  const transport = fakeTransport(addresses.map(host));
  const entries: FleetEntry[] = [
    { target: '198.18.4.0/30', sets: [parseAddressSet('198.18.4.0/30')], ports: [22] },
    { target: 'db1', sets: [one('198.18.4.1')], ports: [443] },
    { target: '198.18.4.1', sets: [one('198.18.4.1')], ports: [22, 443] },
  ];
  const reports: [number, TargetReport][] = [];
  const outcome = await probeFleet(transport, entries, { ...REQUEST, batch: 2 }, (report, index) => void reports.push([index, report]), exclusionOf([{ target: 'x', sets: [one('198.18.4.3')] }]));
  t.same(
    reports.map(([index, report]) => [index, report.target, report.address, report.ports.map((port) => `${port.port}:${port.state}`)]),
    [
      [0, '198.18.4.0/30', '198.18.4.0', ['22:closed']],
      [0, '198.18.4.0/30', '198.18.4.1', ['22:closed']],
      [0, '198.18.4.0/30', '198.18.4.2', ['22:closed']],
      [1, 'db1', '198.18.4.1', ['443:open']],
      [2, '198.18.4.1', '198.18.4.1', ['22:closed', '443:open']],
    ],
  );
  t.equal(outcome.reported, 5);
  t.equal(outcome.interrupted, false);
  const syns = synsByTarget(transport.sent);
  t.same(
    [...syns].sort(),
    [
      ['198.18.4.0:22', 1],
      ['198.18.4.1:22', 1],
      ['198.18.4.1:443', 1],
      ['198.18.4.2:22', 1],
    ],
    'one SYN per address and port: the shared address once, on the union of its ports; the excluded one never',
  );
  t.equal(transport.listeners, 0, 'every batch removed its listeners');
});

t.test('an abort stops after the running batch; its reports say which ports had no verdict', async (t) => {
  const addresses = Array.from({ length: 6 }, (_, i) => `198.18.4.${i}`);
  const transport = fakeTransport(addresses.map((address) => ({ address, echoTtl: 61, ports: { 22: { reply: 'silent' } } })));
  const controller = new AbortController();
  const reports: TargetReport[] = [];
  setTimeout(() => controller.abort(), 20);
  const outcome = await probeFleet(
    transport,
    [{ target: '198.18.4.0/29', sets: [parseAddressSet('198.18.4.0-5')], ports: [22] }],
    { ...REQUEST, timeoutMs: 1000, tries: 2, batch: 2, signal: controller.signal },
    (report) => void reports.push(report),
  );
  t.equal(outcome.interrupted, true);
  t.same(reports.map((report) => report.address), ['198.18.4.0', '198.18.4.1'], 'the batch running then, nothing after');
  t.ok(reports.every((report) => report.unfinishedPorts.includes(22)), 'no verdict claimed for the unfinished port');
});
