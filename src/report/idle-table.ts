import type { IdlePortReport, IdleReport, IdleResult, IdleTargetReport } from '../model/idle.js';
import { columnLines, echoLine, printableName, referenceLine } from './table.js';

/** `ttl-probe idle`'s human-readable report: per target the reference, then per port the idle timeout and who ended it. */

function seconds(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function timeoutCell(idle: IdleResult): string {
  if (idle.timeout === null) return `none <= ${seconds(idle.maxIdleS)} s`;
  return `${seconds(idle.timeout.minS)}-${seconds(idle.timeout.maxS)} s`;
}

function whoCells(idle: IdleResult): [string, string, string] {
  if (idle.by) return [idle.by.answeredBy, String(idle.by.hop), idle.by.address ?? '-'];
  if (idle.droppedAfter) return [`after hop ${idle.droppedAfter.hop}${idle.droppedAfter.confirmed ? '' : '?'}`, '-', idle.droppedAfter.address ?? '-'];
  return ['-', '-', '-'];
}

function portRow(port: IdlePortReport): string[] {
  const idle = port.idle;
  if (!idle) return [String(port.port), port.state, '-', '-', '-', '-', '-', '-'];
  return [String(port.port), port.state, timeoutCell(idle), idle.ends ?? '-', ...whoCells(idle), String(idle.connections)];
}

export function* idleTargetLines(target: IdleTargetReport): Generator<string> {
  const name = printableName(target.target === target.address ? target.address : `${target.target} (${target.address})`);
  yield `ttl-probe idle ${name}`;
  yield `  ${echoLine(target)}`;
  yield `  ${referenceLine(target)}`;
  yield '';
  yield* columnLines(function* () {
    yield ['PORT', 'STATE', 'IDLE TIMEOUT', 'ENDS', 'BY', 'HOP', 'FROM', 'CONNECTIONS'];
    for (const port of target.ports) yield portRow(port);
  }, '  ');
  yield '';
  for (const port of target.ports) {
    if (port.idle) {
      yield `  ${port.port}: ${port.idle.explanation}`;
      for (const event of port.idle.unsolicited.slice(0, 3)) {
        yield `    unsolicited ${event.kind === 'rst' ? 'RST' : 'FIN'} after ${seconds(event.atS)} s idle from ${event.address} (hop ${event.hop}, ${event.answeredBy})`;
      }
      if (port.idle.unsolicited.length > 3) yield `    ... and ${port.idle.unsolicited.length - 3} more on other connections`;
    } else {
      yield `  ${port.port}: ${port.state === 'open' ? `answered by a ${port.answeredBy}, not the host` : `not open (${port.state})`}: no connection to hold idle`;
    }
    const expectation = port.idle?.expectation ?? port.idleExpectation;
    if (expectation) yield `    expect idle >= ${seconds(expectation.minimumS)} s: ${expectation.met ? 'met' : 'FAILED'} (${expectation.seen})`;
  }
  // An audit file's `expect` (port states), as the probe command prints them.
  const expectations = target.expectations ?? [];
  if (expectations.length > 0) yield '';
  for (const result of expectations) yield `  ${result.met ? 'ok  ' : 'FAIL'}  ${result.message}`;
}

export function* idleTableChunks(report: IdleReport): Generator<string> {
  for (const [index, target] of report.targets.entries()) {
    if (index > 0) yield '\n';
    for (const line of idleTargetLines(target)) yield `${line}\n`;
  }
  if (report.interrupted) yield `${report.targets.length > 0 ? '\n' : ''}interrupted: the report above is partial\n`;
}
