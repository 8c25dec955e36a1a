// Access tokens: HS256 JWTs (sub = client id, iat, exp, jti) issued to API applications and checked on every request.

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { ApplicationConfig, PbxConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import { MAX_TOKEN_ISSUED_AT_SKEW_SECONDS, MAX_VERIFIED_TOKENS } from '../../limits.js';
import { ApiError, ApiErrorCodes } from '../errors.js';

const ALGORITHM = 'HS256';

/** What a verified token says, kept so that its signature is checked once, not on every request. */
interface VerifiedClaims {
  subject: string | undefined;
  tokenId: string | undefined;
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Issues and verifies the bearer tokens of the configured API applications. Expiry is read from the injected
 * clock. With `server.oneLiveTokenPerApplication`, only the latest token of each application is accepted.
 */
export class TokenService {
  /** Latest token id per client id (only when one live token per application is on); bounded by the applications. */
  private readonly latestTokenId = new Map<string, string>();
  /**
   * Tokens whose signature and claims were checked, oldest first (at most MAX_VERIFIED_TOKENS). Only what the
   * signature covers is kept: expiry, revocation and the application are still checked on every request.
   */
  private readonly verified = new Map<string, VerifiedClaims>();

  constructor(
    private readonly config: PbxConfig,
    private readonly clock: Clock,
    private readonly key: Uint8Array,
  ) {}

  /** The configured application with this client id. */
  application(clientId: string): ApplicationConfig | undefined {
    return this.config.applications.find((app) => app.clientId === clientId);
  }

  /** The application when the secret is right; compares in constant time (over digests, so lengths do not leak). */
  authenticate(clientId: string, secret: string): ApplicationConfig | undefined {
    const app = this.application(clientId);
    const expected = digest(app ? app.secret : 'no such application');
    const matches = timingSafeEqual(expected, digest(secret));
    return app && matches ? app : undefined;
  }

  /** Signs a token for `app`: iat now, exp after server.tokenLifetimeSeconds. Revokes earlier ones when configured. */
  async issue(app: ApplicationConfig): Promise<string> {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const tokenId = randomUUID();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(app.clientId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.config.server.tokenLifetimeSeconds)
      .setJti(tokenId)
      .sign(this.key);
    if (this.config.server.oneLiveTokenPerApplication) this.latestTokenId.set(app.clientId, tokenId);
    return token;
  }

  /**
   * The application a token was issued to. Throws ApiError Unauthorized when the token is not an HS256 JWT signed
   * with our key, is expired (by the injected clock), lacks a claim, names an application that is not configured,
   * or was replaced by a newer token under one live token per application.
   */
  async verify(token: string): Promise<ApplicationConfig> {
    const claims = this.verified.get(token) ?? (await this.checkSignature(token));
    if (claims.expiresAt <= Math.floor(this.clock.now() / 1000)) {
      this.verified.delete(token);
      throw new ApiError(ApiErrorCodes.UNAUTHORIZED, 'the access token has expired: request a new one at /connect/token');
    }
    const { subject, tokenId } = claims;
    const app = subject === undefined ? undefined : this.application(subject);
    if (!app) throw new ApiError(ApiErrorCodes.UNAUTHORIZED, `the access token names an application that is not configured ('${subject ?? ''}')`);
    if (this.config.server.oneLiveTokenPerApplication) {
      // Tokens from before a restart stay valid until a newer one is issued (the record is kept in memory only).
      const latest = this.latestTokenId.get(app.clientId);
      if (latest !== undefined && latest !== tokenId) throw new ApiError(ApiErrorCodes.UNAUTHORIZED, 'the access token was replaced by a newer one for this application');
    }
    return app;
  }

  /** Checks signature, algorithm and claims (jose), then remembers the token's claims. */
  private async checkSignature(token: string): Promise<VerifiedClaims> {
    let claims: VerifiedClaims;
    let issuedAt: number;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['sub', 'iat', 'exp', 'jti'],
      });
      claims = { subject: payload.sub, tokenId: payload.jti, expiresAt: payload.exp ?? 0 };
      issuedAt = payload.iat ?? 0;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new ApiError(ApiErrorCodes.UNAUTHORIZED, 'the access token has expired: request a new one at /connect/token');
      if (error instanceof joseErrors.JOSEError) throw new ApiError(ApiErrorCodes.UNAUTHORIZED, 'the access token is not valid (bad signature, algorithm or claims)');
      throw error;
    }
    // We never issue a token ahead of our clock: one that says so was made elsewhere (or the clock was set back).
    if (issuedAt > Math.floor(this.clock.now() / 1000) + MAX_TOKEN_ISSUED_AT_SKEW_SECONDS) {
      throw new ApiError(ApiErrorCodes.UNAUTHORIZED, 'the access token is not valid (issued in the future)');
    }
    if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, claims);
    return claims;
  }
}
