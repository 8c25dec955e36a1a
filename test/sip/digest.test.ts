// Digest authentication: RFC test vectors, the server's challenges, nonce expiry and replay refusal, and the client answering it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { buildResponse } from '../../src/sip/builders.js';
import { answerChallenge } from '../../src/sip/digest-client.js';
import { DigestServer } from '../../src/sip/digest-server.js';
import { digestResponse, parseAuthHeader } from '../../src/sip/digest.js';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipResponse } from '../../src/sip/message.js';

const users: Record<string, string> = { '100': 'secret100' };
const lookup = (u: string) => users[u];

function challengeResponse(values: string[], status = 401): SipResponse {
  const res = buildResponse({ headers: new SipHeaders() }, status);
  for (const v of values) res.headers.append(status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate', v);
  return res;
}

function setup(options: Partial<ConstructorParameters<typeof DigestServer>[0]> = {}) {
  const clock = new ManualClock(1_000_000);
  const server = new DigestServer({ realm: 'switchboard', clock, ...options });
  return { clock, server };
}

describe('digest computation', () => {
  test('RFC 2617 §3.5 example (MD5, qop=auth)', () => {
    assert.equal(
      digestResponse({ algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: { nc: '00000001', cnonce: '0a4f113b' } }),
      '6629fae49393a05397450978507c4ef1',
    );
  });

  test('RFC 7616 §3.9.1 example, MD5 and SHA-256', () => {
    const input = { username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: { nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' } };
    assert.equal(digestResponse({ ...input, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
    assert.equal(digestResponse({ ...input, algorithm: 'SHA-256' }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  test('auth headers: quoted values with commas and escapes; malformed ones refused', () => {
    const h = parseAuthHeader('Digest realm="a, \\"b\\"", nonce=xyz,algorithm=SHA-256 , qop="auth,auth-int"');
    assert.equal(h.scheme, 'Digest');
    assert.deepEqual([...h.params], [['realm', 'a, "b"'], ['nonce', 'xyz'], ['algorithm', 'SHA-256'], ['qop', 'auth,auth-int']]);
    for (const bad of ['Digest', 'Digest realm="open', 'Digest a=1 b=2', 'Digest a=1, a=2']) assert.throws(() => parseAuthHeader(bad), bad);
  });
});

describe('digest server and client', () => {
  test('challenges offer MD5 first and SHA-256 beside it, with qop=auth and one nonce; the list is configurable', () => {
    const { server } = setup();
    const values = server.challenge();
    assert.equal(values.length, 2);
    const [md5, sha] = values.map(parseAuthHeader);
    assert.equal(md5?.params.get('algorithm'), 'MD5');
    assert.equal(sha?.params.get('algorithm'), 'SHA-256');
    assert.equal(md5?.params.get('qop'), 'auth');
    assert.equal(md5?.params.get('nonce'), sha?.params.get('nonce'));
    assert.match(values[0]!, /algorithm=MD5, qop="auth"/);
    assert.deepEqual(setup({ algorithms: ['SHA-256'] }).server.challenge().map((v) => parseAuthHeader(v).params.get('algorithm')), ['SHA-256']);
    assert.throws(() => setup({ algorithms: [] }));
  });

  test('the client picks the strongest offer and the server accepts it, for 401 and 407', () => {
    const { server } = setup({ algorithms: ['MD5', 'SHA-256', 'SHA-512-256'] });
    for (const status of [401, 407]) {
      const answer = answerChallenge(challengeResponse(server.challenge(), status), 'REGISTER', 'sip:127.0.0.1', { username: '100', password: 'secret100' });
      assert.equal(answer?.algorithm, 'SHA-512-256');
      assert.equal(answer?.header, status === 401 ? 'Authorization' : 'Proxy-Authorization');
      assert.deepEqual(server.verify('REGISTER', answer?.value, lookup), { ok: true, username: '100' });
    }
    const md5Only = setup({ algorithms: ['MD5'] }).server;
    const answer = answerChallenge(challengeResponse(md5Only.challenge()), 'INVITE', 'sip:200@127.0.0.1', { username: '100', password: 'secret100' });
    assert.equal(answer?.algorithm, 'MD5');
    assert.match(answer?.value ?? '', /algorithm=MD5, qop=auth, nc=00000001, cnonce="/);
    assert.equal(md5Only.verify('INVITE', answer?.value, lookup).ok, true);
  });

  test('the client ignores schemes and algorithms it does not know', () => {
    const res = challengeResponse(['Basic realm="x"', 'Digest realm="x", nonce="n", algorithm=SHA-1', 'Digest realm="x", nonce="n", qop="auth-int"']);
    assert.equal(answerChallenge(res, 'REGISTER', 'sip:h', { username: 'a', password: 'b' }), undefined);
  });

  test('wrong password, unknown user, other realm, other method and a foreign nonce are refused', () => {
    const { server } = setup();
    const challenge = challengeResponse(server.challenge());
    let nc = 0;
    const answer = (username: string, password: string, method = 'REGISTER') => answerChallenge(challenge, method, 'sip:127.0.0.1', { username, password }, { nc: ++nc })?.value;
    assert.deepEqual(server.verify('REGISTER', answer('100', 'wrong'), lookup), { ok: false, stale: false, reason: 'credentials' });
    assert.deepEqual(server.verify('REGISTER', answer('999', 'secret100'), lookup), { ok: false, stale: false, reason: 'credentials' }, 'unknown users look like wrong passwords');
    assert.equal(server.verify('INVITE', answer('100', 'secret100', 'REGISTER'), lookup).ok, false);
    const other = setup({ realm: 'other' }).server;
    assert.equal(server.verify('REGISTER', answerChallenge(challengeResponse(other.challenge()), 'REGISTER', 'sip:h', { username: '100', password: 'secret100' })?.value, lookup).ok, false);
    const forged = answerChallenge(challengeResponse(['Digest realm="switchboard", nonce="bm90LW91cnM", algorithm=MD5, qop="auth"']), 'REGISTER', 'sip:h', { username: '100', password: 'secret100' });
    assert.deepEqual(server.verify('REGISTER', forged?.value, lookup), { ok: false, stale: false, reason: 'nonce' });
    assert.deepEqual(server.verify('REGISTER', undefined, lookup), { ok: false, stale: false, reason: 'missing' });
    assert.deepEqual(server.verify('REGISTER', 'Basic YTpi', lookup), { ok: false, stale: false, reason: 'malformed' });
  });

  test('an expired nonce with right credentials is stale (challenge again with stale=true); with wrong ones it is not', () => {
    const { server, clock } = setup({ nonceLifetimeMs: 60_000 });
    const challenge = challengeResponse(server.challenge());
    const good = answerChallenge(challenge, 'REGISTER', 'sip:h', { username: '100', password: 'secret100' })?.value;
    const bad = answerChallenge(challenge, 'REGISTER', 'sip:h', { username: '100', password: 'nope' })?.value;
    clock.advance(60_001);
    assert.deepEqual(server.verify('REGISTER', good, lookup), { ok: false, stale: true, reason: 'nonce' });
    assert.deepEqual(server.verify('REGISTER', bad, lookup), { ok: false, stale: false, reason: 'nonce' });
    assert.match(server.challenge(true)[0]!, /stale=true/);
  });

  test('a nonce count must grow: a replayed Authorization is refused', () => {
    const { server } = setup();
    const challenge = challengeResponse(server.challenge());
    const first = answerChallenge(challenge, 'REGISTER', 'sip:h', { username: '100', password: 'secret100' }, { nc: 1 })?.value;
    const second = answerChallenge(challenge, 'REGISTER', 'sip:h', { username: '100', password: 'secret100' }, { nc: 2 })?.value;
    assert.equal(server.verify('REGISTER', first, lookup).ok, true);
    assert.deepEqual(server.verify('REGISTER', first, lookup), { ok: false, stale: false, reason: 'replay' });
    assert.equal(server.verify('REGISTER', second, lookup).ok, true);
    assert.equal(server.verify('REGISTER', first, lookup).ok, false);
  });

  test('the nonce table is bounded, and a forgotten nonce is stale rather than replayable', () => {
    const { server, clock } = setup({ maxNonces: 2 });
    const answers = [0, 1, 2].map(() => {
      clock.advance(1);
      return answerChallenge(challengeResponse(server.challenge()), 'REGISTER', 'sip:h', { username: '100', password: 'secret100' })?.value;
    });
    for (const a of answers) assert.equal(server.verify('REGISTER', a, lookup).ok, true);
    assert.equal(server.trackedNonces, 2);
    assert.deepEqual(server.verify('REGISTER', answers[0], lookup), { ok: false, stale: true, reason: 'nonce' });
  });
});
