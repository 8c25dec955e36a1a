// SIPp against a small server built from src/sip, on 127.0.0.1: OPTIONS, REGISTER with digest, and a wrong password.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SystemClock } from '../../src/core/clock.js';
import { sipp, SIPP_SKIP } from './helpers/sipp.js';
import { startStackServer } from './helpers/stack-server.js';

describe('SIPp against the SIP stack', { skip: SIPP_SKIP }, () => {
  let server: Awaited<ReturnType<typeof startStackServer>>;
  let target = '';

  before(async () => {
    server = await startStackServer(new SystemClock(), { '100': 'pw100', '101': 'pw101' });
    target = `127.0.0.1:${server.ports.udp}`;
  });
  after(async () => server?.stop());

  test('OPTIONS is answered 200', async () => {
    const run = await sipp(target, 'options.xml', ['-s', 'nobody']);
    assert.equal(run.code, 0, run.output);
  });

  test('REGISTER: 401 with an MD5 challenge first, then 200 with SIPp\'s [authentication]; the binding keeps contact and User-Agent', async () => {
    const run = await sipp(target, 'register.xml', ['-s', '100', '-au', '100', '-ap', 'pw100']);
    assert.equal(run.code, 0, run.output);
    const [binding] = server.store.list('sip:100@127.0.0.1');
    assert.ok(binding, 'a binding was stored');
    assert.match(binding.contact, /^sip:100@127\.0\.0\.1:\d+$/);
    assert.equal(binding.userAgent, 'SIPp');
  });

  test('a wrong password is challenged again and stores nothing', async () => {
    const run = await sipp(target, 'register-wrong.xml', ['-s', '101', '-au', '101', '-ap', 'wrong']);
    assert.equal(run.code, 0, run.output);
    assert.equal(server.store.list('sip:101@127.0.0.1').length, 0);
  });
});
