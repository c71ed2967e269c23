export * from './result.js';
export * from './address.js';
export * from './checksum.js';
export * from './ipv4.js';
export * from './tcp.js';
export * from './icmp.js';
export * from './ipv6.js';
export * from './network.js';
