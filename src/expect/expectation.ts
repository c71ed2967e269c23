import { UsageError } from '../errors.js';
import { ANSWERED_BY, PORT_STATES, type AnsweredBy, type PortState } from '../model/report.js';
import { formatExpected, type Expectation } from '../model/expectation.js';

/** Port states an expectation may name. */
export const EXPECTED_STATES: readonly PortState[] = PORT_STATES;
/** Who may be expected to answer (`unknown` too: "answered, but there was no reference to compare with"). */
export const EXPECTED_ANSWERERS: readonly AnsweredBy[] = ANSWERED_BY;

const FORM = 'expected PORT=STATE[@BY], e.g. 22=closed@middlebox';

/**
 * The value part of one expectation, "STATE[@BY]", for the port `port`
 * (shared by `--expect` and the `expect` map of a targets file). Throws
 * UsageError naming the bad part; `element` is what the message quotes.
 */
export function parseExpectedValue(port: number, value: string, element = `${port}=${value}`): Expectation {
  const text = value.trim().toLowerCase();
  const at = text.indexOf('@');
  const stateText = (at === -1 ? text : text.slice(0, at)).trim();
  const byText = at === -1 ? undefined : text.slice(at + 1).trim();
  if (stateText === '') throw new UsageError(`invalid expectation "${element}": no state: ${FORM}`);
  if (!(EXPECTED_STATES as readonly string[]).includes(stateText)) {
    throw new UsageError(`invalid expectation "${element}": state "${stateText}" is not one of ${EXPECTED_STATES.join(', ')}`);
  }
  const state = stateText as PortState;
  if (byText === undefined) return { port, state };
  if (!(EXPECTED_ANSWERERS as readonly string[]).includes(byText)) {
    throw new UsageError(`invalid expectation "${element}": "${byText}" after @ is not one of ${EXPECTED_ANSWERERS.join(', ')}`);
  }
  const answeredBy = byText as AnsweredBy;
  // A filtered port got no reply (answeredBy none) and any other state did:
  // an expectation that can never hold is a mistake worth catching now.
  if (state === 'filtered' && answeredBy !== 'none') {
    throw new UsageError(`invalid expectation "${element}": a filtered port got no reply, so it is answered by none: write ${port}=filtered`);
  }
  if (state !== 'filtered' && answeredBy === 'none') {
    throw new UsageError(`invalid expectation "${element}": ${state === 'closed' ? 'a' : 'an'} ${state} port got a reply, so someone answered it: use @host, @middlebox, @beyond or @unknown`);
  }
  return { port, state, answeredBy };
}

/** Parses one element "PORT=STATE[@BY]". Throws UsageError naming the element. */
export function parseExpectation(element: string): Expectation {
  const text = element.trim();
  const eq = text.indexOf('=');
  if (eq === -1) throw new UsageError(`invalid expectation "${text}": ${FORM}`);
  const portText = text.slice(0, eq).trim();
  if (!/^\d+$/.test(portText)) throw new UsageError(`invalid expectation "${text}": port "${portText}" is not a number 1-65535`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new UsageError(`invalid expectation "${text}": port ${portText} out of range: ports are 1-65535`);
  return parseExpectedValue(port, text.slice(eq + 1), text);
}

/**
 * Parses the values of a repeatable, comma-joinable `--expect` option, e.g.
 * ["22=closed@middlebox,443=open@host", "80=closed"], into expectations
 * sorted by port. The same expectation twice is kept once; two different
 * expectations for one port throw UsageError, as does any bad element.
 */
export function parseExpectations(values: string | readonly string[]): Expectation[] {
  const list = typeof values === 'string' ? [values] : values;
  const byPort = new Map<number, Expectation>();
  for (const value of list) {
    if (value.trim() === '') throw new UsageError(`empty --expect value: ${FORM}`);
    for (const element of value.split(',')) {
      if (element.trim() === '') throw new UsageError(`empty element in expectation list "${value}"`);
      const expectation = parseExpectation(element);
      const earlier = byPort.get(expectation.port);
      if (earlier && formatExpected(earlier) !== formatExpected(expectation)) {
        throw new UsageError(
          `port ${expectation.port} has two expectations: ${expectation.port}=${formatExpected(earlier)} and ${expectation.port}=${formatExpected(expectation)}`,
        );
      }
      byPort.set(expectation.port, expectation);
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}
