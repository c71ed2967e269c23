import type { ExpectationResult, ReportExpectations } from '../model/expectation.js';
import { formatExpected } from '../model/expectation.js';
import type { AnsweredBy, PortReport, PortState, Report, TargetReport } from '../model/report.js';
import { IDLE_ENDS, type IdlePortReport } from '../model/idle.js';

/**
 * The `--format prometheus` output (and `serve`'s /probe answer): the
 * Prometheus text exposition format 0.0.4, for node_exporter's textfile
 * collector or a scrape. Every metric is a gauge named ttl_probe_*, in base
 * units (seconds), labelled with target and address (and port). Port state
 * and answerer are state sets: one sample per possible value, 1 for the one
 * seen and 0 for the others, so a change shows as a value change, not as a
 * series that disappears.
 */

const STATES: readonly PortState[] = ['open', 'closed', 'unreachable', 'filtered'];
const ANSWERERS: readonly AnsweredBy[] = ['host', 'middlebox', 'beyond', 'unknown', 'none'];

/** Options that the report record does not carry. */
export interface PrometheusOptions {
  /** Wall-clock duration of the probe run, when the caller measured it. */
  durationSeconds?: number;
}

/** A label value: backslash, double quote and line feed escaped, as the format requires. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

type Labels = readonly (readonly [string, string])[];

interface Sample {
  labels: Labels;
  value: number;
}

interface Family {
  name: string;
  help: string;
  samples: Sample[];
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} gauge`];
  for (const sample of family.samples) {
    const labels = sample.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
    lines.push(`${family.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}`);
  }
  return lines.join('\n');
}

const FAMILIES = {
  success: ['ttl_probe_probe_success', 'Whether the probe of the target completed with a verdict for every port and every expectation held (1) or not (0).'],
  duration: ['ttl_probe_probe_duration_seconds', 'How long the probe run took.'],
  echoReplies: ['ttl_probe_echo_replies', 'ICMP echo replies received from the target.'],
  echoRequests: ['ttl_probe_echo_requests', 'ICMP echo requests sent to the target.'],
  echoTtl: ['ttl_probe_echo_ttl', 'TTL of the echo replies as received (the most common value).'],
  echoDistance: ['ttl_probe_echo_distance', 'Routers the echo replies crossed on the way back (initial TTL - received TTL).'],
  echoRtt: ['ttl_probe_echo_rtt_seconds', 'Median round-trip time of the echo replies.'],
  hostHop: ['ttl_probe_host_hop', 'Traceroute hop of the target host, from the reference replies (label source: echo, syn-ack or rst).'],
  ignored: ['ttl_probe_ignored_packets', 'Replies that failed validation (not ours, or forged) and were not used.'],
  state: ['ttl_probe_port_state', 'State of the port as a state set: 1 for the state seen (open, closed, unreachable, filtered), 0 for the others.'],
  answeredBy: ['ttl_probe_port_answered_by', 'Who answered the SYN to the port as a state set: 1 for host, middlebox (a device on the path), beyond (past the host), unknown or none (no reply), 0 for the others.'],
  hop: ['ttl_probe_port_hop', 'Traceroute hop of the device that answered the port (reply distance + 1).'],
  tries: ['ttl_probe_port_tries', 'SYNs sent to the port.'],
  responderConfirmed: ['ttl_probe_port_responder_confirmed', '--trace: whether TTL-limited probes confirm the hop of the device that answered the port (1) or not (0).'],
  droppedAfterHop: ['ttl_probe_port_dropped_after_hop', '--trace, silent ports: the last hop whose time-exceeded still came back; the filter is there or on the next link.'],
  pathChange: ['ttl_probe_path_change', '--trace: a header field the path changed in our SYN (label field, e.g. tcp.mss), after hop after_hop (the last hop whose quote still showed what we sent); always 1.'],
  ttlRewriteHop: ['ttl_probe_ttl_rewrite_hop', '--trace: hop of a device that resets the TTL of what it forwards (label direction: forward, both or unknown); verdicts past it are not to be trusted.'],
  portUndermined: ['ttl_probe_port_undermined', '--trace: 1 when the port verdict rests on TTLs a TTL rewriter may have reset.'],
  replyTtl: ['ttl_probe_reply_ttl', 'TTL of the reply to the port as received.'],
  replyInitialTtl: ['ttl_probe_reply_initial_ttl', 'Initial TTL the reply most likely left its sender with (32, 64, 128 or 255).'],
  replyDistance: ['ttl_probe_reply_distance', 'Routers the reply crossed on the way back (initial TTL - received TTL).'],
  replyRtt: ['ttl_probe_reply_rtt_seconds', 'Round-trip time of the reply to the port.'],
  expectation: ['ttl_probe_expectation_met', 'Whether the expectation on the port (label expected: STATE[@BY]) held (1) or not (0).'],
  idleMax: ['ttl_probe_idle_max_idle_seconds', 'ttl-probe idle: the longest idle time tried on the port (--max-idle).'],
  idleTimeoutMin: ['ttl_probe_idle_timeout_min_seconds', 'ttl-probe idle: the longest idle time a connection to the port survived below the timeout (the timeout lies in (min, max]); absent when nothing ended a connection.'],
  idleTimeoutMax: ['ttl_probe_idle_timeout_max_seconds', 'ttl-probe idle: the shortest idle time that ended a connection to the port; absent when every connection survived.'],
  idleSurvived: ['ttl_probe_idle_survived_seconds', 'ttl-probe idle: the longest idle time after which a connection to the port was checked and found alive.'],
  idleEnds: ['ttl_probe_idle_ends', 'ttl-probe idle: what ended the idle connection as a state set: 1 for rst, close (FIN), drop (silence), icmp or none (it survived), 0 for the others.'],
  idleByHop: ['ttl_probe_idle_by_hop', 'ttl-probe idle: hop of the device that ended the connection (label answered_by: host, middlebox, beyond, unknown); absent for a drop.'],
  idleDroppedAfterHop: ['ttl_probe_idle_dropped_after_hop', 'ttl-probe idle, ends=drop: the last hop whose time-exceeded still came back for the dead connection; the drop is there or on the next link.'],
  idleUnsolicited: ['ttl_probe_idle_unsolicited', 'ttl-probe idle: RSTs and FINs that came by themselves while connections were idle (label kind).'],
  idleConnections: ['ttl_probe_idle_connections', 'ttl-probe idle: connections opened to the port.'],
  idleExpectation: ['ttl_probe_idle_expectation_met', 'ttl-probe idle: whether connections to the port survived the idle time expected (label minimum_seconds) (1) or not (0).'],
} as const;

type FamilyKey = keyof typeof FAMILIES;

/**
 * The text exposition of a report, with a trailing newline. `expectations`
 * is index-aligned with report.targets. Families appear in a fixed order,
 * each once with its HELP and TYPE lines; families without samples are left out.
 */
