/**
 * What a chain of namespaces is made of, as data: the spec and its checks,
 * the namespace names, the veth links, each node's addresses and routes, its
 * sysctls and its firewall commands. Pure; lab.ts runs them.
 *
 * Addressing contract: node 0 is the client, nodes 1..n the routers, node n+1
 * the server. Link k (1..n+1) joins node k-1 (198.18.k.1, its eth1) and node k
 * (198.18.k.2, its eth0). Only addresses from LAB_SUPERNET are ever produced.
 */

export interface NodeSpec {
  /** sysctl net.ipv4.ip_default_ttl in that namespace (e.g. 128 Windows-like, 255 network gear) */
  defaultTtl?: number;
  /** each an iptables argument string run in that namespace; split on whitespace */
  iptables?: string[];
  /** TCP ports a real listener (accepts and closes) serves inside the namespace, over both families */
  listen?: number[];
  /** IPv6 chains: net.ipv6.conf.{all,default,eth0,eth1}.hop_limit (ip6tables' forged RSTs take the outgoing interface's) */
  hopLimit?: number;
  /** IPv6 chains: each an ip6tables argument string run in that namespace */
  ip6tables?: string[];
}

export interface ChainSpec {
  routers: NodeSpec[];
  server: NodeSpec;
  client?: NodeSpec;
  /**
   * Dual stack: every link k also gets 2001:2:0:k::/64 (RFC 5180, benchmarking), node k-1 ::1 and
   * node k ::2 on it, mirroring 198.18.k.0/24; no DAD, no RAs, forwarding on the routers.
   */
  ipv6?: boolean;
  /** A name the client resolves to the server's addresses (both families when ipv6), through /etc/netns/CLIENT/hosts. */
  serverName?: string;
}

/** The IPv6 block of dual-stack labs (RFC 5180). */
export const LAB_SUPERNET6 = '2001:2::/48';

/** The only address block the lab ever uses. */
export const LAB_SUPERNET = '198.18.0.0/15';
/** Highest router count the addressing scheme (198.18.k.0/24, k <= 255) allows. */
export const MAX_ROUTERS = 254;

/** Throws with the node and the reason when a spec cannot be built. */
export function validateSpec(spec: ChainSpec): void {
  const n = spec.routers.length;
  if (!Number.isInteger(n) || n > MAX_ROUTERS) {
    throw new Error(`lab: between 0 and ${MAX_ROUTERS} routers are supported (got ${n})`);
  }
  chainNodes(spec).forEach((node, k) => {
    if (node.defaultTtl !== undefined && !(Number.isInteger(node.defaultTtl) && node.defaultTtl >= 1 && node.defaultTtl <= 255)) {
      throw new Error(`lab: node ${k}: defaultTtl must be an integer 1..255 (got ${node.defaultTtl})`);
    }
    for (const port of node.listen ?? []) {
      if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) {
        throw new Error(`lab: node ${k}: invalid listen port ${port}`);
      }
    }
    for (const rule of node.iptables ?? []) {
      if (typeof rule !== 'string' || rule.trim() === '') throw new Error(`lab: node ${k}: empty iptables rule`);
    }
    if ((node.hopLimit !== undefined || (node.ip6tables ?? []).length > 0) && spec.ipv6 !== true) {
      throw new Error(`lab: node ${k}: hopLimit and ip6tables need ipv6: true`);
    }
    if (node.hopLimit !== undefined && !(Number.isInteger(node.hopLimit) && node.hopLimit >= 1 && node.hopLimit <= 255)) {
      throw new Error(`lab: node ${k}: hopLimit must be an integer 1..255 (got ${node.hopLimit})`);
    }
  });
  if (spec.serverName !== undefined && !/^[a-z][a-z0-9.-]*$/.test(spec.serverName)) throw new Error(`lab: invalid serverName ${spec.serverName}`);
}

/** `ip -batch` lines giving node k of a dual-stack chain its IPv6 addresses and routes (the family inferred from the addresses). */
export function addresses6AndRoutes(k: number, n: number): string[] {
  const lines: string[] = [];
  if (k >= 1) lines.push(`addr add 2001:2:0:${k}::2/64 dev eth0 nodad`);
  if (k <= n) lines.push(`addr add 2001:2:0:${k + 1}::1/64 dev eth1 nodad`);
  if (k === 0) {
    lines.push(`route add ${LAB_SUPERNET6} via 2001:2:0:1::2 dev eth1`);
  } else if (k <= n) {
    lines.push(`route add ${LAB_SUPERNET6} via 2001:2:0:${k}::1 dev eth0`);
    for (let j = k + 2; j <= n + 1; j++) lines.push(`route add 2001:2:0:${j}::/64 via 2001:2:0:${k + 1}::2 dev eth1`);
  } else {
    lines.push(`route add ${LAB_SUPERNET6} via 2001:2:0:${k}::1 dev eth0`);
  }
  return lines;
}

