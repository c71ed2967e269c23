// Typings for the parts of raw-socket 1.8 that ttl-probe uses, written from its
// index.js (its own typings disagree with its README). Only transport/raw.ts imports it.
declare module 'raw-socket' {
  import { EventEmitter } from 'node:events';
  export const AddressFamily: { IPv4: number; IPv6: number };
  export const Protocol: { None: number; ICMP: number; TCP: number; UDP: number; ICMPv6: number };
  export const SocketLevel: { SOL_SOCKET: number; IPPROTO_IP: number; IPPROTO_IPV6: number };
  export const SocketOption: { SO_RCVBUF: number; SO_SNDBUF: number; IP_HDRINCL: number; IP_TTL: number; [name: string]: number };
  export interface SocketOptions { protocol?: number; addressFamily?: number; bufferSize?: number }
  export class Socket extends EventEmitter {
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      beforeCallback: (() => void) | null,
      afterCallback: (error: Error | null, bytes: number) => void,
    ): this;
    setOption(level: number, option: number, value: number): void;
    getOption(level: number, option: number, value: Buffer, length: number): number;
    close(): this;
    pauseRecv(): this;
    resumeRecv(): this;
    on(event: 'message', listener: (buffer: Buffer, source: string) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }
  export function createSocket(options: SocketOptions): Socket;
  const raw: {
    AddressFamily: typeof AddressFamily;
    Protocol: typeof Protocol;
    SocketLevel: typeof SocketLevel;
    SocketOption: typeof SocketOption;
    createSocket: typeof createSocket;
  };
  export default raw;
}
