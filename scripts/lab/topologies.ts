/**
 * Named lab topologies. Each returns the chain to build, the address to probe
 * from the client, and a one-paragraph description.
 *
 * Addressing (see lab.ts): with n routers the client is 198.18.1.1, the router
 * at hop h answers from 198.18.h.2 and the server is 198.18.(n+1).2.
 */
import type { ChainSpec, NodeSpec } from './lab.js';

export interface Topology {
  spec: ChainSpec;
  target: string;
  description: string;
}

const FORGE_RST_22 = '-A FORWARD -p tcp --dport 22 -j REJECT --reject-with tcp-reset';

/** client - r1 - firewall(r2, forges RSTs for 22) - r3 - server(198.18.4.2, listens 443; 80 closed) */
export function article(): Topology {
  return {
    spec: {
      routers: [{}, { iptables: [FORGE_RST_22] }, {}],
      server: { listen: [443] },
    },
    target: '198.18.4.2',
    description:
      'client 198.18.1.1 - router 198.18.1.2 - firewall 198.18.2.2 (forges TCP RSTs for port 22) - ' +
      'router 198.18.3.2 - server 198.18.4.2 (listens on 443; 80 is closed, so its kernel answers RST). ' +
      'Every node uses the Linux default TTL 64.',
  };
}

/** article(), but the firewall sends with TTL 255 and the server with TTL 128. */
export function ttlMix(): Topology {
  const base = article();
  const routers = base.spec.routers.map((r) => ({ ...r })) as NodeSpec[];
  routers[1] = { ...routers[1], defaultTtl: 255 };
  return {
    spec: { routers, server: { ...base.spec.server, defaultTtl: 128 } },
    target: base.target,
    description:
      'client 198.18.1.1 - router 198.18.1.2 - firewall 198.18.2.2 (initial TTL 255, network-gear-like; ' +
      'forges TCP RSTs for port 22) - router 198.18.3.2 - server 198.18.4.2 (initial TTL 128, Windows-like; ' +
      'listens on 443, 80 closed).',
  };
}

/** article(), plus r1 drops forwarded ICMP echo requests (the target does not answer ping). */
export function pingDropped(): Topology {
  const base = article();
  const routers = base.spec.routers.map((r) => ({ ...r })) as NodeSpec[];
  routers[0] = { ...routers[0], iptables: ['-A FORWARD -p icmp --icmp-type echo-request -j DROP'] };
  return {
    spec: { routers, server: { ...base.spec.server } },
    target: base.target,
    description:
      'client 198.18.1.1 - router 198.18.1.2 (drops forwarded ICMP echo requests) - firewall 198.18.2.2 ' +
      '(forges TCP RSTs for port 22) - router 198.18.3.2 - server 198.18.4.2 (listens on 443, 80 closed). ' +
      'Nothing beyond the first router answers ping.',
  };
}

/** The firewall answers 22 with ICMP administratively prohibited and silently drops 8080. */
export function adminProhibited(): Topology {
  return {
    spec: {
      routers: [
        {},
        {
          iptables: [
            '-A FORWARD -p tcp --dport 22 -j REJECT --reject-with icmp-admin-prohibited',
            '-A FORWARD -p tcp --dport 8080 -j DROP',
          ],
        },
        {},
      ],
      server: { listen: [443] },
    },
    target: '198.18.4.2',
    description:
      'client 198.18.1.1 - router 198.18.1.2 - firewall 198.18.2.2 (answers port 22 with ICMP ' +
      'administratively prohibited, silently drops 8080) - router 198.18.3.2 - server 198.18.4.2 (listens on 443).',
  };
}

