import type { PathChangeReport, TargetReport, TtlRewriteReport } from '../model/report.js';
import { distanceOf } from '../infer/ttl.js';
import { ttlWords } from '../packet/network.js';
import type { TraceOutcome } from './outcome.js';

/**
 * Finds a device that resets the TTL of what it forwards (`iptables -j TTL
 * --ttl-set 64`, TTL normalisers), which defeats ttl-probe's own reasoning:
 * past it our probes no longer expire where they should, and replies that
 * cross it on the way back look as close as it.
 *
 * The evidence, strongest first:
 * - a time-exceeded whose quote shows a TTL left above 1 (change ip.ttl): our
 *   TTL was reset before that hop (forward);
 * - a TTL-limited probe that reached the host with a TTL below the host's hop
 *   while the host's replies show that hop: the forward TTL was reset, the
 *   return path was not (forward);
 * - a router answering time-exceeded at or past the hop the host's replies
 *   show: the host looks as close as (or closer than) a router our probes
 *   crossed. Either the device resets the TTL both ways, or the return path
 *   is simply shorter than the forward one; TTLs alone cannot tell these
 *   apart (direction unknown), unless the forward reset is shown too (both).
 *
 * The rewriter is placed at the last hop whose time-exceeded came back (it,
 * or the link after it). Pure.
 */
export function concludeTtlRewrite(target: TargetReport, outcomes: readonly TraceOutcome[], changes: readonly PathChangeReport[]): TtlRewriteReport | null {
  const hostHop = target.reference.hop;
  const routers = outcomes.filter((o) => o.timeExceeded !== null && o.timeExceeded.from !== target.address);
  const lastRouter = (below = Infinity, except: ReadonlySet<number> = new Set()): { hop: number; address: string | null } | null => {
    let best: { hop: number; address: string | null } | null = null;
    for (const o of routers) {
      if (o.ttl < below && !except.has(o.port) && (best === null || o.ttl > best.hop)) best = { hop: o.ttl, address: o.timeExceeded!.from };
    }
    return best;
  };
  const quotedTtl = changes.find((change) => change.field === 'ip.ttl');
  // Over IPv6 the field is the hop limit: say so (HL --hl-set, the IPv6 normalisers).
  const ttl = ttlWords(target.family);
  // The host itself (its reply's TTL says the host's hop: a forged RST from a device on the path carries the
  // host's address too, but not its distance) reached with fewer TTL than its hop.
  const reachedEarly =
    hostHop === null ? [] : outcomes.filter((o) => o.reply !== null && o.reply.from === target.address && distanceOf(o.reply.ttl) === hostHop - 1 && o.ttl < hostHop);
  // Probes of `beyond` ports are forwarded past the target's address (a VIP): routers past its hop are expected there.
  const beyond = new Set(target.ports.filter((port) => port.answeredBy === 'beyond').map((port) => port.port));
  const beyondHost = hostHop === null ? null : lastRouter(Infinity, beyond);
  const returnCloser = beyondHost !== null && hostHop !== null && beyondHost.hop >= hostHop;

  let forward: { hop: number; address: string | null; why: string } | null = null;
  if (quotedTtl) {
    forward = {
      hop: quotedTtl.after.hop,
      address: quotedTtl.after.address,
      why: `the time-exceeded from hop ${quotedTtl.firstSeenAt} quotes our probe with ${ttl.word} ${quotedTtl.seen} left instead of ${quotedTtl.sent}`,
    };
  } else if (reachedEarly.length > 0) {
    const sent = Math.min(...reachedEarly.map((o) => o.ttl));
    const at = lastRouter(sent + 1) ?? { hop: 0, address: null };
    forward = { hop: at.hop, address: at.address, why: `a probe sent with ${ttl.word} ${sent} reached the host, whose replies show it at hop ${hostHop}` };
  }
  if (!forward && !returnCloser) return null;

  let hop: number;
  let address: string | null;
  let direction: TtlRewriteReport['direction'];
  let explanation: string;
  if (forward && returnCloser) {
    ({ hop, address } = forward);
    direction = 'both';
    explanation = `${ttl.Word} reset at hop ${hop} both ways: ${forward.why}, and the host's replies look as close as hop ${hostHop}`;
  } else if (forward) {
    ({ hop, address } = forward);
    direction = 'forward';
    explanation = `${ttl.Word} of our probes reset at hop ${hop}: ${forward.why}; the replies' ${ttl.plural} look honest, but ${ttl.limited} probes past hop ${hop} prove nothing`;
  } else {
    ({ hop, address } = beyondHost!);
    direction = 'unknown';
    explanation =
      `the host's replies look as close as hop ${hostHop}, yet the router at hop ${hop} forwarded our probes on to it: ` +
      `either hop ${hop} resets the ${ttl.word} (both ways), or the return path is shorter than the forward one; the ${ttl.plural} cannot tell these apart`;
  }
  // Forward only: the replies' TTLs are honest, so the verdicts stand (only the trace's confirmations past the
  // rewriter are void, see unconfirmable). Otherwise every reply whose TTL says "hop >= rewriter" may have been
  // reset there: the host and a device beyond the rewriter look alike.
  const undermined = direction === 'forward' ? [] : target.ports.filter((port) => port.hop !== null && port.hop >= hop).map((port) => port.port);
  return { hop, address, direction, undermined, explanation };
}

/**
 * Ports whose responder TTL-limited probes cannot confirm: past a TTL rewriter a probe's TTL no longer
 * says how far it went, so "TTL t reached it" proves nothing about hop t. Pure.
 */
export function unconfirmable(target: TargetReport, rewrite: TtlRewriteReport): number[] {
  const past = target.ports.filter((port) => port.hop !== null && port.hop > rewrite.hop).map((port) => port.port);
  return [...new Set([...past, ...rewrite.undermined])].sort((a, b) => a - b);
}
