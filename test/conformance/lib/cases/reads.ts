// GET /callcontrol, a DN, its devices (ids raw and percent-encoded), its participants: shapes, scope, and 401/403/404.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callRoutePoint, driven, participant, participants, resetBeforeEach, type Case } from '../context.js';
import { send } from '../http.js';
import { assertDevice, assertDnInfo, assertError, assertParticipant, type DnInfo } from '../wire.js';

export function readCases(c: Case): void {
  const { topo } = c;
  const monitored = () => [topo.routePoint, topo.directExtension, topo.twoDeviceExtension, topo.unregisteredExtension, topo.neverAnswersExtension, topo.ivr, topo.queue];

  describe('reads', () => {
    resetBeforeEach(c);

    test('GET /callcontrol: an array of DN info for the route point and the monitored DNs, nothing outside the scope', async () => {
      const response = await c.api.get('/callcontrol');
      assert.equal(response.status, 200);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const list = (response.json as unknown[]).map((dn) => assertDnInfo(dn));
      const dns = list.map((d) => d.dn);
      for (const dn of monitored()) assert.ok(dns.includes(dn), `${dn} is listed`);
      assert.ok(!dns.includes(topo.outOfScopeDn), `${topo.outOfScopeDn} is outside the scope`);
      assert.equal(new Set(dns).size, dns.length, 'each DN once');
      const type = (dn: string) => list.find((d) => d.dn === dn)!.type;
      assert.deepEqual([type(topo.routePoint), type(topo.directExtension), type(topo.ivr), type(topo.queue)], ['Wroutepoint', 'Wextension', 'Wivr', 'Wqueue']);
      // Route points, IVRs and queues expose a device: the vendor's example dials from devices[0].
      for (const dn of [topo.routePoint, topo.ivr, topo.queue]) assert.ok(list.find((d) => d.dn === dn)!.devices.length >= 1, `${dn} has a device`);
    });

    test('GET /callcontrol/{dn}: the same DN info as in the list; 404 DnNotFound, 403 Forbidden outside the scope, 401 without a token', async () => {
      const list = (await c.api.get('/callcontrol')).json as DnInfo[];
      for (const dn of monitored()) {
        const response = await c.api.get(`/callcontrol/${dn}`);
        assert.equal(response.status, 200);
        assert.deepEqual(assertDnInfo(response.json, dn), list.find((d) => d.dn === dn));
      }
      assertError(await c.api.get(`/callcontrol/${topo.missingDn}`), 404, 'DnNotFound');
      assertError(await c.api.get(`/callcontrol/${topo.outOfScopeDn}`), 403, 'Forbidden');
      assertError(await send(c.endpoint, 'GET', `/callcontrol/${topo.routePoint}`), 401, 'Unauthorized');
    });

    test('GET /callcontrol/{dn}/devices: the registered devices ([] for an extension with none); 403 / 404 / 401', async () => {
      const direct = await c.api.get(`/callcontrol/${topo.directExtension}/devices`);
      assert.equal(direct.status, 200);
      assert.deepEqual((direct.json as unknown[]).map((d) => assertDevice(d, topo.directExtension).device_id), [topo.directDevice]);
      const two = (await c.api.get(`/callcontrol/${topo.twoDeviceExtension}/devices`)).json as unknown[];
      assert.deepEqual(two.map((d) => assertDevice(d, topo.twoDeviceExtension).device_id).sort(), [topo.deskDevice, topo.softDevice].sort());
      assert.deepEqual((await c.api.get(`/callcontrol/${topo.unregisteredExtension}/devices`)).json, []);
      assertError(await c.api.get(`/callcontrol/${topo.outOfScopeDn}/devices`), 403, 'Forbidden');
      assertError(await c.api.get(`/callcontrol/${topo.missingDn}/devices`), 404, 'DnNotFound');
      assertError(await send(c.endpoint, 'GET', `/callcontrol/${topo.directExtension}/devices`), 401, 'Unauthorized');
    });

    test('GET /callcontrol/{dn}/devices/{id}: the device id raw, percent-encoded and double-encoded (":", "@", ";" included); 404 DeviceNotFound', async () => {
      for (const id of [topo.directDevice, topo.softDevice, topo.deskDevice]) {
        const dn = id === topo.directDevice ? topo.directExtension : topo.twoDeviceExtension;
        const expected = ((await c.api.get(`/callcontrol/${dn}/devices`)).json as { device_id: string }[]).find((d) => d.device_id === id);
        for (const segment of [id, encodeURIComponent(id), encodeURIComponent(encodeURIComponent(id))]) {
          const response = await c.api.get(`/callcontrol/${dn}/devices/${segment}`);
          assert.equal(response.status, 200, `${segment}: ${response.text}`);
          assert.deepEqual(assertDevice(response.json, dn), expected);
        }
      }
      assertError(await c.api.get(`/callcontrol/${topo.directExtension}/devices/${encodeURIComponent('sip:nobody@192.0.2.1:5060')}`), 404, 'DeviceNotFound');
      assertError(await c.api.get(`/callcontrol/${topo.unregisteredExtension}/devices/${encodeURIComponent(topo.unregisteredDevice)}`), 404, 'DeviceNotFound');
      assertError(await c.api.get(`/callcontrol/${topo.missingDn}/devices/x`), 404, 'DnNotFound');
      assertError(await c.api.get(`/callcontrol/${topo.outOfScopeDn}/devices/x`), 403, 'Forbidden');
    });

    test('GET participants of an idle DN: []; an unknown or non-int32 id: 404 ParticipantNotFound; 403 / 404 / 401', async () => {
      assert.deepEqual(await participants(c, topo.routePoint), []);
      for (const id of ['999999', 'abc', '-1', '1.5', '2147483648']) assertError(await c.api.get(`/callcontrol/${topo.routePoint}/participants/${id}`), 404, 'ParticipantNotFound');
      assertError(await c.api.get(`/callcontrol/${topo.outOfScopeDn}/participants`), 403, 'Forbidden');
      assertError(await c.api.get(`/callcontrol/${topo.missingDn}/participants`), 404, 'DnNotFound');
      assertError(await send(c.endpoint, 'GET', `/callcontrol/${topo.routePoint}/participants`), 401, 'Unauthorized');
    });

    driven(c, 'during a call: the participant in the list, alone, and in the DN info, every field present; another DN\'s participant id is 404 here', async (driver) => {
      const { app } = await callRoutePoint(c, driver);
      const one = await participant(c, topo.routePoint, app.id);
      assert.deepEqual(one, app);
      assertParticipant(one, { status: 'Connected', dn: topo.routePoint, direct_control: true });
      const info = assertDnInfo((await c.api.get(`/callcontrol/${topo.routePoint}`)).json, topo.routePoint);
      assert.deepEqual(info.participants, [app]);
      assert.equal(app.device_id, info.devices[0]!.device_id, "the participant's device is one of its DN's devices");
      // The caller's own leg is on the trunk, another DN: not found under the route point.
      const caller = await driver.peerOf(app.id);
      assert.notEqual(caller.id, app.id);
      assertError(await c.api.get(`/callcontrol/${topo.routePoint}/participants/${caller.id}`), 404, 'ParticipantNotFound');
      assertError(await c.api.get(`/callcontrol/${topo.outOfScopeDn}/participants/${caller.id}`), 403, 'Forbidden');
    });

    test('any other path under /callcontrol: result-shaped 404 RouteNotFound', async () => {
      assertError(await c.api.get(`/callcontrol/${topo.routePoint}/nothing-here`), 404, 'RouteNotFound');
    });
  });
}
