// Digest authentication as a client (RFC 3261 §22.2-22.3, RFC 8760): answers a 401/407 with the strongest algorithm offered.

import { randomBytes } from 'node:crypto';
import { DIGEST_ALGORITHMS, digestResponse, formatAuthHeader, isDigestAlgorithm, parseAuthHeader, type DigestAlgorithm } from './digest.js';
import { SipParseError } from './errors.js';
import type { SipResponse } from './message.js';

export interface DigestCredentials {
  username: string;
  password: string;
}

export interface DigestAnswer {
  /** Authorization for a 401, Proxy-Authorization for a 407. */
  header: 'Authorization' | 'Proxy-Authorization';
  value: string;
  algorithm: DigestAlgorithm;
}

const BARE = new Set(['algorithm', 'nc', 'qop']);

/**
 * Builds the credentials answering `challenge` (a 401 or 407) for a request of `method` to `uri`. Picks the
 * strongest supported algorithm among the Digest challenges; undefined when none is usable.
 */
export function answerChallenge(challenge: SipResponse, method: string, uri: string, credentials: DigestCredentials, options: { nc?: number; cnonce?: string } = {}): DigestAnswer | undefined {
  const proxy = challenge.status === 407;
  let best: { algorithm: DigestAlgorithm; params: Map<string, string> } | undefined;
  for (const value of challenge.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate')) {
    let parsed;
    try {
      parsed = parseAuthHeader(value);
    } catch (err) {
      if (err instanceof SipParseError) continue;
      throw err;
    }
    const algorithm = parsed.params.get('algorithm') ?? 'MD5';
    if (parsed.scheme.toLowerCase() !== 'digest' || !isDigestAlgorithm(algorithm) || !parsed.params.get('nonce')) continue;
    const qops = (parsed.params.get('qop') ?? '').split(',').map((q) => q.trim());
    if (parsed.params.has('qop') && !qops.includes('auth')) continue;
    if (!best || DIGEST_ALGORITHMS[algorithm].preference > DIGEST_ALGORITHMS[best.algorithm].preference) best = { algorithm, params: parsed.params };
  }
  if (!best) return undefined;
  const realm = best.params.get('realm') ?? '';
  const nonce = best.params.get('nonce') ?? '';
  const useQop = best.params.has('qop');
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = options.cnonce ?? randomBytes(12).toString('hex');
  const response = digestResponse({ algorithm: best.algorithm, username: credentials.username, realm, password: credentials.password, method, uri, nonce, ...(useQop ? { qop: { nc, cnonce } } : {}) });
  const params: Array<[string, string]> = [['username', credentials.username], ['realm', realm], ['nonce', nonce], ['uri', uri], ['response', response], ['algorithm', best.algorithm]];
  if (useQop) params.push(['qop', 'auth'], ['nc', nc], ['cnonce', cnonce]);
  const opaque = best.params.get('opaque');
  if (opaque !== undefined) params.push(['opaque', opaque]);
  return { header: proxy ? 'Proxy-Authorization' : 'Authorization', value: formatAuthHeader('Digest', params, BARE), algorithm: best.algorithm };
}
