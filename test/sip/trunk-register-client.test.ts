// Tests the registration client against an in-process provider over loopback UDP, on a manual clock: challenge, refresh, provider gone and back, unregister.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { buildResponse } from '../../src/sip/builders.js';
import { parseAuthHeader } from '../../src/sip/digest.js';
import { cseqOf } from '../../src/sip/message.js';
import { RegisterClient, type RegisterClientOptions, type RegistrationStatus } from '../../src/sip/register-client.js';
import { TransactionLayer } from '../../src/sip/transaction-layer.js';
import { SipTransport } from '../../src/sip/transport.js';
import { until } from '../helpers/api.js';
import { FakeProvider } from './helpers/fake-provider.js';

/** The PBX side: a transport and a transaction layer on the manual clock, as the SIP server has them. */
async function startSide(clock: ManualClock) {
  const layer: { current?: TransactionLayer } = {};
  const transport = new SipTransport({
    host: '127.0.0.1',
    port: 0,
    transports: ['udp'],
    clock,
    onMessage: (msg, source) => (msg.type === 'response' ? layer.current?.receiveResponse(msg, source) : undefined),
  });
  layer.current = new TransactionLayer({ clock, send: (msg, peer) => transport.send(msg, peer), user: { request: () => undefined } });
  const ports = await transport.start();
  return { transport, layer: layer.current, port: ports.udp! };
}

