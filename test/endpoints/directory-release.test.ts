// Tests that the endpoint directory's cache holds registered devices only: an unregistered device's endpoint is released.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceIds } from '../helpers/demo.js';
import { startPbx } from '../helpers/pbx.js';

test('registering, ringing and unregistering phones over and over leaves the endpoint cache where it started', () => {
  const t = startPbx();
  const routePoint = deviceIds(t.config).routePoint;
  // Warm the cache with the devices a call to 101 rings, then measure.
  t.pbx.makeCall({ dn: '800', deviceId: routePoint, destination: '101' });
  t.pbx.endAllCalls();
  const baseline = t.endpoints.cachedEndpoints;
  for (let round = 0; round < 200; round++) {
    const id = `sip:101-${round}@127.0.0.1`;
    t.pbx.registerDevice('101', { id });
    t.pbx.makeCall({ dn: '800', deviceId: routePoint, destination: '101' });
    assert.equal(t.endpoints.cachedEndpoints, baseline + 1, `round ${round}: the new phone was offered the call`);
    t.pbx.unregisterDevice('101', id);
    t.pbx.endAllCalls();
    assert.equal(t.endpoints.cachedEndpoints, baseline, `round ${round}: the unregistered phone's endpoint is released`);
  }
});

test('a released device that registers again gets a fresh endpoint', () => {
  const t = startPbx();
  t.pbx.registerDevice('101', { id: 'sip:again@127.0.0.1' });
  const first = t.endpoints.device('101', 'sip:again@127.0.0.1');
  assert.equal(t.endpoints.device('101', 'sip:again@127.0.0.1'), first, 'cached while registered');
  t.pbx.unregisterDevice('101', 'sip:again@127.0.0.1');
  t.pbx.registerDevice('101', { id: 'sip:again@127.0.0.1' });
  assert.notEqual(t.endpoints.device('101', 'sip:again@127.0.0.1'), first);
});
