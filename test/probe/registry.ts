import t from 'tap';
import { IpProtocol } from '../../src/packet/ipv4.js';
import { icmpEcho } from '../../src/probe/icmp-echo.js';
import { DEFAULT_PORT_MODULE, DEFAULT_REFERENCE_MODULE, moduleForProtocol, moduleNamed, PROBE_MODULES } from '../../src/probe/registry.js';
import { tcpSyn } from '../../src/probe/tcp-syn.js';

t.test('every module has a unique name and protocol', async (t) => {
  t.same(PROBE_MODULES.map((module) => module.name), ['tcp-syn', 'icmp-echo']);
  t.equal(new Set(PROBE_MODULES.map((module) => module.name)).size, PROBE_MODULES.length);
  t.equal(new Set(PROBE_MODULES.map((module) => module.protocol)).size, PROBE_MODULES.length, 'the classifier finds a module by protocol');
});

t.test('look-ups', async (t) => {
  t.equal(moduleForProtocol(IpProtocol.TCP), tcpSyn);
  t.equal(moduleForProtocol(IpProtocol.ICMP), icmpEcho);
  t.equal(moduleForProtocol(IpProtocol.UDP), null);
  t.equal(moduleNamed('icmp-echo'), icmpEcho);
  t.equal(moduleNamed('udp'), null);
  t.equal(DEFAULT_PORT_MODULE, tcpSyn);
  t.equal(DEFAULT_REFERENCE_MODULE, icmpEcho);
});
