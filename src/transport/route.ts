import { createSocket } from 'node:dgram';
import { EnvironmentError } from '../errors.js';

/**
 * The source address the kernel picks towards `destination`, found by
 * connecting a UDP socket (which sends nothing) and reading its local address.
 * Rejects with EnvironmentError (exit 3) when there is no route.
 */
export function routeSource(destination: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const fail = (reason: string): void =>
      reject(new EnvironmentError(`no route to ${destination} (${reason})`, 'ERR_NO_ROUTE'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socket.close();
      fail(error.code ?? error.message);
    });
    // The connect error arrives as the callback's argument, not as an 'error' event.
    socket.connect(9, destination, (error?: NodeJS.ErrnoException) => {
      try {
        if (error) return fail(error.code ?? error.message);
        const { address } = socket.address();
        if (address === '0.0.0.0') return fail('no source address');
        resolve(address);
      } catch (caught) {
        fail((caught as NodeJS.ErrnoException).code ?? (caught as Error).message);
      } finally {
        socket.close();
      }
    });
  });
}
