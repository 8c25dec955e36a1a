// The registrar inside the whole server: bindings as devices (REST and event socket), refresh, expiry on the fake clock,
// persistence, unknown and known users answered alike, the per-source ban, metrics, /sim/sip/registrations, and a call ringing a phone.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BINDINGS_FILE } from '../../src/endpoints/sip/binding-file.js';
import { BINDINGS_SAVE_DELAY_MS } from '../../src/endpoints/sip/pbx-bindings.js';
import { deviceFrames, SIP_TEST_PASSWORD, startSipPbx, type SipPbx } from './helpers/sip-pbx.js';
import { shapeOf, UdpSipClient } from './helpers/udp-client.js';

async function devicesOf(pbx: SipPbx, dn: string): Promise<Array<{ device_id: string; user_agent: string; dn: string }>> {
  const { status, body } = await pbx.get(`/callcontrol/${dn}/devices`);
  assert.equal(status, 200);
  return body as Array<{ device_id: string; user_agent: string; dn: string }>;
}

describe('the registrar in the server', () => {
  let pbx: SipPbx;
  before(async () => {
    pbx = await startSipPbx();
  });
  after(async () => pbx?.close());

  test('a binding becomes a device with contact and User-Agent (Upsert), a refresh raises nothing, Expires: 0 removes it (Remove); simulated devices stay', async () => {
    const events = await pbx.events();
    const phone = await UdpSipClient.open(pbx.sipPort);
    try {
      const contact = `sip:100@127.0.0.1:${phone.port}`;
      const { challenge, final } = await phone.register('100', SIP_TEST_PASSWORD);
      assert.equal(challenge.status, 401);
      assert.match(challenge.headers.getAll('WWW-Authenticate')[0] ?? '', /algorithm=MD5/);
      assert.match(challenge.headers.getAll('WWW-Authenticate')[1] ?? '', /algorithm=SHA-256/);
      assert.equal(final.status, 200);
      await events.waitFor((f) => deviceFrames(f, '100').some(([type, id]) => type === 0 && id === contact), 'the Upsert of the SIP device');
      const devices = await devicesOf(pbx, '100');
      assert.deepEqual(devices.map((d) => d.device_id).sort(), ['sip:100@127.0.0.1:5160', contact].sort());
      assert.equal(devices.find((d) => d.device_id === contact)?.user_agent, 'TestPhone/1.0');

      const refresh = await phone.register('100', SIP_TEST_PASSWORD);
      assert.equal(refresh.final.status, 200);
      const unregister = await phone.register('100', SIP_TEST_PASSWORD, 0);
      assert.equal(unregister.final.status, 200);
      await events.waitFor((f) => deviceFrames(f, '100').some(([type, id]) => type === 1 && id === contact), 'the Remove of the SIP device');
      assert.deepEqual(deviceFrames(events.frames, '100'), [[0, contact], [1, contact]], 'one Upsert (the refresh raised none), one Remove');
      assert.deepEqual((await devicesOf(pbx, '100')).map((d) => d.device_id), ['sip:100@127.0.0.1:5160']);
    } finally {
      phone.close();
      events.close();
    }
  });

  test('a registration expires on the PBX clock, with a Remove frame', async () => {
    const events = await pbx.events();
    const phone = await UdpSipClient.open(pbx.sipPort);
    try {
      const contact = `sip:101@127.0.0.1:${phone.port}`;
      assert.equal((await phone.register('101', SIP_TEST_PASSWORD, 60)).final.status, 200);
      await events.waitFor((f) => deviceFrames(f, '101').some(([type, id]) => type === 0 && id === contact), 'the Upsert');
      pbx.clock.advance(59_000);
      assert.ok((await devicesOf(pbx, '101')).some((d) => d.device_id === contact), 'still registered before it expires');
      pbx.clock.advance(1_000);
      await events.waitFor((f) => deviceFrames(f, '101').some(([type, id]) => type === 1 && id === contact), 'the Remove at expiry');
      assert.ok(!(await devicesOf(pbx, '101')).some((d) => d.device_id === contact));
    } finally {
      phone.close();
      events.close();
    }
  });

  test('unknown and known users get the same answers: challenge, wrong password, OPTIONS', async () => {
    const client = await UdpSipClient.open(pbx.sipPort, '127.0.0.3');
    try {
      const known = await client.register('102', 'wrong-password');
      const unknown = await client.register('999', 'wrong-password');
      const notSip = await client.register('800', 'wrong-password');
      assert.equal(shapeOf(known.challenge), shapeOf(unknown.challenge));
      assert.equal(shapeOf(known.final), shapeOf(unknown.final));
      assert.equal(shapeOf(known.final), shapeOf(notSip.final));
      assert.equal(known.final.status, 401);
      assert.equal(shapeOf(await client.request('OPTIONS', '102')), shapeOf(await client.request('OPTIONS', '999')));
    } finally {
      client.close();
    }
  });

  test('20 failed authentications ban the source, even with the right password, for banSeconds; other sources are unaffected', async () => {
    const attacker = await UdpSipClient.open(pbx.sipPort, '127.0.0.2');
    const neighbour = await UdpSipClient.open(pbx.sipPort, '127.0.0.4');
    try {
      for (let i = 0; i < 20; i += 1) assert.equal((await attacker.register(i % 2 ? '103' : '555', 'guess')).final.status, 401, `attempt ${i + 1}`);
      const banned = await attacker.register('103', SIP_TEST_PASSWORD);
      assert.equal(banned.final.status, 403);
      assert.equal((await attacker.request('OPTIONS', '103')).status, 403);
      assert.equal((await neighbour.register('103', SIP_TEST_PASSWORD)).final.status, 200);
      const metrics = await (await fetch(`${pbx.server.url}/metrics`)).text();
      assert.match(metrics, /^switchboard_sip_bans_total 1$/m);
      assert.match(metrics, /^switchboard_sip_auth_failures_total (\d+)$/m);
      assert.ok(Number(/^switchboard_sip_auth_failures_total (\d+)$/m.exec(metrics)?.[1]) >= 20);
      assert.match(metrics, /^switchboard_sip_banned_sources 1$/m);
      pbx.clock.advance(600_000);
      assert.equal((await attacker.register('103', SIP_TEST_PASSWORD)).final.status, 200, 'the ban is lifted after banSeconds');
    } finally {
      attacker.close();
      neighbour.close();
    }
  });

  test('GET /sim/sip/registrations lists registrations (admin key); a call to a SIP phone rings it', async () => {
    const phone = await UdpSipClient.open(pbx.sipPort, '127.0.0.5');
    try {
      assert.equal((await phone.register('102', SIP_TEST_PASSWORD)).final.status, 200);
      const denied = await fetch(`${pbx.server.url}/sim/sip/registrations`);
      assert.equal(denied.status, 401);
      const listed = (await (await fetch(`${pbx.server.url}/sim/sip/registrations`, { headers: { authorization: `Bearer ${pbx.server.adminKey}` } })).json()) as Array<Record<string, unknown>>;
      const mine = listed.find((r) => r['contact'] === `sip:102@127.0.0.5:${phone.port}`);
      assert.deepEqual(mine, { extension: '102', aor: 'sip:102@127.0.0.1', contact: `sip:102@127.0.0.5:${phone.port}`, userAgent: 'TestPhone/1.0', source: `udp:127.0.0.5:${phone.port}`, expiresInSeconds: 300 });
      // Carol (102) has only the SIP phone registered: a call to her rings it (the INVITE goes out), and the server carries on.
      const placed = await fetch(`${pbx.server.url}/sim/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pbx.server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: '+15557777', to: '102' }),
      });
      assert.equal(placed.status, 201);
      assert.equal(pbx.server.pbx.listParticipants('102')[0]?.status, 'Ringing');
      pbx.server.pbx.endAllCalls();
      assert.equal((await pbx.get('/callcontrol/102/devices')).status, 200);
      assert.equal((await phone.request('OPTIONS', '102')).status, 200, 'the SIP side still answers');
    } finally {
      phone.close();
    }
  });
});

describe('bindings across a restart', () => {
  test('changes are written to sip-bindings.json together once BINDINGS_SAVE_DELAY_MS has passed on the clock, not on every REGISTER', async () => {
    const pbx = await startSipPbx();
    const file = join(pbx.dataDir, BINDINGS_FILE);
    const phones = [await UdpSipClient.open(pbx.sipPort), await UdpSipClient.open(pbx.sipPort, '127.0.0.6')];
    try {
      pbx.clock.advance(BINDINGS_SAVE_DELAY_MS); // whatever the start wrote is out of the way
      const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
      assert.equal((await phones[0]!.register('100', SIP_TEST_PASSWORD, 3600)).final.status, 200);
      assert.equal((await phones[1]!.register('103', SIP_TEST_PASSWORD, 3600)).final.status, 200);
      assert.equal(existsSync(file) ? readFileSync(file, 'utf8') : '', before, 'nothing written before the delay');
      pbx.clock.advance(BINDINGS_SAVE_DELAY_MS);
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { bindings: Array<{ extension: string }> };
      assert.deepEqual(saved.bindings.map((b) => b.extension).sort(), ['100', '103']);
    } finally {
      for (const phone of phones) phone.close();
      await pbx.close();
    }
  });


  test('a registered phone is a device again after a restart, and restored bindings still expire on time', async () => {
    const first = await startSipPbx();
    const phone = await UdpSipClient.open(first.sipPort);
    const shortLived = await UdpSipClient.open(first.sipPort, '127.0.0.6');
    try {
      assert.equal((await phone.register('100', SIP_TEST_PASSWORD, 3600)).final.status, 200);
      assert.equal((await shortLived.register('103', SIP_TEST_PASSWORD, 60)).final.status, 200);
    } finally {
      phone.close();
      shortLived.close();
      await first.close();
    }
    // The fake clock of the next start begins at the real time: a 60 s binding made just now must not outlive a minute later.
    const second = await startSipPbx({ dataDir: first.dataDir });
    try {
      assert.ok((await devicesOf(second, '100')).some((d) => d.device_id === `sip:100@127.0.0.1:${phone.port}` && d.user_agent === 'TestPhone/1.0'));
      second.clock.advance(61_000);
      assert.ok(!(await devicesOf(second, '103')).some((d) => d.device_id.startsWith('sip:103@127.0.0.6')));
    } finally {
      await second.close();
    }
  });
});
