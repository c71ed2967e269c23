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
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socket.close();
      reject(new EnvironmentError(`no route to ${destination} (${error.code ?? error.message})`, 'ERR_NO_ROUTE'));
    });
    socket.connect(9, destination, () => {
      try {
        const { address } = socket.address();
        resolve(address);
      } catch (error) {
        reject(new EnvironmentError(`no route to ${destination} (${(error as Error).message})`, 'ERR_NO_ROUTE'));
      } finally {
        socket.close();
      }
    });
  });
}
