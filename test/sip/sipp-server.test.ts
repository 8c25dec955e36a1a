// SIPp against the whole server as `switchboard serve` builds it (startServer with SIP on a free loopback port):
// REGISTER with a 401 challenge and [authentication], refresh, unregister, a wrong password, OPTIONS; devices over REST and frames.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deviceFrames, SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';
import { freeUdpPort, sipp, SIPP_SKIP } from './helpers/sipp.js';

describe('SIPp against the server', { skip: SIPP_SKIP }, () => {
  let pbx: SipPbx;
  let target = '';
  before(async () => {
    pbx = await startSipPbx();
    target = `127.0.0.1:${pbx.sipPort}`;
  });
  after(async () => pbx?.close());

  test('OPTIONS is answered 200', async () => {
    const run = await sipp(target, 'options.xml', ['-s', '100']);
    assert.equal(run.code, 0, run.output);
  });

  test('REGISTER with digest makes a device of 100 (Upsert); a second REGISTER refreshes it (no frame); Expires: 0 removes it (Remove)', async () => {
    const events = await pbx.events();
    try {
      const port = await freeUdpPort();
      const contact = `sip:100@127.0.0.1:${port}`;
      const credentials = ['-s', '100', '-au', '100', '-ap', SIP_TEST_PASSWORD];
      const first = await sipp(target, 'register.xml', credentials, port);
      assert.equal(first.code, 0, first.output);
      await events.waitFor((f) => deviceFrames(f, '100').length >= 1, 'the Upsert');
      const { body } = await pbx.get('/callcontrol/100/devices');
      const device = (body as Array<{ device_id: string; user_agent: string }>).find((d) => d.device_id === contact);
      assert.deepEqual(device && { id: device.device_id, ua: device.user_agent }, { id: contact, ua: 'SIPp' });
      const refresh = await sipp(target, 'register.xml', credentials, port);
      assert.equal(refresh.code, 0, refresh.output);
      const unregister = await sipp(target, 'unregister.xml', credentials, port);
      assert.equal(unregister.code, 0, unregister.output);
      await events.waitFor((f) => deviceFrames(f, '100').some(([type]) => type === 1), 'the Remove');
      assert.deepEqual(deviceFrames(events.frames, '100'), [[0, contact], [1, contact]]);
    } finally {
      events.close();
    }
  });

  test('a wrong password is challenged again and registers nothing', async () => {
    const run = await sipp(target, 'register-wrong.xml', ['-s', '101', '-au', '101', '-ap', 'wrong-password']);
    assert.equal(run.code, 0, run.output);
    const { body } = await pbx.get('/callcontrol/101/devices');
    assert.deepEqual((body as Array<{ device_id: string }>).map((d) => d.device_id).sort(), ['sip:101@127.0.0.1:5161', 'sip:101@127.0.0.1:5261;transport=tcp']);
  });
});
