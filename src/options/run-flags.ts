import { DEFAULT_MAX_HOPS } from '../run/options.js';
import { DEFAULT_SCAN_OPTIONS } from '../scan/engine.js';
import { lastText, numberFlag, textFlag } from './flag.js';

/**
 * The flags of a probe run that `ttl-probe` and `ttl-probe serve` share: limits and defaults are
 * declared here once; a command may only reword the help text (`{ ...RUN_FLAGS.tries, describe }`).
 */
export const RUN_FLAGS = {
  echoCount: numberFlag({
    name: 'echo-count',
    placeholder: 'N',
    group: 'Probing',
    default: DEFAULT_SCAN_OPTIONS.echoCount,
    min: 0,
    max: 100,
    integer: true,
    describe: 'ICMP echo requests per target',
    details: 'ICMP echo requests per target. 0 disables echo (the reference then comes from the SYN-ACKs).',
  }),
  tries: numberFlag({
    name: 'tries',
    placeholder: 'N',
    group: 'Probing',
    default: DEFAULT_SCAN_OPTIONS.tries,
    min: 1,
    max: 20,
    integer: true,
    describe: 'SYNs per port at most; re-sends go to silent ports only',
    details: 'SYNs per port at most; re-sends go only to ports still silent.',
  }),
  timeoutMs: numberFlag({
    name: 'timeout',
    placeholder: 'MS',
    group: 'Probing',
    default: DEFAULT_SCAN_OPTIONS.timeoutMs,
    min: 1,
    max: 60000,
    describe: 'longest wait for one reply, in ms; the wait adapts to the measured round trip below it',
    details:
      'the longest wait for one reply, in ms. Below it the wait adapts to the measured round trip (srtt + 4 × rttvar, at least 100 ms, as TCP and nmap do).',
  }),
  rate: numberFlag({
    name: 'rate',
    placeholder: 'PPS',
    group: 'Probing',
    default: DEFAULT_SCAN_OPTIONS.rate,
    min: 1,
    max: 1000000,
    describe: 'packets per second at most, all targets together',
    details:
      'packets per second at most, all targets together. Below it a congestion window paces the run as TCP and nmap do: 64 probes in flight at first, growing by one per reply (doubling per round trip), halved when a port answers only a re-send (evidence of drops), at most 1000. On a slow or lossy path it is the window, not the rate, that keeps the run gentle.',
  }),
  maxHops: numberFlag({
    name: 'max-hops',
    placeholder: 'N',
    group: 'Trace',
    default: DEFAULT_MAX_HOPS,
    min: 1,
    max: 255,
    integer: true,
    describe: '--trace: the farthest hop probed',
    details: '`--trace`: the farthest hop probed.',
  }),
  user: textFlag({
    name: 'user',
    placeholder: 'NAME',
    group: 'Privileges and limits',
    defaultText: 'the user who ran sudo; nobody when run as root',
    describe: 'the user to become once the raw sockets are open; --user root keeps root',
    details: 'the user to become once the raw sockets are open (see below); `--user root` keeps root.',
    read: lastText('a user name'),
  }),
} as const;