/** A load balancer VIP (198.18.2.2) DNATs 443 to the server behind it; the VIP answers ping itself. */
export function dnatLoadBalancer(): Topology {
  return {
    spec: {
      routers: [
        {},
        {
          iptables: ['-t nat -A PREROUTING -d 198.18.2.2 -p tcp --dport 443 -j DNAT --to-destination 198.18.4.2'],
        },
        {},
      ],
      server: { listen: [443] },
    },
    target: '198.18.2.2',
    description:
      'client 198.18.1.1 - router 198.18.1.2 - load balancer 198.18.2.2 (the VIP: answers ping itself, ' +
      'DNATs TCP 443 to 198.18.4.2) - router 198.18.3.2 - server 198.18.4.2 (listens on 443). ' +
      'Port 443 of the VIP is really answered two hops further away.',
  };
}

/** Nine routers; the firewall at hop 6 forges RSTs for 22 and drops 3306 and 5432; server 198.18.10.2. */
export function nineRouters(): Topology {
  const routers: NodeSpec[] = Array.from({ length: 9 }, () => ({}));
  routers[5] = {
    iptables: [FORGE_RST_22, '-A FORWARD -p tcp --dport 3306 -j DROP', '-A FORWARD -p tcp --dport 5432 -j DROP'],
  };
  return {
    spec: { routers, server: { listen: [443, 8443] } },
    target: '198.18.10.2',
    description:
      'client 198.18.1.1 - routers 198.18.1.2 .. 198.18.5.2 - firewall 198.18.6.2 (hop 6: forges TCP RSTs ' +
      'for port 22, silently drops 3306 and 5432) - routers 198.18.7.2 .. 198.18.9.2 - server 198.18.10.2 ' +
      '(listens on 443 and 8443).',
  };
}

/**
 * Five routers and header rewriters in `-t mangle -A FORWARD` (issue 15): r2 clamps the MSS of SYNs to 1200 and
 * sets DSCP 46; r3 strips SACK-permitted and timestamps and removes ECN negotiation (ECE/CWR); r4 forges RSTs for
 * 22. A Linux router quotes our packet before its own FORWARD rules run, so r2's changes show in r3's quote.
 */
export function rewriters(): Topology {
  const routers: NodeSpec[] = [
    {},
    {
      iptables: [
        '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1200',
        '-t mangle -A FORWARD -p tcp -d 198.18.6.2 -j DSCP --set-dscp 46',
      ],
    },
    {
      iptables: [
        '-t mangle -A FORWARD -p tcp -j TCPOPTSTRIP --strip-options sack-permitted,timestamp',
        '-t mangle -A FORWARD -p tcp -j ECN --ecn-tcp-remove',
      ],
    },
    { iptables: [FORGE_RST_22] },
    {},
  ];
  return {
    spec: { routers, server: { listen: [443] } },
    target: '198.18.6.2',
    description:
      'client 198.18.1.1 - router 198.18.1.2 - r2 198.18.2.2 (clamps SYN MSS to 1200, sets DSCP 46 toward the server) - ' +
      'r3 198.18.3.2 (strips SACK-permitted and timestamps, removes ECE/CWR) - firewall 198.18.4.2 (forges RSTs for 22) - ' +
      'router 198.18.5.2 - server 198.18.6.2 (listens on 443; 80 closed).',
  };
}

/**
 * A TTL normaliser at r2 (`-t mangle -A FORWARD -j TTL --ttl-set 64`), both ways: every reply from past it arrives
 * as if sent from hop 2, so the firewall r3's forged RST for 22 and the server's replies look alike.
 */
export function ttlRewriteBoth(): Topology {
  return {
    spec: {
      routers: [{}, { iptables: ['-t mangle -A FORWARD -j TTL --ttl-set 64'] }, { iptables: [FORGE_RST_22] }],
      server: { listen: [443] },
    },
    target: '198.18.4.2',
    description:
      'client 198.18.1.1 - router 198.18.1.2 - r2 198.18.2.2 (resets the TTL of everything it forwards to 64) - ' +
      'firewall 198.18.3.2 (forges RSTs for 22) - server 198.18.4.2 (listens on 443; 80 closed).',
  };
}

