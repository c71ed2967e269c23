import { connect as netConnect, type Socket } from 'node:net';

/**
 * Real TCP connections through the kernel, for `idle`: the kernel owns them
 * (so it never answers their segments with a RST, as it does for a raw
 * socket's SYN-ACKs), and ttl-probe never writes a byte into them. What the
 * peer sends is read and discarded (so the kernel acknowledges it).
 */
export interface StreamHandle {
  /** Our side's address and port, once connected. */
  readonly localAddress: string;
  readonly localPort: number;
  /** Bytes the peer sent (read and discarded). */
  bytesReceived(): number;
  /** Called once when the connection ends for any reason (FIN, RST, error), with the reason. */
  onEnd(listener: (reason: string) => void): void;
  /** Closes it (FIN, or RST when the kernel holds unread data) and stops listening. */
  close(): void;
}

export type StreamConnector = (address: string, port: number, timeoutMs: number) => Promise<StreamHandle>;

/** Connects with node:net; rejects with a one-line reason (ECONNREFUSED, a timeout). */
export const connectStream: StreamConnector = (address, port, timeoutMs) =>
  new Promise((resolve, reject) => {
    const socket: Socket = netConnect({ host: address, port, allowHalfOpen: false, noDelay: true });
    let received = 0;
    let ended: string | null = null;
    const endListeners: ((reason: string) => void)[] = [];
    const end = (reason: string): void => {
      if (ended !== null) return;
      ended = reason;
      for (const listener of endListeners) listener(reason);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      end(error.code ?? error.message);
      reject(new Error(error.code ?? error.message));
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('end', () => end('FIN'));
    socket.on('close', () => end('closed'));
    socket.once('connect', () => {
      clearTimeout(timer);
      // An error after the connect (a RST) only ends it.
      socket.on('error', () => undefined);
      resolve({
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
        bytesReceived: () => received,
        onEnd(listener) {
          if (ended !== null) listener(ended);
          else endListeners.push(listener);
        },
        close() {
          endListeners.length = 0;
          socket.destroy();
        },
      });
    });
  });
