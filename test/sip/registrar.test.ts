// The registrar over its binding store: challenge, register, refresh, several contacts, expiry, removal, `*`, limits and no user enumeration.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { answerChallenge } from '../../src/sip/digest-client.js';
import { DigestServer } from '../../src/sip/digest-server.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { answerOptions, MemoryBindingStore, Registrar } from '../../src/sip/registrar.js';
import type { Peer } from '../../src/sip/transaction.js';

const SOURCE: Peer = { transport: 'UDP', host: '127.0.0.1', port: 5070 };

function register(user: string, contacts: string[], { seq = 1, callId = 'reg-1', expires, auth, extra = '' }: { seq?: number; callId?: string; expires?: number; auth?: string; extra?: string } = {}): SipRequest {
  const lines = [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-r${seq}`,
    `From: <sip:${user}@127.0.0.1>;tag=f1`,
    `To: <sip:${user}@127.0.0.1>`,
    `Call-ID: ${callId}`,
    `CSeq: ${seq} REGISTER`,
    ...contacts.map((c) => `Contact: ${c}`),
    ...(expires === undefined ? [] : [`Expires: ${expires}`]),
    ...(auth === undefined ? [] : [`Authorization: ${auth}`]),
    'User-Agent: TestPhone/1.0',
    `${extra}Content-Length: 0`,
    '',
    '',
  ];
  return parseMessage(Buffer.from(lines.join('\r\n'))) as SipRequest;
}

function setup() {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryBindingStore(clock);
  const registrar = new Registrar({ clock, store, digest: new DigestServer({ realm: 'switchboard', clock }), password: (a, to) => (a === to && a === '100' ? 'pw100' : undefined) });
  let nc = 0;
  /** REGISTER, answer the challenge with these credentials, return the final response. */
  const authed = (user: string, contacts: string[], opts: Parameters<typeof register>[2] = {}, password = 'pw100'): SipResponse => {
    const challenge = registrar.register(register(user, contacts, opts), SOURCE);
    assert.equal(challenge.status, 401);
    const answer = answerChallenge(challenge, 'REGISTER', 'sip:127.0.0.1', { username: user, password }, { nc: ++nc });
    return registrar.register(register(user, contacts, { ...opts, seq: (opts.seq ?? 1) + 1, auth: answer?.value }), SOURCE);
  };
  return { clock, store, registrar, authed };
}

/** What a scanner can compare: status, reason, header names and values, with the probed user and the nonce blanked. */
function strip(res: SipResponse, user: string): unknown {
  return { status: res.status, reason: res.reason, headers: [...res.headers].map((f) => [f.name, f.value.replaceAll(user, 'USER').replace(/nonce="[^"]*"/, 'nonce=""')]) };
}

describe('registrar', () => {
  test('an unauthenticated REGISTER gets 401 with MD5 then SHA-256 challenges', () => {
    const { registrar } = setup();
    const res = registrar.register(register('100', ['<sip:100@127.0.0.1:5070>']), SOURCE);
    assert.equal(res.status, 401);
    assert.deepEqual(res.headers.getAll('WWW-Authenticate').map((v) => /algorithm=([^,]+)/.exec(v)?.[1]), ['MD5', 'SHA-256']);
  });

  test('known and unknown users, right or wrong password, get identical refusals (no enumeration)', () => {
    const { authed } = setup();
    const known = authed('100', ['<sip:100@127.0.0.1:5070>'], {}, 'wrong');
    const unknown = authed('555', ['<sip:555@127.0.0.1:5070>'], {}, 'pw100');
    assert.equal(known.status, 401);
    assert.deepEqual(strip(known, '100'), strip(unknown, '555'));
  });

  test('register, refresh keeps one binding, the 200 lists it with its remaining time and the contact as sent', () => {
    const { authed, store, clock } = setup();
    const res = authed('100', ['<sip:100@127.0.0.1:5070;transport=UDP;ob>'], { expires: 300 });
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getAll('Contact'), ['<sip:100@127.0.0.1:5070;transport=UDP;ob>;expires=300']);
    const [b] = store.list('sip:100@127.0.0.1');
    assert.deepEqual([b?.contact, b?.userAgent, b?.expiresAtMs], ['sip:100@127.0.0.1:5070;transport=UDP;ob', 'TestPhone/1.0', clock.now() + 300_000]);
    clock.advance(100_000);
    assert.equal(authed('100', ['<sip:100@127.0.0.1:5070;transport=UDP;ob>'], { expires: 300, seq: 3 }).status, 200);
    assert.equal(store.list('sip:100@127.0.0.1').length, 1);
    assert.equal(store.list('sip:100@127.0.0.1')[0]?.expiresAtMs, clock.now() + 300_000);
    clock.advance(300_000);
    assert.equal(store.list('sip:100@127.0.0.1').length, 0, 'expired');
  });

  test('several contacts give several bindings; expires=0 removes one; * with Expires 0 removes all', () => {
    const { authed, store } = setup();
    assert.equal(authed('100', ['<sip:a@127.0.0.1:5001>', '<sip:b@127.0.0.1:5002>;expires=120']).status, 200);
    assert.deepEqual(store.list('sip:100@127.0.0.1').map((b) => b.contact).sort(), ['sip:a@127.0.0.1:5001', 'sip:b@127.0.0.1:5002']);
    assert.equal(authed('100', ['<sip:a@127.0.0.1:5001>;expires=0'], { seq: 3 }).status, 200);
    assert.deepEqual(store.list('sip:100@127.0.0.1').map((b) => b.contact), ['sip:b@127.0.0.1:5002']);
    assert.equal(authed('100', ['*'], { seq: 5 }).status, 400, '* needs Expires: 0');
    assert.equal(authed('100', ['*'], { seq: 7, expires: 0 }).status, 200);
    assert.equal(store.list('sip:100@127.0.0.1').length, 0);
  });

  test('too brief an interval gets 423 with Min-Expires; a huge one is capped; URI headers in Contact are refused', () => {
    const { authed, store, clock } = setup();
    const brief = authed('100', ['<sip:a@h>'], { expires: 10 });
    assert.equal(brief.status, 423);
    assert.equal(brief.headers.get('Min-Expires'), '60');
    assert.equal(authed('100', ['<sip:a@h>'], { expires: 99999999, seq: 3 }).status, 200);
    assert.equal(store.list('sip:100@127.0.0.1')[0]?.expiresAtMs, clock.now() + 3_600_000);
    assert.equal(authed('100', ['<sip:a@h?Route=%3Csip:x%3E>'], { seq: 5 }).status, 400);
  });

  test('an older CSeq on the same Call-ID is out of order (500); a non-SIP To is 416; the contact count is bounded', () => {
    const { authed, registrar } = setup();
    assert.equal(authed('100', ['<sip:a@h>'], { seq: 10 }).status, 200);
    assert.equal(authed('100', ['<sip:a@h>'], { seq: 4 }).status, 500);
    const odd = parseMessage(Buffer.from('REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <tel:+100>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n')) as SipRequest;
    assert.equal(registrar.register(odd, SOURCE).status, 416);
    const many = Array.from({ length: 17 }, (_, i) => `<sip:c${i}@h>`);
    assert.equal(authed('100', many, { callId: 'other', seq: 1 }).status, 403);
  });

  test('a user may only register its own address', () => {
    const { registrar } = setup();
    const challenge = registrar.register(register('101', ['<sip:x@h>']), SOURCE);
    const answer = answerChallenge(challenge, 'REGISTER', 'sip:127.0.0.1', { username: '100', password: 'pw100' });
    assert.equal(registrar.register(register('101', ['<sip:x@h>'], { seq: 2, auth: answer?.value }), SOURCE).status, 401);
  });

  test('OPTIONS gets the same 200 whatever user it names', () => {
    const caps = { allow: ['OPTIONS', 'REGISTER'], accept: ['application/sdp'], supported: [] };
    const opt = (user: string) => answerOptions(parseMessage(Buffer.from(`OPTIONS sip:${user}@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:${user}@h>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n`)) as SipRequest, caps);
    const a = opt('100');
    const b = opt('nobody');
    assert.equal(a.status, 200);
    // Each answer carries its own random To tag; everything else must be the same.
    const shape = (r: SipResponse, user: string) => (strip(r, user) as { headers: string[][] }).headers.map(([n, v]) => [n, n === 'To' ? v?.replace(/tag=[0-9a-f]+/, 'tag=') : v]);
    assert.deepEqual(shape(a, '100'), shape(b, 'nobody'));
  });
});