/** As ttlRewriteBoth, but r2 resets the TTL only of packets toward the server (our probes): the replies stay honest. */
export function ttlRewriteForward(): Topology {
  const base = ttlRewriteBoth();
  const routers = base.spec.routers.map((r) => ({ ...r })) as NodeSpec[];
  routers[1] = { iptables: ['-t mangle -A FORWARD -d 198.18.4.2 -j TTL --ttl-set 64'] };
  return {
    spec: { routers, server: { ...base.spec.server } },
    target: base.target,
    description: base.description.replace('resets the TTL of everything it forwards to 64', 'resets the TTL of packets toward the server to 64'),
  };
}

/** r2 source-NATs the client to its own address 198.18.3.1 toward the server (Linux: the quotes are translated back). */
export function snat(): Topology {
  return {
    spec: {
      routers: [{}, { iptables: ['-t nat -A POSTROUTING -s 198.18.1.1 -d 198.18.4.2 -j SNAT --to-source 198.18.3.1'] }, {}],
      server: { listen: [443] },
    },
    target: '198.18.4.2',
    description:
      'client 198.18.1.1 - router 198.18.1.2 - r2 198.18.2.2 (SNAT: the client appears as 198.18.3.1 beyond it) - ' +
      'router 198.18.3.2 - server 198.18.4.2 (listens on 443; 80 closed).',
  };
}

/** Every topology by name (for scripts that take a topology name on the command line). */
export const topologies = {
  article,
  ttlMix,
  pingDropped,
  adminProhibited,
  dnatLoadBalancer,
  nineRouters,
  rewriters,
  ttlRewriteBoth,
  ttlRewriteForward,
  snat,
} as const satisfies Record<string, () => Topology>;

export type TopologyName = keyof typeof topologies;

const FORGE_RST_22_V6 = '-A FORWARD -p tcp --dport 22 -j REJECT --reject-with tcp-reset';
const PROHIBIT_8080_V6 = '-A FORWARD -p tcp --dport 8080 -j REJECT --reject-with icmp6-adm-prohibited';
const DROP_3000S_V6 = '-A FORWARD -p tcp --dport 3000:3009 -j DROP';

/**
 * The article's chain in both families: the firewall (hop 2) forges RSTs for 22 over IPv4 and
 * IPv6; over IPv6 it also answers 8080 with ICMPv6 administratively prohibited and drops
 * 3000-3009. Its hop limit is set to 64 on purpose: ip6tables' forged RST takes the outgoing
 * interface's hop limit, and 64 is what the article's firewall used. The client resolves
 * `server.lab` to both of the server's addresses (IPv6 listed first).
 */
export function article6(options: { firewallHopLimit?: number; serverHopLimit?: number } = {}): Topology {
  return {
    spec: {
      ipv6: true,
      serverName: 'server.lab',
      routers: [
        {},
        {
          iptables: [FORGE_RST_22, '-A FORWARD -p tcp --dport 8080 -j REJECT --reject-with icmp-admin-prohibited', '-A FORWARD -p tcp --dport 3000:3009 -j DROP'],
          ip6tables: [FORGE_RST_22_V6, PROHIBIT_8080_V6, DROP_3000S_V6],
          hopLimit: options.firewallHopLimit ?? 64,
        },
        {},
      ],
      server: { listen: [443], ...(options.serverHopLimit !== undefined ? { hopLimit: options.serverHopLimit } : {}) },
    },
    target: '2001:2:0:4::2',
    description:
      'dual stack: client 198.18.1.1 / 2001:2:0:1::1 - router - firewall 198.18.2.2 / 2001:2:0:2::2 (forges RSTs for 22; ' +
      'IPv6: 8080 administratively prohibited, 3000-3009 dropped) - router - server 198.18.4.2 / 2001:2:0:4::2 ' +
      '(listens on 443, 80 closed), known to the client as server.lab.',
  };
}

/**
 * rewriters() in both families (issue 15 over IPv6): over IPv6 r2 clamps the MSS of SYNs to 1200 and sets DSCP 46
 * in the traffic class, r3 strips SACK-permitted and timestamps (ip6tables TCPMSS, DSCP, TCPOPTSTRIP; the ECN
 * target is IPv4 only, so IPv6's ECE/CWR pass), r4 forges RSTs for 22. Target: the server's IPv6 address.
 */
