// Digest authentication as a server (RFC 3261 §22, RFC 8760): challenges, nonces with expiry and stale=true, nonce-count replay checks.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SipClock } from './clock.js';
import { digestResponse, formatAuthHeader, isDigestAlgorithm, parseAuthHeader, type DigestAlgorithm } from './digest.js';
import { SipParseError } from './errors.js';
import { MAX_SIP_NONCES, SIP_NONCE_LIFETIME_MS } from './limits.js';

export interface DigestServerOptions {
  realm: string;
  clock: SipClock;
  /** Offered in this order, one challenge each; MD5 first by default because many phones read only the first. */
  algorithms?: readonly DigestAlgorithm[];
  nonceLifetimeMs?: number;
  maxNonces?: number;
  /** Key for signing nonces; random per process when absent. */
  secret?: Buffer;
}

export type DigestVerdict =
  | { ok: true; username: string }
  /** `stale`: the credentials were right but the nonce had expired; challenge again with stale=true. */
  | { ok: false; stale: boolean; reason: 'missing' | 'malformed' | 'realm' | 'algorithm' | 'nonce' | 'replay' | 'credentials' };

const BARE = new Set(['algorithm', 'stale']);

export class DigestServer {
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly lifetimeMs: number;
  private readonly maxNonces: number;
  private readonly secret: Buffer;
  /** Highest nonce count accepted per nonce still live; Map order is issue order, so the oldest goes first at the bound. */
  private readonly counts = new Map<string, { count: number; issuedMs: number }>();
  /** Issue time of the newest nonce forgotten at the bound: older unseen nonces are refused as stale, so forgetting never reopens a replay. */
  private forgottenUpToMs = -Infinity;

  constructor(private readonly options: DigestServerOptions) {
    this.algorithms = options.algorithms ?? ['MD5', 'SHA-256'];
    if (this.algorithms.length === 0) throw new RangeError('at least one digest algorithm must be offered');
    this.lifetimeMs = options.nonceLifetimeMs ?? SIP_NONCE_LIFETIME_MS;
    this.maxNonces = options.maxNonces ?? MAX_SIP_NONCES;
    this.secret = options.secret ?? randomBytes(32);
  }

  /** WWW-Authenticate (or Proxy-Authenticate) values, one per algorithm, sharing one fresh nonce. */
  challenge(stale = false): string[] {
    const nonce = this.issueNonce();
    return this.algorithms.map((algorithm) => {
      const params: Array<[string, string]> = [['realm', this.options.realm], ['nonce', nonce], ['algorithm', algorithm], ['qop', 'auth']];
      if (stale) params.push(['stale', 'true']);
      return formatAuthHeader('Digest', params, BARE);
    });
  }

  /**
   * Checks an Authorization value for `method`. `password(username)` returns the user's password or undefined;
   * an unknown user is checked against a throwaway password so the work and the verdict match a wrong password.
   */
  verify(method: string, authorization: string | undefined, password: (username: string) => string | undefined): DigestVerdict {
    if (authorization === undefined) return { ok: false, stale: false, reason: 'missing' };
    let params: Map<string, string>;
    try {
      const header = parseAuthHeader(authorization);
      if (header.scheme.toLowerCase() !== 'digest') return { ok: false, stale: false, reason: 'malformed' };
      params = header.params;
    } catch (err) {
      if (err instanceof SipParseError) return { ok: false, stale: false, reason: 'malformed' };
      throw err;
    }
    const get = (name: string) => params.get(name) ?? '';
    const [username, realm, nonce, uri, response, nc, cnonce] = ['username', 'realm', 'nonce', 'uri', 'response', 'nc', 'cnonce'].map(get) as [string, string, string, string, string, string, string];
    const algorithm = params.get('algorithm') ?? 'MD5';
    if (!username || !nonce || !uri || !/^[0-9a-f]+$/i.test(response)) return { ok: false, stale: false, reason: 'malformed' };
    if (realm !== this.options.realm) return { ok: false, stale: false, reason: 'realm' };
    if (!isDigestAlgorithm(algorithm) || !this.algorithms.includes(algorithm)) return { ok: false, stale: false, reason: 'algorithm' };
    if (get('qop').toLowerCase() !== 'auth' || !/^[0-9a-f]{8}$/i.test(nc) || !cnonce) return { ok: false, stale: false, reason: 'malformed' };
    const known = password(username);
    const expected = digestResponse({ algorithm, username, realm, password: known ?? randomBytes(16).toString('hex'), method, uri, nonce, qop: { nc, cnonce } });
    const matches = constantTimeEqual(expected, response.toLowerCase()) && known !== undefined;
    const issuedMs = this.nonceIssuedAt(nonce);
    if (issuedMs === undefined) return { ok: false, stale: false, reason: 'nonce' };
    const last = this.counts.get(nonce);
    if (this.options.clock.now() - issuedMs > this.lifetimeMs || (last === undefined && issuedMs <= this.forgottenUpToMs)) return { ok: false, stale: matches, reason: 'nonce' };
    if (!matches) return { ok: false, stale: false, reason: 'credentials' };
    const count = parseInt(nc, 16);
    if (last !== undefined && count <= last.count) return { ok: false, stale: false, reason: 'replay' };
    this.remember(nonce, count, issuedMs);
    return { ok: true, username };
  }

  /** Nonces tracked for replay checks. */
  get trackedNonces(): number {
    return this.counts.size;
  }

  /** nonce = base64url(issue time ms, 8 random bytes, 16 bytes of HMAC over both): verifiable without state. */
  private issueNonce(): string {
    const body = Buffer.alloc(16);
    body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.options.clock.now()))), 0);
    randomBytes(8).copy(body, 8);
    return Buffer.concat([body, this.sign(body)]).toString('base64url');
  }

  /** When the nonce was issued, or undefined when this server did not issue it. */
  private nonceIssuedAt(nonce: string): number | undefined {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32 || raw.toString('base64url') !== nonce) return undefined;
    const body = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), this.sign(body))) return undefined;
    return Number(body.readBigUInt64BE(0));
  }

  private sign(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 16);
  }

  private remember(nonce: string, count: number, issuedMs: number): void {
    this.counts.delete(nonce);
    this.counts.set(nonce, { count, issuedMs });
    for (const [old, entry] of this.counts) {
      if (this.counts.size <= this.maxNonces) break;
      this.counts.delete(old);
      this.forgottenUpToMs = Math.max(this.forgottenUpToMs, entry.issuedMs);
    }
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Compare equal lengths only; a length mismatch still costs one comparison so timing says nothing of the secret.
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
