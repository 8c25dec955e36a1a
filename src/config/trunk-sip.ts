// The SIP side of a trunk (trunks[].sip): provider, registration, IP peers, caller id, DID source and number forms, with defaults and checks.

import { isIP } from 'node:net';
import { child, isMapping, type Report } from './key-paths.js';
import type { PbxConfig, TrunkCallerIdHeader, TrunkDidSource, TrunkNumberFormat, TrunkNumberStyle, TrunkSipConfig, TrunkTransportName } from './types.js';

export const TRUNK_TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export const TRUNK_CALLER_ID_HEADERS = ['from', 'pai', 'rpid'] as const;
export const TRUNK_DID_SOURCES = ['request-uri', 'to'] as const;
export const TRUNK_NUMBER_STYLES = ['e164', 'e164-digits', 'national'] as const;
/** Registration expiry a trunk may ask for, in seconds: below a minute providers answer 423; a day is plenty. */
export const TRUNK_EXPIRES_RANGE_SECONDS = { min: 60, max: 86_400 } as const;

export const TRUNK_SIP_DEFAULTS = {
  port: 5060,
  tlsPort: 5061,
  transport: 'udp' as TrunkTransportName,
  register: false,
  expiresSeconds: 600,
  callerId: 'from' as TrunkCallerIdHeader,
  didFrom: 'request-uri' as TrunkDidSource,
  nationalPrefix: '0',
  internationalPrefix: '00',
  outbound: 'e164' as TrunkNumberStyle,
} as const;

/**
 * The narrowest CIDR block a peer entry may name: anything wider lets most of the Internet call out through the
 * trunk (toll fraud), and no provider needs it.
 */
export const TRUNK_PEER_MIN_PREFIX = { ipv4: 8, ipv6: 16 } as const;

// RFC 1123 host names (labels of letters, digits and inner hyphens).
const HOST_NAME = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null);
const pick = <T extends string>(known: readonly T[], value: unknown, fallback: T): T => known.find((k) => k === value) ?? fallback;

/** trunks[].sip with defaults; undefined when absent or null (a simulated trunk). Lenient: the schema reports wrong types. */
export function buildTrunkSip(value: unknown, path: string, report: Report): TrunkSipConfig | undefined {
  if (!isMapping(value)) return undefined;
  const d = TRUNK_SIP_DEFAULTS;
  const transport = pick(TRUNK_TRANSPORTS, value['transport'], d.transport);
  const host = text(value['host']) ?? '';
  if (host !== '' && isIP(host) === 0 && !HOST_NAME.test(host)) report(child(path, 'host'), `must be a host name or an IPv4 or IPv6 address, got '${host.slice(0, 60)}'`);
  const username = text(value['username']);
  return {
    host,
    port: typeof value['port'] === 'number' ? value['port'] : transport === 'tls' ? d.tlsPort : d.port,
    transport,
    register: typeof value['register'] === 'boolean' ? value['register'] : d.register,
    username,
    authId: text(value['authId']) ?? username,
    password: typeof value['password'] === 'string' ? value['password'] : null,
    expiresSeconds: typeof value['expires'] === 'number' ? value['expires'] : d.expiresSeconds,
    peers: buildPeers(value['peers'], child(path, 'peers'), report),
    callerId: pick(TRUNK_CALLER_ID_HEADERS, value['callerId'], d.callerId),
    didFrom: buildDidSource(value['didFrom']),
    numbers: buildNumbers(value['numbers']),
  };
}

function buildDidSource(value: unknown): TrunkDidSource {
  if (isMapping(value) && typeof value['header'] === 'string') return { header: value['header'] };
  return pick(TRUNK_DID_SOURCES, value, 'request-uri');
}

function buildNumbers(value: unknown): TrunkNumberFormat | null {
  if (!isMapping(value)) return null;
  const d = TRUNK_SIP_DEFAULTS;
  return {
    countryCode: text(value['countryCode']) ?? '',
    nationalPrefix: text(value['nationalPrefix']) ?? d.nationalPrefix,
    internationalPrefix: text(value['internationalPrefix']) ?? d.internationalPrefix,
    outbound: pick(TRUNK_NUMBER_STYLES, value['outbound'], d.outbound),
  };
}