export function rewriters6(): Topology {
  const base = rewriters();
  const ip6tables: string[][] = [
    [],
    ['-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1200', '-t mangle -A FORWARD -p tcp -d 2001:2:0:6::2 -j DSCP --set-dscp 46'],
    ['-t mangle -A FORWARD -p tcp -j TCPOPTSTRIP --strip-options sack-permitted,timestamp'],
    [FORGE_RST_22_V6],
    [],
  ];
  const routers = base.spec.routers.map((router, index): NodeSpec => ({ ...router, ip6tables: ip6tables[index] ?? [] }));
  return {
    spec: { ipv6: true, routers, server: { ...base.spec.server } },
    target: '2001:2:0:6::2',
    description: `dual stack, IPv6 addresses 2001:2:0:k::/64 per link; ${base.description.replace('removes ECE/CWR', 'removes ECE/CWR over IPv4 only')}`,
  };
}

/** ttlRewriteBoth() in both families: r2 also resets the hop limit of every IPv6 packet it forwards (ip6tables HL --hl-set 64). */
export function ttlRewriteBoth6(): Topology {
  const base = ttlRewriteBoth();
  const ip6tables: string[][] = [[], ['-t mangle -A FORWARD -j HL --hl-set 64'], [FORGE_RST_22_V6]];
  const routers = base.spec.routers.map((router, index): NodeSpec => ({ ...router, ip6tables: ip6tables[index] ?? [] }));
  return {
    spec: { ipv6: true, routers, server: { ...base.spec.server } },
    target: '2001:2:0:4::2',
    description: `dual stack; ${base.description.replace('resets the TTL of everything it forwards to 64', 'resets the TTL and the hop limit of everything it forwards to 64')}`,
  };
}

/** What `ttl-probe idle`'s firewall does with a connection it has forgotten. */
export type IdleFirewallMode = 'rst' | 'drop' | 'icmp';

/** A topology plus the sysctls to set in its router namespaces once built (hop -> `key=value` lines). */
export interface IdleTopology extends Topology {
  routerSysctls: Record<number, string[]>;
  /** The firewall's hop. */
  firewallHop: number;
}

/**
 * The article's chain with a stateful firewall at hop 2 that forgets established connections after
 * `timeoutS` seconds idle (nf_conntrack_tcp_timeout_established, with nf_conntrack_tcp_loose=0 so a
 * forgotten connection's next segment is INVALID instead of re-adopted), then answers that segment
 * with a forged RST (`rst`, REJECT --reject-with tcp-reset), with ICMP administratively prohibited
 * (`icmp`), or drops it (`drop`). The server's
 * listeners are the test's own (they hold connections open), so the spec starts none.
 */
export function idleFirewall(mode: IdleFirewallMode, timeoutS: number, options: { ipv6?: boolean } = {}): IdleTopology {
  const verdict = mode === 'rst' ? 'REJECT --reject-with tcp-reset' : mode === 'icmp' ? 'REJECT --reject-with icmp-admin-prohibited' : 'DROP';
  const verdict6 = mode === 'rst' ? 'REJECT --reject-with tcp-reset' : mode === 'icmp' ? 'REJECT --reject-with icmp6-adm-prohibited' : 'DROP';
  const ipv6 = options.ipv6 === true;
  return {
    spec: {
      ...(ipv6 ? { ipv6: true } : {}),
      routers: [
        {},
        {
          iptables: [`-A FORWARD -p tcp -m conntrack --ctstate INVALID -j ${verdict}`],
          ...(ipv6 ? { ip6tables: [`-A FORWARD -p tcp -m conntrack --ctstate INVALID -j ${verdict6}`] } : {}),
        },
        {},
      ],
      server: {},
    },
    target: ipv6 ? '2001:2:0:4::2' : '198.18.4.2',
    // The same conntrack (and so the same timeout and loose setting) tracks both families.
    routerSysctls: { 2: [`net.netfilter.nf_conntrack_tcp_timeout_established=${timeoutS}`, 'net.netfilter.nf_conntrack_tcp_loose=0'] },
    firewallHop: 2,
    description:
      `${ipv6 ? 'dual stack (IPv6 2001:2:0:k::/64 per link, target 2001:2:0:4::2): ' : ''}client 198.18.1.1 - router 198.18.1.2 - stateful firewall 198.18.2.2 (forgets idle connections after ${timeoutS} s, ` +
      `then ${mode === 'rst' ? 'forges a RST for their next segment' : mode === 'icmp' ? 'answers their next segment with ICMP administratively prohibited' : 'drops their segments'}) - router 198.18.3.2 - server 198.18.4.2.`,
  };
}

