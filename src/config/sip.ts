// The SIP parts of the configuration: server.sip (listener, digest, bans) and extensions[].sip (credentials), with their defaults and cross-checks.

import { DEFAULT_RTP_MAX_PORT, DEFAULT_RTP_MIN_PORT } from '../limits.js';
import type { ExtensionSipConfig, PbxConfig, SipAlgorithm, SipAutoAnswer, SipConfig, SipRtpConfig, SipTlsConfig, SipTransportName } from './types.js';

export const SIP_TRANSPORTS = ['udp', 'tcp'] as const;
export const SIP_ALGORITHMS = ['MD5', 'SHA-256'] as const;
export const SIP_AUTO_ANSWER = ['none', 'call-info', 'answer-mode'] as const;

export const SIP_DEFAULTS = {
  enabled: true,
  // Loopback unless told otherwise: a SIP port on a network is attacked within minutes (docs/sip.md).
  host: '127.0.0.1',
  port: 5060,
  transports: ['udp', 'tcp'] as SipTransportName[],
  realm: 'switchboard',
  // MD5 first: many phones and SIPp read only the first challenge.
  algorithms: ['MD5', 'SHA-256'] as SipAlgorithm[],
  banSeconds: 600,
  // Off unless asked for: it needs certificate material, and phones must be told to trust it.
  tls: { enabled: false, port: 5061 },
  // Loopback like the signalling; a phone on the network needs an address it can reach (docs/sip.md).
  rtp: { address: '127.0.0.1', portMin: DEFAULT_RTP_MIN_PORT, portMax: DEFAULT_RTP_MAX_PORT },
} as const;

type Fields = Record<string, unknown>;

const isMapping = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** server.sip with defaults; lenient like the rest of normalization (the schema reports what is wrong). */
export function buildSipServer(value: unknown): SipConfig {
  const sip = isMapping(value) ? value : {};
  const d = SIP_DEFAULTS;
  const transports = list(sip['transports']).filter((t): t is SipTransportName => SIP_TRANSPORTS.includes(t as SipTransportName));
  const algorithms = list(sip['algorithms']).filter((a): a is SipAlgorithm => SIP_ALGORITHMS.includes(a as SipAlgorithm));
  return {
    enabled: typeof sip['enabled'] === 'boolean' ? sip['enabled'] : d.enabled,
    host: typeof sip['host'] === 'string' ? sip['host'] : d.host,
    port: typeof sip['port'] === 'number' ? sip['port'] : d.port,
    transports: transports.length > 0 ? [...new Set(transports)] : [...d.transports],
    realm: typeof sip['realm'] === 'string' ? sip['realm'] : d.realm,
    algorithms: algorithms.length > 0 ? [...new Set(algorithms)] : [...d.algorithms],
    banSeconds: typeof sip['banSeconds'] === 'number' ? sip['banSeconds'] : d.banSeconds,
    tls: buildSipTls(sip['tls']),
    rtp: buildSipRtp(sip['rtp']),
  };
}

function buildSipRtp(value: unknown): SipRtpConfig {
  const rtp = isMapping(value) ? value : {};
  const d = SIP_DEFAULTS.rtp;
  return {
    address: typeof rtp['address'] === 'string' ? rtp['address'] : d.address,
    portMin: typeof rtp['portMin'] === 'number' ? rtp['portMin'] : d.portMin,
    portMax: typeof rtp['portMax'] === 'number' ? rtp['portMax'] : d.portMax,
  };
}

function buildSipTls(value: unknown): SipTlsConfig {
  const tls = isMapping(value) ? value : {};
  return {
    enabled: typeof tls['enabled'] === 'boolean' ? tls['enabled'] : SIP_DEFAULTS.tls.enabled,
    port: typeof tls['port'] === 'number' ? tls['port'] : SIP_DEFAULTS.tls.port,
  };
}

/** extensions[].sip: credentials, the auth id defaulting to the extension number; null when the extension has none. */
export function buildExtensionSip(value: unknown, number: string): ExtensionSipConfig | null {
  if (!isMapping(value)) return null;
  const authId = value['authId'];
  return {
    authId: typeof authId === 'string' ? authId : typeof authId === 'number' ? String(authId) : number,
    password: typeof value['password'] === 'string' ? value['password'] : '',
    autoAnswer: SIP_AUTO_ANSWER.includes(value['autoAnswer'] as SipAutoAnswer) ? (value['autoAnswer'] as SipAutoAnswer) : 'none',
  };
}

/** SIP TLS needs a port of its own beside TCP; auth ids are unique across extensions (a REGISTER's username must name one extension), and lists hold no repeats. */
export function checkSip(config: PbxConfig, report: (path: string, message: string) => void): void {
  const { port, transports, tls } = config.server.sip;
  // TLS runs over TCP: on the TCP port it could not bind.
  if (tls.enabled && tls.port !== 0 && tls.port === port && transports.includes('tcp')) report('server.sip.tls.port', `must differ from server.sip.port (${port}), which TCP uses`);
  const { address, portMin, portMax } = config.server.sip.rtp;
  // The address is written in SDP for phones to send to: a wildcard there would read as hold (RFC 3264 §8.4) or nowhere.
  if (address === '0.0.0.0' || address === '::') report('server.sip.rtp.address', `must be an address phones can send RTP to (it is written in SDP), not the wildcard ${address}`);
  // A session takes an even port for RTP and the next one for RTCP: the range must hold one such pair.
  const firstEven = portMin % 2 === 0 ? portMin : portMin + 1;
  if (firstEven + 1 > portMax) report('server.sip.rtp.portMax', `must leave room for an even RTP port and the RTCP port after it from portMin (${portMin}); got ${portMax}`);
  const authIds = new Map<string, string>();
  config.extensions.forEach((extension, i) => {
    if (!extension.sip) return;
    const path = `extensions[${i}].sip.authId`;
    const first = authIds.get(extension.sip.authId);
    if (first !== undefined) report(path, `duplicate SIP auth id ${extension.sip.authId} (also at ${first})`);
    else authIds.set(extension.sip.authId, path);
  });
}