/** IPv6 sysctls of node k, set before its addresses: no DAD (addresses usable at once), no RAs, forwarding on routers, the node's hop limit. */
export function sysctls6Of(k: number, n: number, node: NodeSpec): string[] {
  const devices = ['all', 'default', 'lo', ...(k >= 1 ? ['eth0'] : []), ...(k <= n ? ['eth1'] : [])];
  const settings = devices.flatMap((dev) => [`net.ipv6.conf.${dev}.accept_dad=0`, `net.ipv6.conf.${dev}.accept_ra=0`]);
  if (k >= 1 && k <= n) settings.push('net.ipv6.conf.all.forwarding=1');
  if (node.hopLimit !== undefined) settings.push(...devices.filter((dev) => dev !== 'lo').map((dev) => `net.ipv6.conf.${dev}.hop_limit=${node.hopLimit}`));
  return settings;
}

/** The hosts file that gives the client a name for the server (IPv6 first, as getaddrinfo would sort it anyway). */
export function hostsFile(spec: ChainSpec): string | null {
  if (spec.serverName === undefined) return null;
  const n = spec.routers.length;
  const lines = ['127.0.0.1 localhost', '::1 localhost'];
  if (spec.ipv6) lines.push(`2001:2:0:${n + 1}::2 ${spec.serverName}`);
  lines.push(`198.18.${n + 1}.2 ${spec.serverName}`);
  return `${lines.join('\n')}\n`;
}

/** The nodes in chain order: client, routers, server. */
export function chainNodes(spec: ChainSpec): NodeSpec[] {
  return [spec.client ?? {}, ...spec.routers, spec.server];
}

export function needsIptables(spec: ChainSpec): boolean {
  return chainNodes(spec).some((node) => (node.iptables ?? []).length > 0);
}

/**
 * A prefix no existing namespace starts with: "tp", the pid and a per-process
 * counter (so two labs of one process differ), and two random characters (so
 * two processes that reuse a pid differ). `random` gives 16-bit values.
 */
export function choosePrefix(pid: number, nextCount: () => number, random: () => number, existing: readonly string[]): string {
  for (;;) {
    const rand = random().toString(36).padStart(2, '0').slice(-2);
    const prefix = `tp${pid.toString(36)}${nextCount().toString(36)}${rand}`;
    if (!existing.some((ns) => ns.startsWith(prefix))) return prefix;
  }
}

/** Namespace names of a chain with n routers: PREFIXc, PREFIXr1..PREFIXrn, PREFIXs. */
export function namespaceNames(prefix: string, n: number): string[] {
  const names = [`${prefix}c`];
  for (let k = 1; k <= n; k++) names.push(`${prefix}r${k}`);
  names.push(`${prefix}s`);
  return names;
}

/** `ip` arguments creating each link, directly inside the namespaces: eth1 in node k-1, its peer eth0 in node k. */
export function linkCommands(names: readonly string[]): string[][] {
  return names.slice(0, -1).map((ns, k) => ['-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', names[k + 1]!]);
}

/** `ip -batch` lines giving node k of a chain with n routers its addresses and routes. */
export function addressesAndRoutes(k: number, n: number): string[] {
  const lines = ['link set lo up'];
  if (k >= 1) lines.push(`addr add 198.18.${k}.2/24 dev eth0`, 'link set eth0 up');
  if (k <= n) lines.push(`addr add 198.18.${k + 1}.1/24 dev eth1`, 'link set eth1 up');
  if (k === 0) {
    lines.push(`route add ${LAB_SUPERNET} via 198.18.1.2 dev eth1`);
  } else if (k <= n) {
    lines.push(`route add ${LAB_SUPERNET} via 198.18.${k}.1 dev eth0`);
    for (let j = k + 2; j <= n + 1; j++) lines.push(`route add 198.18.${j}.0/24 via 198.18.${k + 1}.2 dev eth1`);
  } else {
    lines.push(`route add ${LAB_SUPERNET} via 198.18.${k}.1 dev eth0`);
  }
  return lines;
}

/** The sysctls of node k: routers forward; a node's default TTL when the spec sets one. */
export function sysctlsOf(k: number, n: number, node: NodeSpec): string[] {
  const sysctls: string[] = [];
  if (k >= 1 && k <= n) sysctls.push('net.ipv4.ip_forward=1');
  if (node.defaultTtl !== undefined) sysctls.push(`net.ipv4.ip_default_ttl=${node.defaultTtl}`);
  return sysctls;
}

/** iptables arguments of a rule, waiting for the xtables lock (nodes are configured concurrently). */
export function firewallArgs(rule: string): string[] {
  const args = rule.trim().split(/\s+/);
  if (!args.includes('-w') && !args.includes('--wait')) args.unshift('-w');
  return args;
}
