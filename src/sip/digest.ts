// Digest computation shared by server and client (RFC 3261 §22.4, RFC 7616 as applied to SIP by RFC 8760), and the auth header syntax.

import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import { clip, isToken, quote, skipQuoted, unquote } from './grammar.js';

/** One table of algorithms: the name on the wire, the hash, and the preference when several are offered (higher wins). */
export const DIGEST_ALGORITHMS = {
  MD5: { hash: 'md5', preference: 1 },
  'SHA-256': { hash: 'sha256', preference: 2 },
  'SHA-512-256': { hash: 'sha512-256', preference: 3 },
} as const;

export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return Object.hasOwn(DIGEST_ALGORITHMS, name);
}

export function digestHash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(DIGEST_ALGORITHMS[algorithm].hash).update(text, 'utf8').digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** qop=auth with its nonce count (8 hex digits) and client nonce; absent for the RFC 2069 form. */
  qop?: { nc: string; cnonce: string };
}

/** The request-digest: H(H(A1):nonce:nc:cnonce:qop:H(A2)) with A1 = user:realm:password, A2 = method:uri. */
export function digestResponse(input: DigestInput): string {
  const ha1 = digestHash(input.algorithm, `${input.username}:${input.realm}:${input.password}`);
  const ha2 = digestHash(input.algorithm, `${input.method}:${input.uri}`);
  const tail = input.qop ? `${input.nonce}:${input.qop.nc}:${input.qop.cnonce}:auth:${ha2}` : `${input.nonce}:${ha2}`;
  return digestHash(input.algorithm, `${ha1}:${tail}`);
}

/** A parsed `Digest a=b, c="d"` header value; parameter names lower-cased, values unquoted. */
export interface AuthHeader {
  scheme: string;
  params: Map<string, string>;
}

/** Parses a WWW-Authenticate, Proxy-Authenticate, Authorization or Proxy-Authorization value. */
export function parseAuthHeader(value: string): AuthHeader {
  const m = /^[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+(.*)$/s.exec(value);
  if (!m) fail('MALFORMED_HEADER', `bad authentication header: ${clip(value)}`);
  const params = new Map<string, string>();
  const text = m[2] ?? '';
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('MALFORMED_HEADER', `bad authentication parameter: ${clip(text.slice(i))}`);
    const name = text.slice(i, eq).trim().toLowerCase();
    if (!isToken(name)) fail('MALFORMED_HEADER', `bad authentication parameter: ${clip(text.slice(i))}`);
    let j = eq + 1;
    while (text[j] === ' ' || text[j] === '\t') j++;
    let raw: string;
    if (text[j] === '"') {
      const end = skipQuoted(text, j);
      if (end < 0) fail('MALFORMED_HEADER', 'unterminated quoted string');
      raw = unquote(text.slice(j, end));
      j = end;
    } else {
      const comma = text.indexOf(',', j);
      raw = text.slice(j, comma < 0 ? text.length : comma).trim();
      if (!isToken(raw)) fail('MALFORMED_HEADER', `unquoted authentication value must be a token: ${clip(raw)}`);
      j = comma < 0 ? text.length : comma;
    }
    if (params.has(name) || params.size >= 32) fail('MALFORMED_HEADER', 'duplicate or too many authentication parameters');
    params.set(name, raw);
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    if (j < text.length && text[j] !== ',') fail('MALFORMED_HEADER', 'authentication parameters must be separated by commas');
    i = j + 1;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  }
  return { scheme: m[1] ?? '', params };
}

/** Writes an auth header; names in `bare` (algorithm, nc, qop in credentials, stale) are not quoted, as RFC 3261 §25.1 spells them. */
export function formatAuthHeader(scheme: string, params: Array<[string, string]>, bare: ReadonlySet<string>): string {
  return `${scheme} ${params.map(([n, v]) => `${n}=${bare.has(n) ? v : quote(v)}`).join(', ')}`;
}
