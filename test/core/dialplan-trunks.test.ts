// Tests of outbound rules end to end in the core: a PBX with two trunks sends each number out through the trunk its rules pick.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { CoreError } from '../../src/core/errors.js';
import { only, startPbx } from '../helpers/pbx.js';

const YAML = `
extensions:
  - number: 100
    devices: [{ id: alice }]
routePoints:
  - number: 800
trunks:
  - { number: 10000, name: Carrier A }
  - { number: 10001, name: Carrier B }
outbound:
  - { prefix: '+44', trunk: 10001 }
  - { pattern: '\\+1[0-9]{10}', trunk: 10000 }
  - { prefix: '00', trunk: 10001 }
`;

describe('outbound rules pick the trunk', () => {
  test('each number leaves through the trunk of the first rule it matches: the far participant is on that trunk', () => {
    const t = startPbx(parseConfig(YAML, 'pbx.yaml', '/'));
    const routePoint = t.pbx.getDn('800').devices[0]!.deviceId;
    const london = t.pbx.makeCall({ dn: '800', deviceId: routePoint, destination: '+44 20 7946 0000' });
    assert.equal(london.participant?.partyDn, '10001');
    assert.equal(london.participant?.partyDnType, 'Wexternalline');
    assert.equal(london.participant?.partyCallerId, '+442079460000');
    assert.equal(only(t.pbx, '10001').partyDn, '800');

    const newYork = t.pbx.makeCall({ dn: '800', deviceId: routePoint, destination: '+15550001234' });
    assert.equal(newYork.participant?.partyDn, '10000');
    assert.equal(only(t.pbx, '10000').partyDn, '800');
    assert.equal(only(t.pbx, '10001').callId, london.participant?.callId);
  });

  test('a number no rule matches is refused as InvalidDestination, naming the number', () => {
    const t = startPbx(parseConfig(YAML, 'pbx.yaml', '/'));
    assert.throws(
      () => t.pbx.makeCall({ dn: '100', destination: '+3312345678' }),
      (error: unknown) => (error as CoreError).code === 'InvalidDestination' && (error as CoreError).message === '+3312345678 is unroutable: no outbound rule matches it',
    );
    assert.deepEqual(t.log(), []);
  });

  test('without an outbound section every number leaves through the first trunk', () => {
    const t = startPbx(parseConfig(YAML.replace(/outbound:[\s\S]*$/, ''), 'pbx.yaml', '/'));
    const call = t.pbx.makeCall({ dn: '100', destination: '+3312345678' });
    assert.equal(call.participant?.partyDn, '10000');
  });
});