export function formatPrometheus(report: Report, expectations: ReportExpectations = [], options: PrometheusOptions = {}): string {
  const samples = new Map<FamilyKey, Sample[]>(Object.keys(FAMILIES).map((key) => [key as FamilyKey, []]));
  const add = (key: FamilyKey, labels: Labels, value: number): void => {
    samples.get(key)!.push({ labels, value });
  };
  report.targets.forEach((target, index) => addTarget(target, expectations[index] ?? [], add));
  if (options.durationSeconds !== undefined) add('duration', [], options.durationSeconds);
  const families: Family[] = [];
  for (const [key, [name, help]] of Object.entries(FAMILIES) as [FamilyKey, readonly [string, string]][]) {
    const list = samples.get(key)!;
    if (list.length > 0) families.push({ name, help, samples: list });
  }
  return families.length === 0 ? '' : `${families.map(formatFamily).join('\n')}\n`;
}

function addTarget(
  target: TargetReport,
  results: readonly ExpectationResult[],
  add: (key: FamilyKey, labels: Labels, value: number) => void,
): void {
  const base: Labels = [
    ['target', target.target],
    ['address', target.address],
  ];
  const success =
    target.unfinishedPorts.length === 0 && results.every((result) => result.met) && target.ports.every((port) => idleExpectationOf(port)?.met !== false);
  add('success', base, success ? 1 : 0);
  add('echoReplies', base, target.echo.received);
  add('echoRequests', base, target.echo.sent);
  if (target.echo.ttl !== null) add('echoTtl', base, target.echo.ttl);
  if (target.echo.distance !== null) add('echoDistance', base, target.echo.distance);
  if (target.echo.rttMs !== null) add('echoRtt', base, target.echo.rttMs / 1000);
  if (target.reference.hop !== null) add('hostHop', [...base, ['source', target.reference.source]], target.reference.hop);
  add('ignored', base, target.ignored);
  for (const port of target.ports) {
    const labels: Labels = [...base, ['port', String(port.port)]];
    for (const state of STATES) add('state', [...labels, ['state', state]], port.state === state ? 1 : 0);
    for (const by of ANSWERERS) add('answeredBy', [...labels, ['answered_by', by]], port.answeredBy === by ? 1 : 0);
    if (port.hop !== null) add('hop', labels, port.hop);
    add('tries', labels, port.tries);
    if (port.responder) add('responderConfirmed', labels, port.responder.confirmed ? 1 : 0);
    if (port.droppedAfter) add('droppedAfterHop', labels, port.droppedAfter.hop);
    const reply = port.reply;
    if (reply) {
      const replyLabels: Labels = [...labels, ['kind', reply.kind], ['from', reply.from]];
      add('replyTtl', replyLabels, reply.ttl);
      add('replyInitialTtl', replyLabels, reply.initialTtl);
      add('replyDistance', replyLabels, reply.distance);
      add('replyRtt', replyLabels, reply.rttMs / 1000);
    }
    addIdle(port, labels, add);
  }
  for (const change of target.changes ?? []) {
    add('pathChange', [...base, ['field', change.field], ['after_hop', String(change.after.hop)]], 1);
  }
  const rewrite = target.ttlRewrite;
  if (rewrite) {
    add('ttlRewriteHop', [...base, ['direction', rewrite.direction]], rewrite.hop);
    for (const port of rewrite.undermined) add('portUndermined', [...base, ['port', String(port)]], 1);
  }
  for (const result of results) {
    add('expectation', [...base, ['port', String(result.port)], ['expected', formatExpected(result.expected)]], result.met ? 1 : 0);
  }
}

