// Device bindings: a registrar's repeated binding refreshes the device in place; /sim registration stays strict.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deviceIds } from '../helpers/demo.js';
import { startPbx } from '../helpers/pbx.js';

const CONTACT = 'sip:102@127.0.0.1:5999';

describe('device bindings', () => {
  test('binding the same device again refreshes it in place and keeps its calls', () => {
    const t = startPbx();
    t.pbx.bindDevice('102', { deviceId: CONTACT, userAgent: 'Phone 1', contact: CONTACT, expiresAt: 60_000 });
    t.pbx.makeCall({ dn: '800', destination: '102' });
    const ringing = t.pbx.listParticipants('102').map((p) => p.id);
    assert.equal(ringing.length, 1);
    const refreshed = t.pbx.bindDevice('102', { deviceId: CONTACT, expiresAt: 120_000 });
    assert.equal(refreshed.userAgent, 'Phone 1');
    assert.deepEqual(t.pbx.listParticipants('102').map((p) => p.id), ringing);
    const record = t.pbx.deviceRecords('102').registered.find((d) => d.id === CONTACT);
    assert.equal(record?.expiresAt, 120_000);
    assert.equal(record?.contact, CONTACT);
    // Only the first binding is news; an unchanged refresh is silent.
    assert.deepEqual(t.log().filter((line) => line.startsWith('device')), [`device+ 102 ${CONTACT}`]);
  });

  test('a refresh that changes the user agent is announced again', () => {
    const t = startPbx();
    t.pbx.bindDevice('102', { deviceId: CONTACT, userAgent: 'Phone 1' });
    const view = t.pbx.bindDevice('102', { deviceId: CONTACT, userAgent: 'Phone 2' });
    assert.equal(view.userAgent, 'Phone 2');
    assert.deepEqual(t.log().filter((line) => line.startsWith('device')), [`device+ 102 ${CONTACT}`, `device+ 102 ${CONTACT}`]);
    assert.deepEqual(t.pbx.listDevices('102').map((d) => d.userAgent), ['Phone 2']);
  });

  test('registerDevice still refuses a device that is already registered', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    assert.throws(() => t.pbx.registerDevice('100', { id: ids.alice }), (error: { code?: string }) => error.code === 'InvalidState');
  });

  test('bindDevice refuses non-extensions and bad ids', () => {
    const t = startPbx();
    assert.throws(() => t.pbx.bindDevice('800', { deviceId: 'x' }), (error: { code?: string }) => error.code === 'NotSupported');
    assert.throws(() => t.pbx.bindDevice('102', { deviceId: '' }), (error: { code?: string }) => error.code === 'InvalidArgument');
    assert.throws(() => t.pbx.bindDevice('999', { deviceId: 'x' }), (error: { code?: string }) => error.code === 'DnNotFound');
  });
});
