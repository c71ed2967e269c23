import { addressWords } from '../packet/address.js';
import { cookie, type CookieKey } from './cookie.js';
import type { ProbeFlow } from './module.js';

/** Separates flow-label cookies from SYN and echo cookies under the same key. */
const LABEL_DOMAIN = 0xf1a0;

/**
 * The IPv6 flow label of every probe of one run to one target: a keyed hash
 * of the addresses and the run's flow identifier, never the probe kind, the
 * port or the tag. So a balancer hashing on (source, destination, label), as
 * RFC 6438 suggests, keeps the echoes and the SYNs of a target on one path
 * across ports and TTLs (Paris traceroute's rule), while another run, under
 * another key, gets another label. Never 0 (0 means "no label").
 */
export function flowLabelOf(key: CookieKey, flow: ProbeFlow): number {
  const label = cookie(key, [...addressWords(flow.source), ...addressWords(flow.destination), ((LABEL_DOMAIN << 16) | flow.flowId) >>> 0]) & 0xfffff;
  return label === 0 ? 1 : label;
}
