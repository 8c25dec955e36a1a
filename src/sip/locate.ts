// Finding a peer on the network: a host name's address (RFC 3263 reduced to A/AAAA look-ups), and this side's address towards it.

import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** True for an IPv4 or IPv6 literal (no brackets). */
export function isIpAddress(host: string): boolean {
  return isIP(host) !== 0;
}

/** The address of `host`: itself when it is an address, else the system resolver's first answer. */
export async function resolveHost(host: string): Promise<string> {
  return isIpAddress(host) ? host : (await lookup(host)).address;
}

/**
 * The address this side sends from towards `peer`: `bound` itself, or when the socket is bound to a wildcard, the
 * address the system routes from (a connected UDP socket tells it and sends nothing).
 */
export async function sourceAddressTowards(peer: string, bound: string): Promise<string> {
  if (!WILDCARDS.has(bound)) return bound;
  const socket = createSocket(isIP(peer) === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, peer, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}