describe('RegisterClient', () => {
  let clock: ManualClock;
  let provider: FakeProvider;
  let side: Awaited<ReturnType<typeof startSide>>;
  let client: RegisterClient | undefined;
  const changes: RegistrationStatus[] = [];

  function makeClient(options: Partial<RegisterClientOptions> = {}): RegisterClient {
    client = new RegisterClient({
      clock,
      sendRequest: (request, peer, events) => side.layer.sendRequest(request, peer, events),
      route: async () => ({ peer: { transport: 'UDP', host: '127.0.0.1', port: provider.port }, local: { host: '127.0.0.1', port: side.port } }),
      domain: 'provider.test',
      username: 'acme',
      authId: 'acme-auth',
      password: 'trunk-secret',
      expiresSeconds: 300,
      userAgent: 'Switchboard',
      onChange: (status) => changes.push(status),
      ...options,
    });
    return client;
  }

  beforeEach(async () => {
    clock = new ManualClock();
    changes.length = 0;
    provider = new FakeProvider({ clock, authId: 'acme-auth', password: 'trunk-secret', grantSeconds: 120 });
    await provider.start();
    side = await startSide(clock);
  });

  afterEach(async () => {
    let stopped = false;
    const stopping = client?.stop().then(() => (stopped = true));
    // An unregister to a provider that is gone times out on the clock (Timer F).
    for (let i = 0; i < 40 && stopping && !stopped; i++) {
      clock.advance(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await stopping;
    client = undefined;
    await provider.stop();
    await side.transport.stop();
  });

  test('challenge, authorised, refresh at half the grant, provider gone, back-off, provider back, unregister on stop', async () => {
    const c = makeClient();
    c.start();
    await until(() => c.status().state === 'registered', 'registered');
    const [first, second] = provider.registers;
    assert.equal(provider.registers.length, 2);
    assert.equal(first!.headers.get('Authorization'), undefined);
    const auth = parseAuthHeader(second!.headers.get('Authorization')!);
    // Both algorithms offered: the strongest is answered, with the auth id and the Request-URI.
    assert.deepEqual([auth.params.get('username'), auth.params.get('algorithm'), auth.params.get('uri'), auth.params.get('realm')], ['acme-auth', 'SHA-256', 'sip:provider.test', 'provider.test']);
    assert.equal(second!.headers.get('To'), '<sip:acme@provider.test>');
    assert.equal(second!.headers.get('Contact'), `<sip:acme@127.0.0.1:${side.port}>`);
    assert.equal(second!.headers.get('Expires'), '300');
    assert.equal(second!.headers.get('User-Agent'), 'Switchboard');
    let status = c.status();
    assert.equal(status.lastStatus, 200);
    assert.equal(status.expiresAtMs, clock.now() + 120_000, 'the expiry the provider granted, not the one asked for');
    assert.equal(status.nextAttemptAtMs, clock.now() + 60_000, 'the refresh at half the grant');
    assert.equal(status.registrations, 1);

    clock.advance(59_999);
    assert.equal(provider.registers.length, 2, 'no refresh before half the grant');
    clock.advance(1);
    await until(() => provider.registers.length === 4 && c.status().state === 'registered', 'refreshed');
    const refresh = provider.registers[2]!;
    assert.equal(refresh.headers.get('Call-ID'), first!.headers.get('Call-ID'), 'a refresh keeps the Call-ID');
    assert.deepEqual(provider.registers.map((r) => cseqOf(r).seq), [1, 2, 3, 4], 'and raises CSeq');
    assert.equal(c.status().registrations, 2);

    // The provider goes away: the refresh gets no answer, and retries come after 5 s, then 10 s.
    await provider.stop();
    clock.advance(60_000);
    // The REGISTER's transaction has started (its Timer F runs) before the clock moves on.
    await until(() => c.status().state === 'registering' && side.layer.size === 1, 'refreshing');
    clock.advance(32_000); // Timer F: 64 * T1
    await until(() => c.status().state === 'failed', 'failed');
    status = c.status();
    assert.deepEqual([status.lastStatus, status.lastReason, status.failures, status.expiresAtMs], [null, 'no answer (timeout)', 1, null]);
    assert.equal(status.nextAttemptAtMs, clock.now() + 5_000);
    clock.advance(5_000);
    await until(() => c.status().state === 'registering' && side.layer.size === 1, 'retrying');
    clock.advance(32_000);
    await until(() => c.status().state === 'failed' && c.status().failures === 2, 'failed twice');
    assert.equal(c.status().nextAttemptAtMs, clock.now() + 10_000, 'the pause doubles');

    // Back on the same port: the next retry registers again, and the pause starts over.
    await provider.start();
    provider.seen.length = 0;
    clock.advance(10_000);
    await until(() => c.status().state === 'registered', 'registered again');
    assert.equal(provider.registers.length, 2, 'challenged and authorised again');
    assert.equal(c.status().registrations, 3);
    assert.ok(changes.some((s) => s.state === 'failed') && changes.at(-1)?.state === 'registered');

    provider.seen.length = 0;
    await c.stop();
    assert.equal(c.status().state, 'unregistered');
    const [unregister, authorised] = provider.registers;
    assert.equal(unregister!.headers.get('Expires'), '0');
    assert.equal(authorised!.headers.get('Expires'), '0');
    assert.ok(authorised!.headers.get('Authorization'), 'the unregister answers its challenge too');
    assert.match(c.status().lastReason ?? '', /^unregistered \(200/);
    assert.equal(c.status().nextAttemptAtMs, null);
    clock.advance(600_000);
    assert.equal(provider.registers.length, 2, 'nothing more after stop');
  });

  test('wrong credentials: the second 401 fails the attempt, which is retried with back-off up to 5 minutes', async () => {
    const c = makeClient({ password: 'wrong' });
    c.start();
    await until(() => c.status().state === 'failed', 'failed');
    assert.equal(provider.registers.length, 2, 'one challenge answered, no more');
    assert.deepEqual([c.status().lastStatus, c.status().lastReason], [401, 'Unauthorized']);
    const pauses: number[] = [];
    for (let failures = 1; failures <= 8; failures++) {
      await until(() => c.status().failures === failures && c.status().state === 'failed', `failure ${failures}`);
      const pause = c.status().nextAttemptAtMs! - clock.now();
      pauses.push(pause);
      clock.advance(pause);
    }
    assert.deepEqual(pauses, [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  test('423 Interval Too Brief is answered with the Min-Expires asked for; a refusal such as 403 fails', async () => {
    provider.scripted.push((request) => {
      const brief = buildResponse(request, 423, { toTag: 'p' });
      brief.headers.append('Min-Expires', '900');
      return brief;
    });
    const c = makeClient();
    c.start();
    await until(() => c.status().state === 'registered', 'registered');
    assert.deepEqual(provider.registers.map((r) => r.headers.get('Expires')), ['300', '900', '900']);

    provider.scripted.push((request) => buildResponse(request, 403, { toTag: 'p' }));
    clock.advance(c.status().nextAttemptAtMs! - clock.now());
    await until(() => c.status().state === 'failed', 'refused');
    assert.deepEqual([c.status().lastStatus, c.status().lastReason], [403, 'Forbidden']);
  });

  test('MD5 only: answered with MD5; a stale nonce is answered once more', async () => {
    await provider.stop();
    provider = new FakeProvider({ clock, authId: 'acme-auth', password: 'trunk-secret', algorithms: ['MD5'] });
    await provider.start();
    const c = makeClient();
    c.start();
    await until(() => c.status().state === 'registered', 'registered');
    assert.equal(parseAuthHeader(provider.registers[1]!.headers.get('Authorization')!).params.get('algorithm'), 'MD5');
    // A challenge with stale=true after the credentials: the client answers the new nonce rather than giving up.
    const challenge = (nonce: string, stale: boolean) => (request: Parameters<(typeof provider.scripted)[number]>[0]) => {
      const res = buildResponse(request, 401, { toTag: 'p' });
      res.headers.append('WWW-Authenticate', `Digest realm="provider.test", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`);
      return res;
    };
    provider.scripted.push(challenge('first', false), challenge('second', true), (request) => {
      const ok = buildResponse(request, 200, { toTag: 'p' });
      ok.headers.append('Contact', `${request.headers.get('Contact')};expires=60`);
      return ok;
    });
    provider.seen.length = 0;
    clock.advance(c.status().nextAttemptAtMs! - clock.now());
    await until(() => c.status().registrations === 2, 'refreshed');
    assert.deepEqual(provider.registers.map((r) => (r.headers.has('Authorization') ? parseAuthHeader(r.headers.get('Authorization')!).params.get('nonce') : null)), [null, 'first', 'second']);
    assert.equal(c.status().expiresAtMs, clock.now() + 60_000);
  });

  test('a registrar that cannot be reached (look-up failure, send failure) fails the attempt with the reason', async () => {
    const c = makeClient({ route: () => Promise.reject(new Error('getaddrinfo ENOTFOUND nowhere.test')) });
    c.start();
    await until(() => c.status().state === 'failed', 'failed');
    assert.equal(c.status().lastReason, 'cannot reach the registrar: getaddrinfo ENOTFOUND nowhere.test');
    await c.stop();
    const d = makeClient({ sendRequest: () => { throw new Error('SIP is not running'); } });
    d.start();
    await until(() => d.status().state === 'failed', 'failed');
    assert.equal(d.status().lastReason, 'cannot send: SIP is not running');
  });
});
