import type { AddressFamily, PathChangeReport, TargetReport } from '../model/report.js';

/**
 * The words for what --trace learned about the path itself (changes to our
 * SYN, a TTL rewriter, NAT), shared by the text formats so they say it alike.
 */

const OPTION_NAMES: Record<string, string> = {
  mss: 'MSS',
  'sack-permitted': 'SACK-permitted',
  timestamp: 'timestamps',
};

function optionName(token: string): string {
  const scale = /^window-scale=(\d+)$/.exec(token);
  if (scale) return `window scale ${scale[1]}`;
  return OPTION_NAMES[token] ?? token;
}

/** TCP flag names by bit (the model's own copy: formats do not import the codecs). */
const FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'FIN'], [0x02, 'SYN'], [0x04, 'RST'], [0x08, 'PSH'], [0x10, 'ACK'], [0x20, 'URG'], [0x40, 'ECE'], [0x80, 'CWR'],
];

function flagList(bits: number): string {
  return FLAGS.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name).join(',');
}

function optionsVerb(sent: string, seen: string): string {
  const before = sent === '' ? [] : sent.split(',');
  const after = seen === '' ? [] : seen.split(',');
  const stripped = before.filter((token) => !after.includes(token));
  const added = after.filter((token) => !before.includes(token));
  const parts: string[] = [];
  if (stripped.length > 0) parts.push(`strips ${stripped.map(optionName).join(', ')}`);
  if (added.length > 0) parts.push(`adds ${added.map(optionName).join(', ')}`);
  if (parts.length === 0) parts.push(`reorders the TCP options (${sent} -> ${seen})`);
  return parts.join(' and ');
}

/**
 * What the device did, as a verb phrase: "clamps MSS 1460 -> 1200", "strips
 * SACK-permitted, timestamps". `family` names the TTL as IPv6 does (hop limit).
 */
export function changeVerb(change: PathChangeReport, family: AddressFamily = 4): string {
  const { sent, seen } = change;
  switch (change.field) {
    case 'tcp.mss':
      if (seen === 'none') return 'removes the MSS option';
      if (sent === 'none') return `adds MSS ${seen}`;
      return `${Number(seen) < Number(sent) ? 'clamps' : 'changes'} MSS ${sent} -> ${seen}`;
    case 'tcp.options':
      return optionsVerb(String(sent), String(seen));
    case 'ip.dscp':
      return Number(seen) === 0 ? `clears DSCP ${sent} -> 0` : `sets DSCP ${sent} -> ${seen}`;
    case 'ip.ecn':
      return `changes the IP ECN bits ${sent} -> ${seen}`;
    case 'ip.id':
      return `rewrites the IP ID ${sent} -> ${seen}`;
    case 'ip.ttl':
      return `resets the ${family === 6 ? 'hop limit' : 'TTL'} (the next quote shows ${seen} left where ${sent} was due)`;
    case 'ip.flowLabel':
      // As tcpdump and Wireshark show it.
      return `rewrites the flow label 0x${Number(sent).toString(16).padStart(5, '0')} -> 0x${Number(seen).toString(16).padStart(5, '0')}`;
    case 'ip.source':
      return `rewrites the source address ${sent} -> ${seen} (NAT)`;
    case 'tcp.sourcePort':
      return `rewrites the source port ${sent} -> ${seen} (NAT)`;
    case 'tcp.seq':
      return `rewrites the sequence number ${sent} -> ${seen}`;
    case 'tcp.window':
      return `changes the window ${sent} -> ${seen}`;
    case 'tcp.flags': {
      const cleared = Number(sent) & ~Number(seen);
      const set = Number(seen) & ~Number(sent);
      const parts: string[] = [];
      if (cleared !== 0) parts.push(`clears ${flagList(cleared)}${(cleared & 0xc0) !== 0 ? ' (no ECN negotiation)' : ''}`);
      if (set !== 0) parts.push(`sets ${flagList(set)}`);
      return `${parts.join(' and ')} in the TCP flags`;
    }
  }
}

/** One line per change: "hop 2 198.18.2.2 clamps MSS 1460 -> 1200 (first seen at hop 3)". */
export function changeLine(change: PathChangeReport, family: AddressFamily = 4): string {
  const who = change.after.hop === 0 ? 'before hop 1 (on the client side), something' : `hop ${change.after.hop}${change.after.address ? ` ${change.after.address}` : ''}`;
  return `${who} ${changeVerb(change, family)} (first seen at hop ${change.firstSeenAt})`;
}

/**
 * The lines about the path itself, under the path: each change, hops whose
 * quote was too short to tell, a TTL rewriter, NATs. Empty without --trace.
 */
export function pathFindingLines(target: TargetReport): string[] {
  if (!target.path || !target.changes) return [];
  const lines: string[] = [];
  const quoted = target.path.filter((hop) => typeof hop.quotedBytes === 'number');
  const short = quoted.filter((hop) => hop.quotedBytes! < 20);
  for (const change of target.changes) lines.push(changeLine(change, target.family));
  if (target.changes.length === 0 && quoted.length > 0) {
    const last = quoted[quoted.length - 1]!;
    lines.push(short.length === quoted.length ? 'no change seen, but every quote was too short to tell' : `our SYN arrives unchanged as far as hop ${last.hop}'s quote shows`);
  }
  for (const hop of short) {
    lines.push(`hop ${hop.hop}: quote too short to tell (${hop.quotedBytes} bytes of TCP: ports and sequence only)`);
  }
  for (const hop of target.path) {
    if (hop.mpls && hop.mpls.length > 0) lines.push(`hop ${hop.hop}: MPLS labels ${hop.mpls.map((entry) => entry.label).join(', ')}`);
  }
  const rewrite = target.ttlRewrite;
  if (rewrite) {
    const at = `hop ${rewrite.hop}${rewrite.address ? ` ${rewrite.address}` : ''}`;
    const ports = rewrite.undermined.length > 0 ? `; verdicts not to trust: ${rewrite.undermined.join(',')}` : '';
    lines.push(`TTL rewrite (${rewrite.direction}) at ${at}: ${rewrite.explanation}${ports}`);
  }
  for (const nat of target.nat ?? []) lines.push(`NAT at hop ${nat.hop}${nat.address ? ` ${nat.address}` : ''}: ${nat.detail}`);
  return lines;
}
