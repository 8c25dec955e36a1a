// Tests of how the media engine obtains a leg's audio: the PBX asks the leg's endpoint for its port.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Endpoint, LegControl } from '../../src/core/endpoint.js';
import type { MediaPort } from '../../src/core/media-port.js';
import { startPbx } from '../helpers/pbx.js';

const ROUTE_POINT_DEVICE = 'sip:800@127.0.0.1:5070';

/** A silent port that notes nothing: the tests only check which object comes back. */
function silentPort(): MediaPort {
  return { sending: false, producing: false, produce: () => false, close: () => {} };
}

describe('Pbx.mediaPortOf', () => {
  test('asks the endpoint of the participant for its port, handing it the leg’s control', () => {
    const t = startPbx();
    const asked: LegControl[] = [];
    const port = silentPort();
    const endpoint: Endpoint = {
      admit: () => null,
      offered: (leg) => leg.answer(),
      media: (leg) => {
        asked.push(leg);
        return port;
      },
    };
    t.endpoints.setDeviceOverride((dn, deviceId) => (dn === '800' && deviceId === ROUTE_POINT_DEVICE ? endpoint : undefined));
    const caller = t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    const app = t.pbx.listParticipants('800').find((p) => p.callId === caller.callId)!;
    assert.equal(t.pbx.mediaPortOf(app.id), port);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.participantId, app.id);
    assert.equal(asked[0]!.dn, '800');
  });

  test('undefined for an endpoint without audio and for a participant that is gone', () => {
    const t = startPbx();
    const endpoint: Endpoint = { admit: () => null, offered: (leg) => leg.answer() };
    t.endpoints.setDeviceOverride((dn) => (dn === '800' ? endpoint : undefined));
    const caller = t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    const app = t.pbx.listParticipants('800').find((p) => p.callId === caller.callId)!;
    assert.equal(t.pbx.mediaPortOf(app.id), undefined, 'no media hook');
    t.pbx.endpointHangup(caller.id);
    assert.equal(t.pbx.mediaPortOf(app.id), undefined, 'gone');
    assert.equal(t.pbx.mediaPortOf(caller.id), undefined, 'gone');
  });
});
