// Tests of POST /connect/token: every encoding, the exact response and JWT, every failure, slowing down, the key file.

import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { FailureLimiter } from '../../src/guard/failure-limiter.js';
import { SIGNING_KEY_FILE } from '../../src/api/auth/signing-key.js';
import { ManualClock } from '../../src/core/clock.js';
import { MAX_REQUEST_BODY_BYTES, TOKEN_FAILURE_WINDOW_SECONDS, TOKEN_MAX_FAILED_ATTEMPTS } from '../../src/limits.js';
import { createTestApp, SECOND_APP, TEST_DEMO_SECRET, tempDataDir, withSecondApplication, type TestApp } from '../helpers/api.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** A multipart/form-data body with our own boundary, as a client library would build it. */
function multipart(fields: Record<string, string>, file?: { name: string; filename: string; content: string }) {
  const boundary = '----switchboard-test-7MA4YWxkTrZu0gW';
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  if (file) parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: text/plain\r\n\r\n${file.content}\r\n`);
  return { body: `${parts.join('')}--${boundary}--\r\n`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const GOOD = { grant_type: 'client_credentials', client_id: '800', client_secret: TEST_DEMO_SECRET };

async function tokenRequest(t: TestApp, payload: string, headers: Record<string, string> = FORM) {
  return t.request('POST', '/connect/token', { raw: payload, headers, token: false });
}

function assertTokenResponse(t: TestApp, status: number, json: unknown, clientId = '800'): string {
  assert.equal(status, 200);
  const body = json as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['token_type', 'expires_in', 'access_token', 'refresh_token']);
  assert.equal(body['token_type'], 'Bearer');
  assert.equal(body['expires_in'], 60);
  assert.equal(body['refresh_token'], null);
  const token = body['access_token'] as string;
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT' });
  const claims = decodeJwt(token);
  assert.equal(claims.sub, clientId);
  assert.equal(claims.iat, Math.floor(t.clock.now() / 1000));
  assert.equal(claims.exp, claims.iat! + t.config.server.tokenLifetimeSeconds);
  assert.equal(typeof claims.jti, 'string');
  return token;
}

describe('POST /connect/token: encodings', () => {
  test('form-urlencoded: exact response, HS256 JWT with sub, iat, exp = iat + lifetime (1 h), jti; no-store', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, form(GOOD));
    assertTokenResponse(t, response.status, response.json);
    assert.equal(t.config.server.tokenLifetimeSeconds, 3600);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['pragma'], 'no-cache');
    // The token works.
    assert.equal((await t.get('/callcontrol', { token: (response.json as { access_token: string }).access_token })).status, 200);
  });

  test('form-urlencoded with charset and extra fields (scope) is fine', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, form({ ...GOOD, scope: 'anything' }), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    assertTokenResponse(t, response.status, response.json);
  });

  test('multipart/form-data with a client-generated boundary', async (ctx) => {
    const t = await createTestApp(ctx);
    const { body, headers } = multipart(GOOD);
    const response = await tokenRequest(t, body, headers);
    assertTokenResponse(t, response.status, response.json);
  });

  test('HTTP Basic client authentication with grant_type in the body', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, form({ grant_type: 'client_credentials' }), { ...FORM, authorization: basic('800', TEST_DEMO_SECRET) });
    assertTokenResponse(t, response.status, response.json);
  });

  test('HTTP Basic with form-encoded credentials (RFC 6749 §2.3.1) and with raw ones both work', async (ctx) => {
    const t = await createTestApp(ctx, {
      configure: (config) => {
        config.applications[0]!.secret = 'a+b c:d%';
      },
    });
    const encoded = basic(encodeURIComponent('800'), encodeURIComponent('a+b c:d%').replace(/%20/g, '+'));
    assertTokenResponse(t, ...statusJson(await tokenRequest(t, form({ grant_type: 'client_credentials' }), { ...FORM, authorization: encoded })));
    assertTokenResponse(t, ...statusJson(await tokenRequest(t, form({ grant_type: 'client_credentials' }), { ...FORM, authorization: basic('800', 'a+b c:d%') })));
  });

  test('HTTP Basic with the same client_id repeated in the body is fine', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, form({ grant_type: 'client_credentials', client_id: '800' }), { ...FORM, authorization: basic('800', TEST_DEMO_SECRET) });
    assertTokenResponse(t, response.status, response.json);
  });

  test('a JSON body is tolerated too', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, JSON.stringify(GOOD), { 'content-type': 'application/json' });
    assertTokenResponse(t, response.status, response.json);
  });

  test('an alphanumeric client id (route point "ai") gets its own token', async (ctx) => {
    const t = await createTestApp(ctx, { configure: withSecondApplication });
    const response = await tokenRequest(t, form({ grant_type: 'client_credentials', client_id: SECOND_APP.clientId, client_secret: SECOND_APP.secret }));
    assertTokenResponse(t, response.status, response.json, 'ai');
  });

  test('the lifetime follows server.tokenLifetimeSeconds while expires_in stays 60', async (ctx) => {
    const t = await createTestApp(ctx, {
      configure: (config) => {
        config.server.tokenLifetimeSeconds = 120;
      },
    });
    const response = await tokenRequest(t, form(GOOD));
    const token = assertTokenResponse(t, response.status, response.json);
    const claims = decodeJwt(token);
    assert.equal(claims.exp! - claims.iat!, 120);
  });
});

function statusJson(response: { status: number; json: unknown }): [number, unknown] {
  return [response.status, response.json];
}

function assertOAuthError(response: { status: number; json: unknown }, status: number, error: string) {
  assert.equal(response.status, status, JSON.stringify(response.json));
  const body = response.json as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['error', 'error_description']);
  assert.equal(body['error'], error);
  assert.equal(typeof body['error_description'], 'string');
  assert.ok((body['error_description'] as string).length > 5);
}

describe('POST /connect/token: failures', () => {
  test('wrong secret: 401 invalid_client, no WWW-Authenticate without Basic', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, form({ ...GOOD, client_secret: 'wrong-secret' }));
    assertOAuthError(response, 401, 'invalid_client');
    assert.equal(response.headers['www-authenticate'], undefined);
  });

  test('unknown client: 401 invalid_client', async (ctx) => {
    const t = await createTestApp(ctx);
    assertOAuthError(await tokenRequest(t, form({ ...GOOD, client_id: '999' })), 401, 'invalid_client');
  });

  test('a client id far too long to be configured: 401 invalid_client', async (ctx) => {
    const t = await createTestApp(ctx);
    assertOAuthError(await tokenRequest(t, form({ ...GOOD, client_id: 'x'.repeat(5000) })), 401, 'invalid_client');
  });

  test('wrong secret over Basic: 401 invalid_client with WWW-Authenticate: Basic', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, form({ grant_type: 'client_credentials' }), { ...FORM, authorization: basic('800', 'nope-nope') });
    assertOAuthError(response, 401, 'invalid_client');
    assert.match(String(response.headers['www-authenticate']), /^Basic /);
  });

  test('grant_type other than client_credentials: 400 unsupported_grant_type', async (ctx) => {
    const t = await createTestApp(ctx);
    assertOAuthError(await tokenRequest(t, form({ ...GOOD, grant_type: 'password' })), 400, 'unsupported_grant_type');
  });

  for (const missing of ['grant_type', 'client_id', 'client_secret'] as const) {
    test(`missing ${missing}: 400 invalid_request naming it`, async (ctx) => {
      const t = await createTestApp(ctx);
      const fields: Record<string, string> = { ...GOOD };
      delete fields[missing];
      const response = await tokenRequest(t, form(fields));
      assertOAuthError(response, 400, 'invalid_request');
      assert.match((response.json as { error_description: string }).error_description, new RegExp(missing));
    });
  }

  test('an empty body or no content type: 400 invalid_request', async (ctx) => {
    const t = await createTestApp(ctx);
    assertOAuthError(await tokenRequest(t, '', {}), 400, 'invalid_request');
    assertOAuthError(await tokenRequest(t, '', FORM), 400, 'invalid_request');
  });

  test('a repeated field: 400 invalid_request', async (ctx) => {
    const t = await createTestApp(ctx);
    assertOAuthError(await tokenRequest(t, `${form(GOOD)}&client_id=801`), 400, 'invalid_request');
  });

  test('a file part in multipart: 400 invalid_request', async (ctx) => {
    const t = await createTestApp(ctx);
    const { body, headers } = multipart(GOOD, { name: 'client_secret_file', filename: 'secret.txt', content: 'x' });
    const response = await tokenRequest(t, body, headers);
    assertOAuthError(response, 400, 'invalid_request');
    assert.match((response.json as { error_description: string }).error_description, /file/);
  });

  test('Basic and client_secret in the body together, or Basic with another client_id in the body: 400 invalid_request', async (ctx) => {
    const t = await createTestApp(ctx);
    const auth = { ...FORM, authorization: basic('800', TEST_DEMO_SECRET) };
    assertOAuthError(await tokenRequest(t, form(GOOD), auth), 400, 'invalid_request');
    assertOAuthError(await tokenRequest(t, form({ grant_type: 'client_credentials', client_id: '801' }), auth), 400, 'invalid_request');
  });

  test('malformed Basic credentials (no colon): 400 invalid_request', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await tokenRequest(t, form({ grant_type: 'client_credentials' }), { ...FORM, authorization: `Basic ${Buffer.from('800').toString('base64')}` });
    assertOAuthError(response, 400, 'invalid_request');
  });

  test('an unreadable content type: 400 invalid_request; a body over the limit: 413 invalid_request', async (ctx) => {
    const t = await createTestApp(ctx);
    assertOAuthError(await tokenRequest(t, form(GOOD), { 'content-type': 'application/xml' }), 400, 'invalid_request');
    const huge = form({ ...GOOD, padding: 'x'.repeat(MAX_REQUEST_BODY_BYTES) });
    assertOAuthError(await tokenRequest(t, huge), 413, 'invalid_request');
  });

  test('malformed JSON: 400 invalid_request', async (ctx) => {
    const t = await createTestApp(ctx);
    assertOAuthError(await tokenRequest(t, '{"grant_type":', { 'content-type': 'application/json' }), 400, 'invalid_request');
  });
});

describe('POST /connect/token: slowing down guessing', () => {
  test(`after ${TOKEN_MAX_FAILED_ATTEMPTS} failures in ${TOKEN_FAILURE_WINDOW_SECONDS} s that client id gets 429 with Retry-After, even with the right secret; other clients are fine; the window passes`, async (ctx) => {
    const t = await createTestApp(ctx, { configure: withSecondApplication });
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS; i++) {
      assertOAuthError(await tokenRequest(t, form({ ...GOOD, client_secret: `guess-${i}` })), 401, 'invalid_client');
      t.clock.advance(1000);
    }
    const blocked = await tokenRequest(t, form({ ...GOOD, client_secret: 'guess-x' }));
    assertOAuthError(blocked, 429, 'slow_down');
    // The window opened at the first failure, 5 s ago: 55 s to go.
    assert.equal(blocked.headers['retry-after'], String(TOKEN_FAILURE_WINDOW_SECONDS - TOKEN_MAX_FAILED_ATTEMPTS));
    assertOAuthError(await tokenRequest(t, form(GOOD)), 429, 'slow_down');

    // Another client id is unaffected.
    const other = await tokenRequest(t, form({ grant_type: 'client_credentials', client_id: SECOND_APP.clientId, client_secret: SECOND_APP.secret }));
    assert.equal(other.status, 200);

    t.clock.advance((TOKEN_FAILURE_WINDOW_SECONDS - TOKEN_MAX_FAILED_ATTEMPTS) * 1000 - 1);
    assert.equal((await tokenRequest(t, form(GOOD))).status, 429);
    t.clock.advance(1);
    assertTokenResponse(t, ...statusJson(await tokenRequest(t, form(GOOD))));
  });

  test('failures of an unknown client id are counted under that id and block it alone', async (ctx) => {
    const t = await createTestApp(ctx);
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS; i++) assertOAuthError(await tokenRequest(t, form({ ...GOOD, client_id: 'ghost' })), 401, 'invalid_client');
    assertOAuthError(await tokenRequest(t, form({ ...GOOD, client_id: 'ghost' })), 429, 'slow_down');
    assert.equal((await tokenRequest(t, form(GOOD))).status, 200);
  });

  test('a success resets the count', async (ctx) => {
    const t = await createTestApp(ctx);
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS - 1; i++) await tokenRequest(t, form({ ...GOOD, client_secret: 'wrong-one' }));
    assert.equal((await tokenRequest(t, form(GOOD))).status, 200);
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS - 1; i++) await tokenRequest(t, form({ ...GOOD, client_secret: 'wrong-one' }));
    assert.equal((await tokenRequest(t, form(GOOD))).status, 200);
  });

  test('requests refused as invalid_request are not counted as guesses', async (ctx) => {
    const t = await createTestApp(ctx);
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS * 2; i++) await tokenRequest(t, form({ grant_type: 'client_credentials', client_id: '800' }));
    assert.equal((await tokenRequest(t, form(GOOD))).status, 200);
  });

  test('the failure records are bounded: the oldest unknown id is forgotten first, known ones never by unknown ones', () => {
    const clock = new ManualClock();
    const limiter = new FailureLimiter(clock, { maxFailures: 2, windowMs: 60_000, maxKnownEntries: 1, maxUnknownEntries: 3 });
    limiter.recordFailure('800', true);
    limiter.recordFailure('800', true);
    for (const id of ['a', 'b', 'c', 'd']) {
      limiter.recordFailure(id, false);
      limiter.recordFailure(id, false);
      clock.advance(10);
    }
    assert.deepEqual(limiter.size, { known: 1, unknown: 3 });
    assert.equal(limiter.retryAfterMs('a', false), 0, 'a was evicted');
    assert.equal(limiter.retryAfterMs('d', false), 60_000 - 10);
    assert.equal(limiter.retryAfterMs('800', true), 60_000 - 40, 'the known key outlived four unknown ones');
    assert.equal(limiter.retryAfterMs('800', false), 0, 'a key is counted in the table it was recorded in');
    clock.advance(60_000);
    assert.equal(limiter.retryAfterMs('d', false), 0);
    assert.deepEqual(limiter.size, { known: 1, unknown: 2 }, 'expired windows are dropped when looked at');
  });
});

describe('the signing key', () => {
  test('is 32 bytes in <dataDir>/token-signing.key, mode 0600, and reused by the next start: old tokens stay valid', async (ctx) => {
    const dataDir = tempDataDir();
    const first = await createTestApp(undefined, { dataDir });
    const token = await first.token();
    const path = join(dataDir, SIGNING_KEY_FILE);
    const key = readFileSync(path);
    assert.equal(key.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await first.close();

    const second = await createTestApp(ctx, { dataDir });
    assert.deepEqual(readFileSync(path), key);
    assert.equal((await second.get('/callcontrol', { token })).status, 200);
  });

  test('creates the data folder when missing', async (ctx) => {
    const dataDir = join(tempDataDir(), 'nested', 'state');
    await createTestApp(ctx, { dataDir });
    assert.equal(readFileSync(join(dataDir, SIGNING_KEY_FILE)).length, 32);
  });

  test('a key file of the wrong size stops the start with a clear message instead of being replaced', async () => {
    const dataDir = tempDataDir();
    writeFileSync(join(dataDir, SIGNING_KEY_FILE), 'short');
    await assert.rejects(createTestApp(undefined, { dataDir }), /token-signing\.key holds 5 bytes, expected 32/);
  });
});
