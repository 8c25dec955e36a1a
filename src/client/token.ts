// Client-credentials tokens for the SDK: fetched once, shared by concurrent callers, refreshed before the JWT's exp.

import { CallControlError, fetchOrExplain, readBody, stringField } from './errors.js';
import type { TokenResponse } from './types.js';

export interface TokenSourceOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch: typeof fetch;
  /** Milliseconds since the epoch; the client's clock, compared with the token's `exp`. */
  now: () => number;
  /** Refresh this long before `exp` (capped at half the token's lifetime). */
  refreshMarginMs: number;
}

/** The JWT payload's claims, decoded without verifying (the client cannot verify and does not need to). */
export function decodeJwtClaims(token: string): { exp?: number; iat?: number; sub?: string } {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null) return {};
    const { exp, iat, sub } = claims as Record<string, unknown>;
    return {
      ...(typeof exp === 'number' ? { exp } : {}),
      ...(typeof iat === 'number' ? { iat } : {}),
      ...(typeof sub === 'string' ? { sub } : {}),
    };
  } catch {
    return {};
  }
}

/** Resolves with `promise`, or rejects when `signal` aborts first (the shared promise goes on for others). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Holds the current access token. Live 3CX servers answer `expires_in: 60` while the JWT lasts an hour, so the
 * refresh time comes from the JWT's `exp` (falling back to `expires_in`); a 401 from the server invalidates the token
 * early (revoked, or the clocks disagree).
 */
export class TokenSource {
  private current: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<TokenResponse> | undefined;

  constructor(private readonly options: TokenSourceOptions) {}

  /** A token that is not about to expire: the cached one, or a new one. */
  async get(signal?: AbortSignal): Promise<string> {
    const current = this.current;
    if (current && this.options.now() < current.refreshAt) return current.token;
    return (await this.fetchShared(signal)).access_token;
  }

  /** A new token, always from the server (concurrent calls share one request). */
  fetchNew(signal?: AbortSignal): Promise<TokenResponse> {
    return this.fetchShared(signal);
  }

  /** Forgets `token` if it is the current one (the server refused it); a newer token is kept. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private fetchShared(signal: AbortSignal | undefined): Promise<TokenResponse> {
    if (!this.inflight) {
      // Not tied to one caller's signal: other callers may be waiting for the same request.
      this.inflight = this.requestToken().finally(() => (this.inflight = undefined));
    }
    return abortable(this.inflight, signal);
  }

  private async requestToken(): Promise<TokenResponse> {
    const { baseUrl, clientId, clientSecret } = this.options;
    const response = await fetchOrExplain(this.options.fetch, baseUrl, `${baseUrl}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    });
    const body = await readBody(response);
    const accessToken = stringField(body, 'access_token');
    if (!response.ok || accessToken === undefined) {
      throw new CallControlError({
        status: response.status,
        reason: stringField(body, 'error') ?? (response.ok ? 'InvalidTokenResponse' : response.statusText || String(response.status)),
        reasontext: stringField(body, 'error_description') ?? (response.ok ? 'the token response has no access_token' : ''),
        body,
        request: 'POST /connect/token',
      });
    }
    const token = body as TokenResponse;
    this.current = { token: accessToken, refreshAt: this.refreshTime(accessToken, token.expires_in) };
    return token;
  }

  private refreshTime(token: string, expiresIn: unknown): number {
    const { exp, iat } = decodeJwtClaims(token);
    const margin = this.options.refreshMarginMs;
    if (exp !== undefined) {
      const lifetimeMs = iat !== undefined && iat < exp ? (exp - iat) * 1000 : Number.POSITIVE_INFINITY;
      return exp * 1000 - Math.min(margin, lifetimeMs / 2);
    }
    if (typeof expiresIn === 'number' && expiresIn > 0) return this.options.now() + expiresIn * 1000 - Math.min(margin, (expiresIn * 1000) / 2);
    return Number.POSITIVE_INFINITY; // nothing says when: rely on a 401 to refresh
  }
}