/**
 * The article's chain without any firewall: for `ttl-probe idle` against a server whose own
 * application closes idle connections (the test's listeners), and a path that keeps them.
 */
export function idleServer(options: { ipv6?: boolean } = {}): IdleTopology {
  const ipv6 = options.ipv6 === true;
  return {
    spec: { ...(ipv6 ? { ipv6: true } : {}), routers: [{}, {}, {}], server: {} },
    target: ipv6 ? '2001:2:0:4::2' : '198.18.4.2',
    routerSysctls: {},
    firewallHop: 0,
    description: 'client 198.18.1.1 - three routers without state - server 198.18.4.2 (its listeners are the test\'s own).',
  };
}

/** dnatLoadBalancer() in both families: over IPv6 the VIP 2001:2:0:2::2 DNATs 443 to the server 2001:2:0:4::2 (ip6tables nat). */
export function dnatLoadBalancer6(): Topology {
  const base = dnatLoadBalancer();
  const ip6tables: string[][] = [[], ['-t nat -A PREROUTING -d 2001:2:0:2::2 -p tcp --dport 443 -j DNAT --to-destination 2001:2:0:4::2'], []];
  const routers = base.spec.routers.map((router, index): NodeSpec => ({ ...router, ip6tables: ip6tables[index] ?? [] }));
  return {
    spec: { ipv6: true, routers, server: { ...base.spec.server } },
    target: '2001:2:0:2::2',
    description: `dual stack; ${base.description} Over IPv6 the same with 2001:2:0:2::2 and 2001:2:0:4::2.`,
  };
}

/** The block the fleet topology's server answers for (every address local to it). */
export const FLEET_BLOCK = '198.19.0.0/24';

/**
 * A fleet behind the article's firewall: the server answers for every address of a block
 * (`ip route add local BLOCK dev lo`, added with the routers' routes to it by
 * scripts/lab/blocks.ts), listening on 443 everywhere, 22 closed. The firewall at hop 2 forges
 * RSTs for 22 to the first quarter (.0-.63), reports .128 unreachable (ICMP host unreachable to
 * TCP; echo still answered) and drops everything to the last quarter (.192-.255: silent hosts).
 */
export function fleet(block = FLEET_BLOCK): Topology {
  const base = block.slice(0, block.lastIndexOf('.'));
  return {
    spec: {
      routers: [
        {},
        {
          iptables: [
            `-A FORWARD -d ${base}.0/26 -p tcp --dport 22 -j REJECT --reject-with tcp-reset`,
            `-A FORWARD -d ${base}.128/32 -p tcp -j REJECT --reject-with icmp-host-unreachable`,
            `-A FORWARD -d ${base}.192/26 -j DROP`,
          ],
        },
        {},
      ],
      server: { listen: [443] },
    },
    target: block,
    description:
      `client 198.18.1.1 - router - firewall 198.18.2.2 (forges RSTs for 22 to ${base}.0/26, answers TCP to ${base}.128 ` +
      `with ICMP host unreachable, drops ${base}.192/26) - router - server 198.18.4.2 answering for all of ${block} (443 open, 22 closed).`,
  };
}
