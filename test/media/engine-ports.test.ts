// Tests of how the media engine carries the ports endpoints supply: asked once, closed when the leg leaves, woken by them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Endpoint } from '../../src/core/endpoint.js';
import type { MediaPort } from '../../src/core/media-port.js';
import { MediaEngine } from '../../src/media/engine.js';
import { startPbx } from '../helpers/pbx.js';

const ROUTE_POINT = '800';

/** A port that counts what the engine does with it and produces only while `on`. */
class CountingPort implements MediaPort {
  on = false;
  produced = 0;
  heard = 0;
  closed = 0;
  wake: (() => void) | undefined;
  get sending(): boolean {
    return this.on;
  }
  get producing(): boolean {
    return this.on;
  }
  produce(frame: Int16Array): boolean {
    this.produced++;
    frame.fill(1000);
    return true;
  }
  hear(): void {
    this.heard++;
  }
  start(wake: () => void): void {
    this.wake = wake;
  }
  close(): void {
    this.closed++;
  }
}

function setup(media: Endpoint['media']) {
  const t = startPbx();
  const errors: unknown[] = [];
  let asked = 0;
  const endpoint: Endpoint = {
    admit: () => null,
    offered: (leg) => leg.answer(),
    media: (leg) => {
      asked++;
      return media?.(leg);
    },
  };
  t.endpoints.setDeviceOverride((dn) => (dn === ROUTE_POINT ? endpoint : undefined));
  const engine = new MediaEngine({ pbx: t.pbx, clock: t.clock, partyMedia: t.partyMedia, onError: (error) => errors.push(error) });
  const caller = t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
  const app = t.pbx.listParticipants(ROUTE_POINT).find((p) => p.callId === caller.callId)!;
  return { t, engine, errors, caller, app, asked: () => asked };
}

describe('media engine: ports supplied by endpoints', () => {
  test('asked once per Connected leg; a port that starts producing wakes the sleeping clock; closed when the leg leaves', () => {
    const port = new CountingPort();
    const { t, engine, caller, app, asked, errors } = setup(() => port);
    assert.equal(asked(), 1);
    assert.ok(engine.hasPort(app.id));
    assert.equal(t.clock.pendingTimers(), 0, 'nothing produces: the clock sleeps');
    port.on = true;
    port.wake?.();
    assert.equal(t.clock.pendingTimers(), 1);
    t.clock.advance(100);
    assert.equal(port.produced, 5);
    assert.equal(port.heard, 5);
    assert.equal(engine.streams().find((s) => s.participantId === app.id)?.source, 'own');
    t.pbx.endpointHangup(caller.id);
    assert.equal(port.closed, 1);
    assert.equal(asked(), 1, 'never asked again');
    assert.deepEqual(errors, []);
  });

  test('stopping the engine closes every endpoint port', () => {
    const port = new CountingPort();
    const { engine } = setup(() => port);
    engine.stop();
    assert.equal(port.closed, 1);
  });

  test('an endpoint that fails to supply its port is reported; the leg still has audio (silence, taps, uploads)', () => {
    const { engine, app, errors } = setup(() => {
      throw new Error('no audio today');
    });
    assert.equal(errors.length, 1);
    assert.ok(engine.hasPort(app.id));
    assert.equal(engine.streams().find((s) => s.participantId === app.id)?.source, 'silence');
  });

  test('an endpoint without audio of its own: the leg sends silence', () => {
    const { engine, app, errors } = setup(() => undefined);
    assert.ok(engine.hasPort(app.id));
    assert.equal(engine.streams().find((s) => s.participantId === app.id)?.source, 'silence');
    assert.deepEqual(errors, []);
  });
});
