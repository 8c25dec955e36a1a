// POST /connect/token in every encoding clients use, its errors, and bearer tokens on /callcontrol (PROTOCOL.md §2).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { driven, type Case } from '../context.js';
import { send, tokenForm, type HttpResponse } from '../http.js';
import { assertError, assertOAuthError, assertTokenResponse } from '../wire.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A multipart/form-data body with a boundary of the client's own making, as .NET's MultipartFormDataContent sends it. */
export function multipartBody(fields: Record<string, string>, boundary = `----conformance${randomBytes(8).toString('hex')}`): { body: string; contentType: string } {
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return { body: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary="${boundary}"` };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** A token with one character of its signature changed. */
export function tampered(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
}

export function tokenCases(c: Case): void {
  const { clientId, clientSecret } = c.api.credentials;
  const token = (init: { headers?: Record<string, string>; body?: string }): Promise<HttpResponse> => send(c.endpoint, 'POST', '/connect/token', init);
  const works = async (accessToken: string) => assert.equal((await send(c.endpoint, 'GET', '/callcontrol', { headers: { authorization: `Bearer ${accessToken}` } })).status, 200);

  describe('POST /connect/token', () => {
    test('urlencoded client credentials: exactly {token_type, expires_in: 60, access_token (HS256 JWT, sub = client id), refresh_token: null}', async () => {
      const { token: accessToken } = assertTokenResponse(await token({ headers: FORM, body: tokenForm(c.api.credentials) }), clientId);
      await works(accessToken);
    });

    test('multipart/form-data with a client-generated boundary', async () => {
      const { body, contentType } = multipartBody({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' });
      await works(assertTokenResponse(await token({ headers: { 'content-type': contentType }, body }), clientId).token);
    });

    test('HTTP Basic client authentication with grant_type in the body', async () => {
      const response = await token({ headers: { ...FORM, authorization: basic(clientId, clientSecret) }, body: 'grant_type=client_credentials' });
      await works(assertTokenResponse(response, clientId).token);
    });

    test('a wrong secret: 401 invalid_client (form fields), with a Basic challenge when Basic was used', async () => {
      assertOAuthError(await token({ headers: FORM, body: tokenForm({ clientId, clientSecret: `${clientSecret}-wrong` }) }), 401, 'invalid_client');
      const viaBasic = await token({ headers: { ...FORM, authorization: basic(clientId, `${clientSecret}-wrong`) }, body: 'grant_type=client_credentials' });
      assertOAuthError(viaBasic, 401, 'invalid_client');
      assert.match(String(viaBasic.headers['www-authenticate']), /^Basic /);
      // A success afterwards is unaffected.
      assertTokenResponse(await token({ headers: FORM, body: tokenForm(c.api.credentials) }), clientId);
    });

    test('an unknown client: 401 invalid_client', async () => {
      assertOAuthError(await token({ headers: FORM, body: tokenForm({ clientId: 'no-such-client', clientSecret }) }), 401, 'invalid_client');
    });

    test('a missing grant_type or client_secret: 400 invalid_request; another grant_type: 400 unsupported_grant_type', async () => {
      assertOAuthError(await token({ headers: FORM, body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret }).toString() }), 400, 'invalid_request');
      assertOAuthError(await token({ headers: FORM, body: new URLSearchParams({ client_id: clientId, grant_type: 'client_credentials' }).toString() }), 400, 'invalid_request');
      assertOAuthError(await token({ headers: FORM, body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'password' }).toString() }), 400, 'unsupported_grant_type');
    });
  });

  describe('bearer tokens on /callcontrol', () => {
    const get = (headers: Record<string, string>) => send(c.endpoint, 'GET', '/callcontrol', { headers });

    test('no Authorization header, another scheme, a tampered signature, alg none: 401 Unauthorized, result-shaped, with a Bearer challenge', async () => {
      const good = await c.api.token();
      assertError(await get({}), 401, 'Unauthorized');
      assertError(await get({ authorization: `Token ${good}` }), 401, 'Unauthorized');
      assertError(await get({ authorization: `Bearer ${tampered(good)}` }), 401, 'Unauthorized');
      const [, payload] = good.split('.');
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      assertError(await get({ authorization: `Bearer ${none}` }), 401, 'Unauthorized');
      assert.equal((await get({ authorization: `bearer ${good}` })).status, 200, 'the scheme is case-insensitive');
    });

    driven(c, 'a token is refused once its exp has passed (by the server clock); a new one works', async (driver, t) => {
      if (!c.target.ownServer) {
        t.skip('needs the fake clock of a server the suite started');
        return;
      }
      const response = await token({ headers: FORM, body: tokenForm(c.api.credentials) });
      const { token: accessToken, claims } = assertTokenResponse(response, clientId);
      await driver.elapse((claims.exp - claims.iat) * 1000 + 1000);
      c.api.forgetToken();
      assertError(await get({ authorization: `Bearer ${accessToken}` }), 401, 'Unauthorized');
      await works(await c.api.token());
    });
  });
}
