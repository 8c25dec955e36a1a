// Tests of bearer authentication on /callcontrol (every way a token can be bad) and of the application's DN scope.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { SIGNING_KEY_FILE } from '../../src/api/auth/signing-key.js';
import { MAX_VERIFIED_TOKENS } from '../../src/limits.js';
import { createTestApp, enc, SECOND_APP, withSecondApplication, type ApiResponse, type TestApp } from '../helpers/api.js';

function assertUnauthorized(response: ApiResponse, challenge: RegExp = /^Bearer /) {
  assert.equal(response.status, 401, response.text);
  assert.deepEqual(Object.keys(response.json as object), ['finalstatus', 'reason', 'result', 'reasontext']);
  const body = response.json as Record<string, unknown>;
  assert.equal(body['finalstatus'], 'Rejected');
  assert.equal(body['reason'], 'Unauthorized');
  assert.equal(body['result'], null);
  assert.ok((body['reasontext'] as string).length > 10);
  assert.match(String(response.headers['www-authenticate']), challenge);
}

function signingKey(t: TestApp): Uint8Array {
  return new Uint8Array(readFileSync(join(t.dataDir, SIGNING_KEY_FILE)));
}

function b64(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

describe('bearer authentication on /callcontrol', () => {
  test('no Authorization header: 401 with WWW-Authenticate: Bearer', async (ctx) => {
    const t = await createTestApp(ctx);
    assertUnauthorized(await t.get('/callcontrol', { token: false }), /^Bearer realm="Switchboard"$/);
  });

  test('a malformed Authorization header (Basic, bare token, empty Bearer): 401', async (ctx) => {
    const t = await createTestApp(ctx);
    const token = await t.token();
    for (const header of [`Basic ${Buffer.from('800:x').toString('base64')}`, token, 'Bearer', 'Bearer a b']) {
      assertUnauthorized(await t.get('/callcontrol', { token: false, headers: { authorization: header } }));
    }
  });

  test('the scheme is case-insensitive: "bearer <token>" works', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await t.get('/callcontrol', { token: false, headers: { authorization: `bearer ${await t.token()}` } });
    assert.equal(response.status, 200);
  });

  test('a tampered signature: 401 with error="invalid_token"', async (ctx) => {
    const t = await createTestApp(ctx);
    const [header, payload, signature] = (await t.token()).split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    assertUnauthorized(await t.get('/callcontrol', { token: `${header}.${payload}.${flipped}` }), /error="invalid_token"/);
  });

  test('an edited payload (sub changed, signature kept): 401', async (ctx) => {
    const t = await createTestApp(ctx, { configure: withSecondApplication });
    const [header, , signature] = (await t.token()).split('.') as [string, string, string];
    const now = Math.floor(t.clock.now() / 1000);
    const forged = `${header}.${b64({ sub: SECOND_APP.clientId, iat: now, exp: now + 3600, jti: 'x' })}.${signature}`;
    assertUnauthorized(await t.get('/callcontrol', { token: forged }));
  });

  test('alg "none" (unsecured JWT with valid claims): 401', async (ctx) => {
    const t = await createTestApp(ctx);
    const now = Math.floor(t.clock.now() / 1000);
    const unsecured = new UnsecuredJWT({}).setSubject('800').setIssuedAt(now).setExpirationTime(now + 3600).setJti('x').encode();
    assertUnauthorized(await t.get('/callcontrol', { token: unsecured }));
    // Also the hand-made form with an empty signature and a lower-case "None".
    const handMade = `${b64({ alg: 'None', typ: 'JWT' })}.${b64({ sub: '800', iat: now, exp: now + 3600, jti: 'x' })}.`;
    assertUnauthorized(await t.get('/callcontrol', { token: handMade }));
  });

  test('another algorithm (HS512 with our own key): 401', async (ctx) => {
    const t = await createTestApp(ctx);
    const now = Math.floor(t.clock.now() / 1000);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('800').setIssuedAt(now).setExpirationTime(now + 3600).setJti('x').sign(new Uint8Array(64).fill(7));
    assertUnauthorized(await t.get('/callcontrol', { token }));
  });

  test('a token signed by another server (another data folder): 401', async (ctx) => {
    const t = await createTestApp(ctx);
    const other = await createTestApp(ctx);
    assertUnauthorized(await t.get('/callcontrol', { token: await other.token() }));
  });

  test('expired by the injected clock: valid until exp, 401 from exp on', async (ctx) => {
    const t = await createTestApp(ctx);
    const token = await t.token();
    t.clock.advance(t.config.server.tokenLifetimeSeconds * 1000 - 1000);
    assert.equal((await t.get('/callcontrol', { token })).status, 200);
    t.clock.advance(1000);
    const response = await t.get('/callcontrol', { token });
    assertUnauthorized(response);
    assert.match((response.json as { reasontext: string }).reasontext, /expired/);
  });

  test('verified tokens are remembered by their exact text only: an edited copy of an accepted token is refused; beyond the bound all still verify', async (ctx) => {
    const t = await createTestApp(ctx);
    const token = await t.token();
    assert.equal((await t.get('/callcontrol', { token })).status, 200);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = `${header}.${b64({ ...claims, exp: (claims['exp'] as number) + 3600 })}.${signature}`;
    assertUnauthorized(await t.get('/callcontrol', { token: edited }));
    assert.equal((await t.get('/callcontrol', { token })).status, 200, 'the original is still accepted');

    const now = Math.floor(t.clock.now() / 1000);
    const many = await Promise.all(
      Array.from({ length: MAX_VERIFIED_TOKENS + 10 }, (_, i) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('800').setIssuedAt(now).setExpirationTime(now + 3600).setJti(`t${i}`).sign(signingKey(t))),
    );
    for (const each of many) assert.equal((await t.get('/callcontrol/800', { token: each })).status, 200);
    assert.equal((await t.get('/callcontrol/800', { token: many[0]! })).status, 200, 'a token pushed out of memory verifies again from its signature');
  });

  test('signed with our key but for an application that is not configured: 401', async (ctx) => {
    const t = await createTestApp(ctx);
    const now = Math.floor(t.clock.now() / 1000);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ghost').setIssuedAt(now).setExpirationTime(now + 3600).setJti('x').sign(signingKey(t));
    const response = await t.get('/callcontrol', { token });
    assertUnauthorized(response);
    assert.match((response.json as { reasontext: string }).reasontext, /not configured/);
  });

  test('signed with our key but missing a claim (no exp): 401', async (ctx) => {
    const t = await createTestApp(ctx);
    const now = Math.floor(t.clock.now() / 1000);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('800').setIssuedAt(now).setJti('x').sign(signingKey(t));
    assertUnauthorized(await t.get('/callcontrol', { token }));
  });

  test('oneLiveTokenPerApplication: a new token revokes the previous one; other applications keep theirs', async (ctx) => {
    const t = await createTestApp(ctx, {
      configure: (config) => {
        config.server.oneLiveTokenPerApplication = true;
        withSecondApplication(config);
      },
    });
    const first = await t.newToken();
    const other = await t.newToken(SECOND_APP.clientId, SECOND_APP.secret);
    assert.equal((await t.get('/callcontrol', { token: first })).status, 200);
    const second = await t.newToken();
    const response = await t.get('/callcontrol', { token: first });
    assertUnauthorized(response);
    assert.match((response.json as { reasontext: string }).reasontext, /replaced/);
    assert.equal((await t.get('/callcontrol', { token: second })).status, 200);
    assert.equal((await t.get('/callcontrol', { token: other })).status, 200);
  });

  test('without oneLiveTokenPerApplication (the default) earlier tokens stay valid', async (ctx) => {
    const t = await createTestApp(ctx);
    const first = await t.newToken();
    await t.newToken();
    assert.equal((await t.get('/callcontrol', { token: first })).status, 200);
  });

  test('every /callcontrol route, and an unknown one, answers 401 before anything else', async (ctx) => {
    const t = await createTestApp(ctx);
    const routes: ['GET' | 'POST', string][] = [
      ['GET', '/callcontrol'],
      ['GET', '/callcontrol/100'],
      ['GET', '/callcontrol/100/devices'],
      ['GET', `/callcontrol/100/devices/${enc(t.ids.alice)}`],
      ['GET', '/callcontrol/100/participants'],
      ['GET', '/callcontrol/100/participants/1'],
      ['POST', '/callcontrol/100/makecall'],
      ['POST', `/callcontrol/100/devices/${enc(t.ids.alice)}/makecall`],
      ['POST', '/callcontrol/100/participants/1/drop'],
      ['POST', '/callcontrol/999/participants/x/bogus'],
      ['GET', '/callcontrol/100/nothing/here'],
    ];
    for (const [method, url] of routes) assertUnauthorized(await t.request(method, url, { token: false, raw: '{not json', headers: { 'content-type': 'application/json' } }));
  });
});