function idleExpectationOf(port: PortReport): IdlePortReport['idleExpectation'] | null {
  if (!('idle' in port)) return null;
  const { idle, idleExpectation } = port as IdlePortReport;
  return idle?.expectation ?? idleExpectation ?? null;
}

/** `ttl-probe idle`'s series of one port, when the report carries them. */
function addIdle(port: PortReport, labels: Labels, add: (key: FamilyKey, labels: Labels, value: number) => void): void {
  const expectation = idleExpectationOf(port);
  if (expectation) add('idleExpectation', [...labels, ['minimum_seconds', String(expectation.minimumS)]], expectation.met ? 1 : 0);
  const idle = (port as Partial<IdlePortReport>).idle;
  if (!idle) return;
  add('idleMax', labels, idle.maxIdleS);
  if (idle.timeout) {
    add('idleTimeoutMin', labels, idle.timeout.minS);
    add('idleTimeoutMax', labels, idle.timeout.maxS);
  }
  if (idle.survivedS !== null) add('idleSurvived', labels, idle.survivedS);
  // An undetermined search (interrupted before --max-idle, nothing ended) says nothing of the ends: no state set.
  const determined = idle.ends !== null || (idle.survivedS !== null && idle.survivedS >= idle.maxIdleS);
  if (determined) for (const ends of [...IDLE_ENDS, 'none'] as const) add('idleEnds', [...labels, ['ends', ends]], (idle.ends ?? 'none') === ends ? 1 : 0);
  if (idle.by) add('idleByHop', [...labels, ['answered_by', idle.by.answeredBy]], idle.by.hop);
  if (idle.droppedAfter) add('idleDroppedAfterHop', labels, idle.droppedAfter.hop);
  for (const kind of ['rst', 'close'] as const) {
    const count = idle.unsolicited.filter((event) => event.kind === kind).length;
    if (count > 0) add('idleUnsolicited', [...labels, ['kind', kind]], count);
  }
  add('idleConnections', labels, idle.connections);
}

/** A Prometheus label name (the exposition format's rule); `__` names are reserved. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SAMPLE_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/**
 * The same exposition with constant labels put first on every sample (`--vantage NAME` of the
 * exporter: `vantage="NAME"` on every series, so Prometheus can combine many exporters). Comment
 * lines and blank lines are kept as they are. Pure; labels are written escaped.
 */
export function withConstantLabels(exposition: string, labels: Labels): string {
  if (labels.length === 0) return exposition;
  for (const [name] of labels) if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new TypeError(`invalid label name ${JSON.stringify(name)}`);
  const prefix = labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
  return exposition
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      const name = SAMPLE_NAME.exec(line)?.[0];
      if (!name) return line;
      const rest = line.slice(name.length);
      if (rest.startsWith('{}')) return `${name}{${prefix}}${rest.slice(2)}`;
      if (rest.startsWith('{')) return `${name}{${prefix},${rest.slice(1)}`;
      return `${name}{${prefix}}${rest}`;
    })
    .join('\n');
}
