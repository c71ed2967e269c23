import { isIPv6Literal, parseIPv4 } from '../packet/address.js';
import type { FamilyChoice } from './resolve.js';
import { looksLikeAddressSet } from './blocks.js';

/** Which families' sockets a run opens (src/transport/open.ts opens them). */
export interface FamilyNeeds {
  ipv4: boolean;
  /** 'required': fail without IPv6; 'optional': go on without it (names then fall back to IPv4); false: never open. */
  ipv6: 'required' | 'optional' | false;
}

/**
 * The families a run needs, decided before anything is resolved (sockets
 * open before privileges drop, and names resolve after): -4 / -6 decide
 * alone; else IPv4 literals need IPv4, IPv6 literals IPv6, and a name (or an
 * audit file, read later) needs IPv4 and takes IPv6 when the machine has it.
 * So a run of IPv4 targets never opens an IPv6 socket. Pure.
 */
export function familiesNeeded(targets: readonly string[], hasTargetsFile: boolean, family: FamilyChoice): FamilyNeeds {
  if (family === 4) return { ipv4: true, ipv6: false };
  if (family === 6) return { ipv4: false, ipv6: 'required' };
  let ipv4 = hasTargetsFile;
  let ipv6: FamilyNeeds['ipv6'] = hasTargetsFile ? 'optional' : false;
  for (const given of targets) {
    const whole = given.trim();
    // A block is of its base address's family.
    const text = whole.includes('/') ? whole.slice(0, whole.indexOf('/')) : whole;
    const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    if (bare.includes(':') && isIPv6Literal(bare)) ipv6 = 'required';
    else if (parseIPv4(text) !== null || looksLikeAddressSet(whole)) ipv4 = true;
    else {
      ipv4 = true;
      if (ipv6 === false) ipv6 = 'optional';
    }
  }
  // Nothing usable (no target at all is refused earlier): IPv4 alone.
  if (!ipv4 && ipv6 === false) ipv4 = true;
  return { ipv4, ipv6 };
}
