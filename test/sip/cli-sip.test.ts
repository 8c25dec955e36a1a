// `switchboard sip registrations` as a real process against a started server with a registered phone.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../client/harness.js';
import { SIP_TEST_PASSWORD, startSipPbx } from './helpers/sip-pbx.js';
import { UdpSipClient } from './helpers/udp-client.js';

describe('switchboard sip registrations', () => {
  test('lists registrations as a table and as JSON; an unknown subcommand is a usage error', async () => {
    const pbx = await startSipPbx();
    const phone = await UdpSipClient.open(pbx.sipPort);
    try {
      const env = { SWITCHBOARD_URL: pbx.server.url, SWITCHBOARD_ADMIN_KEY: pbx.server.adminKey };
      const empty = await runCli(['sip', 'registrations'], env);
      assert.equal(empty.code, 0, empty.stderr);
      assert.equal(empty.stdout.trim(), 'No SIP registrations.');
      assert.equal((await phone.register('101', SIP_TEST_PASSWORD)).final.status, 200);
      const listed = await runCli(['sip', 'registrations'], env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /EXTENSION\s+CONTACT\s+USER AGENT\s+SOURCE\s+EXPIRES IN/);
      assert.match(listed.stdout, new RegExp(`101\\s+sip:101@127\\.0\\.0\\.1:${phone.port}\\s+TestPhone/1\\.0\\s+udp:127\\.0\\.0\\.1:${phone.port}\\s+300 s`));
      const json = await runCli(['sip', 'registrations', '--json'], env);
      assert.deepEqual(JSON.parse(json.stdout), [{ extension: '101', aor: 'sip:101@127.0.0.1', contact: `sip:101@127.0.0.1:${phone.port}`, userAgent: 'TestPhone/1.0', source: `udp:127.0.0.1:${phone.port}`, expiresInSeconds: 300 }]);
      const wrong = await runCli(['sip', 'bindings'], env);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /unknown sip subcommand 'bindings'/);
    } finally {
      phone.close();
      await pbx.close();
    }
  });
});
