// The SIP parts of the configuration: server.sip (listener, digest, bans) and extensions[].sip (credentials), with their defaults and cross-checks.

import type { ExtensionSipConfig, PbxConfig, SipAlgorithm, SipConfig, SipTlsConfig, SipTransportName } from './types.js';

export const SIP_TRANSPORTS = ['udp', 'tcp'] as const;
export const SIP_ALGORITHMS = ['MD5', 'SHA-256'] as const;

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
  };
}

/** SIP TLS needs a port of its own beside TCP; auth ids are unique across extensions (a REGISTER's username must name one extension), and lists hold no repeats. */
export function checkSip(config: PbxConfig, report: (path: string, message: string) => void): void {
  const { port, transports, tls } = config.server.sip;
  // TLS runs over TCP: on the TCP port it could not bind.
  if (tls.enabled && tls.port !== 0 && tls.port === port && transports.includes('tcp')) report('server.sip.tls.port', `must differ from server.sip.port (${port}), which TCP uses`);
  const authIds = new Map<string, string>();
  config.extensions.forEach((extension, i) => {
    if (!extension.sip) return;
    const path = `extensions[${i}].sip.authId`;
    const first = authIds.get(extension.sip.authId);
    if (first !== undefined) report(path, `duplicate SIP auth id ${extension.sip.authId} (also at ${first})`);
    else authIds.set(extension.sip.authId, path);
  });
}
