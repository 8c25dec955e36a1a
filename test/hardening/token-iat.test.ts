// Tokens whose iat lies in the future beyond the allowed clock skew are refused, even when correctly signed.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../../src/api/auth/signing-key.js';
import { MAX_TOKEN_ISSUED_AT_SKEW_SECONDS } from '../../src/limits.js';
import { createTestApp } from '../helpers/api.js';

test(`a token issued more than ${MAX_TOKEN_ISSUED_AT_SKEW_SECONDS} s ahead of the server's clock is refused; within the skew it is accepted`, async (t) => {
  const api = await createTestApp(t);
  const key = await loadOrCreateSigningKey(api.dataDir);
  const now = Math.floor(api.clock.now() / 1000);
  const sign = (issuedAt: number) =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('800').setIssuedAt(issuedAt).setExpirationTime(issuedAt + 3600).setJti(randomUUID()).sign(key);
  const future = await api.get('/callcontrol', { token: await sign(now + MAX_TOKEN_ISSUED_AT_SKEW_SECONDS + 60) });
  assert.equal(future.status, 401);
  assert.match(future.text, /issued in the future/);
  assert.equal((await api.get('/callcontrol', { token: await sign(now + MAX_TOKEN_ISSUED_AT_SKEW_SECONDS) })).status, 200, 'within the skew');
  assert.equal((await api.get('/callcontrol', { token: await sign(now - 10) })).status, 200);
});