describe('application scope', () => {
  test('GET /callcontrol lists the route point, then the monitored DNs in configured order', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await t.get('/callcontrol');
    assert.equal(response.status, 200);
    assert.deepEqual(
      (response.json as { dn: string }[]).map((dn) => dn.dn),
      ['800', '100', '101', '102', '103', '801', '802'],
    );
  });

  test('a second application sees only its own route point and monitored DNs; 403 elsewhere, including the other route point', async (ctx) => {
    const t = await createTestApp(ctx, { configure: withSecondApplication });
    const token = await t.newToken(SECOND_APP.clientId, SECOND_APP.secret);
    const list = await t.get('/callcontrol', { token });
    assert.deepEqual((list.json as { dn: string }[]).map((dn) => dn.dn), ['ai', '100']);
    assert.equal((await t.get('/callcontrol/100', { token })).status, 200);
    for (const dn of ['800', '101', '10000']) {
      const response = await t.get(`/callcontrol/${dn}`, { token });
      assert.equal(response.status, 403);
      assert.deepEqual(response.json, { finalstatus: 'Rejected', reason: 'Forbidden', result: null, reasontext: `application ai may not access DN ${dn}: it is neither its route point nor a monitored DN` });
    }
  });

  test('every route with a DN answers 403 for an existing DN outside the scope, and 404 for a DN that does not exist', async (ctx) => {
    const t = await createTestApp(ctx);
    const trunkDevice = t.config.trunks[0]!.device.id;
    const paths = (dn: string): ['GET' | 'POST', string][] => [
      ['GET', `/callcontrol/${dn}`],
      ['GET', `/callcontrol/${dn}/devices`],
      ['GET', `/callcontrol/${dn}/devices/${enc(trunkDevice)}`],
      ['GET', `/callcontrol/${dn}/participants`],
      ['GET', `/callcontrol/${dn}/participants/1`],
      ['POST', `/callcontrol/${dn}/makecall`],
      ['POST', `/callcontrol/${dn}/devices/${enc(trunkDevice)}/makecall`],
      ['POST', `/callcontrol/${dn}/participants/1/drop`],
    ];
    for (const [method, url] of paths('10000')) {
      const response = await t.request(method, url, method === 'POST' ? { body: { destination: '100' } } : {});
      assert.equal(response.status, 403, `${method} ${url}`);
      assert.equal((response.json as { reason: string }).reason, 'Forbidden');
    }
    for (const [method, url] of paths('4242')) {
      const response = await t.request(method, url, method === 'POST' ? { body: { destination: '100' } } : {});
      assert.equal(response.status, 404, `${method} ${url}`);
      assert.equal((response.json as { reason: string }).reason, 'DnNotFound');
    }
  });

  test('an inbound call on the trunk is not visible through the API, but its route point side is', async (ctx) => {
    const t = await createTestApp(ctx);
    t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    assert.equal((await t.get('/callcontrol/10000/participants')).status, 403);
    const participants = (await t.get('/callcontrol/800/participants')).json as { party_caller_id: string }[];
    assert.equal(participants.length, 1);
    assert.equal(participants[0]!.party_caller_id, '+15557654321');
  });
});
