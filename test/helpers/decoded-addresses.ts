import { ipv6AddressWords, ipv6Digest } from '../../src/capture/decoded.js';
import { parseAddress } from '../../src/packet/address.js';

/** The address fields of a DecodedPacket (or QuotedDatagram) for two addresses of one family, as the decoder fills them. */
export function addressing(source: string, destination: string): {
  family: 4 | 6;
  source: string;
  destination: string;
  sourceValue: number;
  destinationValue: number;
  addressWords: Uint32Array | null;
} {
  const from = parseAddress(source);
  const to = parseAddress(destination);
  if (from === null || to === null || from.family !== to.family) throw new TypeError(`addressing: ${source}, ${destination}`);
  if (from.family === 4 && to.family === 4) {
    return { family: 4, source: from.text, destination: to.text, sourceValue: from.value, destinationValue: to.value, addressWords: null };
  }
  const words = ipv6AddressWords((from as { bytes: Uint8Array }).bytes, (to as { bytes: Uint8Array }).bytes);
  return { family: 6, source: from.text, destination: to.text, sourceValue: ipv6Digest(words, 0), destinationValue: ipv6Digest(words, 4), addressWords: words };
}