// Each peer is an address or a CIDR block, written as the matcher will read it (no host bits, not too wide).
function buildPeers(value: unknown, path: string, report: Report): string[] {
  const peers = Array.isArray(value) ? value : [];
  return peers.flatMap((peer, i) => {
    if (typeof peer !== 'string') return [];
    const problem = peerProblem(peer);
    if (problem !== undefined) report(child(path, i), problem);
    return problem === undefined ? [peer] : [];
  });
}

/** Why `peer` is not a usable peer entry (an IPv4/IPv6 address or CIDR block), or undefined when it is. */
export function peerProblem(peer: string): string | undefined {
  const shown = `'${peer.slice(0, 60)}'`;
  const [address = '', prefix, extra] = peer.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `must be an IPv4 or IPv6 address, or a CIDR block like 203.0.113.0/24, got ${shown}`;
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  const min = family === 4 ? TRUNK_PEER_MIN_PREFIX.ipv4 : TRUNK_PEER_MIN_PREFIX.ipv6;
  if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > bits) return `must have a prefix length from 0 to ${bits}, got ${shown}`;
  if (Number(prefix) < min) return `is too wide (/${prefix}): a peer block is at least /${min}, so that the trunk is not open to most of the Internet`;
  const network = networkOf(address, Number(prefix), family);
  if (network !== address.toLowerCase() && network !== undefined) return `has host bits set; the block is written ${network}/${prefix}`;
  return undefined;
}

// The network address of address/prefix in canonical text, for the host-bits check (undefined when it cannot tell).
function networkOf(address: string, prefix: number, family: number): string | undefined {
  if (family === 4) {
    const value = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    const mask = prefix === 0 ? 0 : (0xffff_ffff << (32 - prefix)) >>> 0;
    const network = (value & mask) >>> 0;
    return [24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.');
  }
  const groups = expandIpv6(address);
  if (groups === undefined) return undefined;
  const masked = groups.map((group, i) => {
    const keep = Math.max(0, Math.min(16, prefix - i * 16));
    return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  const same = masked.every((g, i) => g === groups[i]);
  // Only a changed address is worth rewriting; the caller compares, so return the input's spelling when unchanged.
  return same ? address.toLowerCase() : compressIpv6(masked);
}

function expandIpv6(address: string): number[] | undefined {
  if (address.includes('.')) return undefined; // an embedded IPv4 tail: rare in peer lists, left to the matcher
  const [head = '', tail] = address.toLowerCase().split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = 8 - left.length - right.length;
  return [...left, ...Array<number>(Math.max(0, zeros)).fill(0), ...right];
}

function compressIpv6(groups: number[]): string {
  const hex = groups.map((g) => g.toString(16));
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/**
 * Cross-checks of SIP trunks: registration needs credentials, IP-peer mode needs addresses it can match, and the
 * PBX's own SIP listener must run on the transport the trunk uses (registrations leave from it).
 */
export function checkTrunkSip(config: PbxConfig, report: Report): void {
  const server = config.server.sip;
  config.trunks.forEach((trunk, i) => {
    const sip = trunk.sip;
    if (!sip) return;
    const path = `trunks[${i}].sip`;
    if (!server.enabled) report(path, 'needs the PBX\'s SIP listener, but server.sip.enabled is false');
    else if (sip.transport !== 'tls' && !server.transports.includes(sip.transport)) {
      report(child(path, 'transport'), `is ${sip.transport}, but server.sip.transports (${server.transports.join(', ')}) has no ${sip.transport} listener for the trunk to use`);
    }
    if (sip.register) {
      if (sip.username === null) report(child(path, 'username'), 'required when register is true');
      if (sip.password === null) report(child(path, 'password'), 'required when register is true');
    } else if (sip.peers.length === 0 && isIP(sip.host) === 0 && HOST_NAME.test(sip.host)) {
      report(child(path, 'peers'), `required in IP-peer mode (register is false) when host is a name: list the addresses ${sip.host} sends from`);
    }
  });
}
