// The token endpoint's guessing limit cannot be bypassed: spellings of one client share its window, junk ids cannot evict it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_TOKEN_FAILURE_ENTRIES, TOKEN_MAX_FAILED_ATTEMPTS } from '../../src/limits.js';
import { createTestApp, SECOND_APP, TEST_DEMO_SECRET, withSecondApplication, type TestApp } from '../helpers/api.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function token(t: TestApp, id: string, secret: string, viaBasic: boolean): Promise<number> {
  const headers: Record<string, string> = { ...FORM };
  let fields: Record<string, string> = { grant_type: 'client_credentials' };
  if (viaBasic) headers['authorization'] = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  else fields = { ...fields, client_id: id, client_secret: secret };
  const response = await t.request('POST', '/connect/token', { raw: new URLSearchParams(fields).toString(), headers, token: false });
  return response.status;
}

describe('token guessing limit', () => {
  test('percent-encoded spellings of a client id count against that client: five guesses in all, then 429', async (ctx) => {
    const t = await createTestApp(ctx);
    const spellings = ['%38%30%30', '8%30%30', '%380%30', '80%30', '%3800'];
    assert.ok(spellings.length >= TOKEN_MAX_FAILED_ATTEMPTS);
    // Each spelling is accepted as the client (the right secret gets a token), so each must also be limited as it.
    assert.equal(await token(t, spellings[0]!, TEST_DEMO_SECRET, true), 200);
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS; i++) assert.equal(await token(t, spellings[i]!, `guess-${i}`, true), 401);
    for (const spelling of [...spellings, '800']) assert.equal(await token(t, spelling, 'one-more-guess', true), 429, spelling);
    assert.equal(await token(t, '800', TEST_DEMO_SECRET, false), 429, 'the form spelling is blocked too');
  });

  test(`${MAX_TOKEN_FAILURE_ENTRIES + 100} unknown client ids do not evict a blocked real client; other clients still work`, async (ctx) => {
    const t = await createTestApp(ctx, { configure: withSecondApplication });
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS; i++) assert.equal(await token(t, '800', `guess-${i}`, false), 401);
    assert.equal(await token(t, '800', 'guess', false), 429);
    for (let i = 0; i < MAX_TOKEN_FAILURE_ENTRIES + 100; i++) await token(t, `junk${i}`, 'x', false);
    assert.equal(await token(t, '800', 'guess-after-the-flood', false), 429, 'the real client is still blocked');
    assert.equal(await token(t, SECOND_APP.clientId, SECOND_APP.secret, false), 200, 'another client is unaffected');
    // Unknown ids stay limited among themselves: the latest junk id is remembered, the first one was forgotten.
    for (let i = 0; i < TOKEN_MAX_FAILED_ATTEMPTS - 1; i++) await token(t, `junk${MAX_TOKEN_FAILURE_ENTRIES + 99}`, 'x', false);
    assert.equal(await token(t, `junk${MAX_TOKEN_FAILURE_ENTRIES + 99}`, 'x', false), 429);
  });
});
