// Tests of the audio each built-in endpoint supplies for its legs (Endpoint.media, asked through Pbx.mediaPortOf).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FRAME_SAMPLES } from '../../src/media/format.js';
import { generatedHoldMusic, generatedIvrPrompt } from '../../src/media/prompts.js';
import { only, startPbx } from '../helpers/pbx.js';

const CALLER = '+15557654321';

function firstFrame(pcm: Int16Array): Int16Array {
  return pcm.subarray(0, FRAME_SAMPLES);
}

describe('audio supplied by the endpoints', () => {
  test('route point: silent, detects DTMF in what it hears, not recorded', () => {
    const t = startPbx();
    t.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const port = t.pbx.mediaPortOf(only(t.pbx, '800').id)!;
    assert.equal(port.detectsDtmf, true);
    assert.equal(port.records ?? false, false);
    assert.equal(port.sending, false);
    assert.equal(port.produce(new Int16Array(FRAME_SAMPLES)), false);
  });

  test('IVR: silent until the menu starts, then its prompt; a key in the menu stops it', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550101' });
    const ivr = only(t.pbx, '801');
    const port = t.pbx.mediaPortOf(ivr.id)!;
    assert.equal(port.detectsDtmf, true);
    assert.equal(port.sending, false, 'the menu started before the port existed: nothing plays yet');
    t.pbx.sendDtmf(caller.id, '9'); // not in the menu: the menu starts again, now with a port to play on
    assert.equal(port.producing, true);
    const frame = new Int16Array(FRAME_SAMPLES);
    assert.equal(port.produce(frame), true);
    assert.deepEqual(frame, firstFrame(generatedIvrPrompt()));
    t.pbx.sendDtmf(caller.id, '1');
    assert.equal(port.sending, false, 'routing: the prompt stops');
  });

  test('queue: its hold music, looped, from the first frame', () => {
    const t = startPbx();
    t.pbx.placeInboundCall({ from: CALLER, to: '+15550102' });
    const port = t.pbx.mediaPortOf(only(t.pbx, '802').id)!;
    assert.equal(port.producing, true);
    assert.equal(port.detectsDtmf ?? false, false);
    const frame = new Int16Array(FRAME_SAMPLES);
    assert.equal(port.produce(frame), true);
    assert.deepEqual(frame, firstFrame(generatedHoldMusic()));
  });

  test('simulated phone and external party: their media behaviour at connect time, recorded', () => {
    const t = startPbx();
    t.partyMedia.setNumber(CALLER, { kind: 'tone', frequenciesHz: 440 });
    t.partyMedia.setDevice('100', 'sip:100@127.0.0.1:5160', { kind: 'echo', delayMs: 40 });
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '100' });
    t.clock.advance(1000); // Alice answers after 1 s
    const alice = only(t.pbx, '100');
    assert.equal(alice.status, 'Connected');
    const callerPort = t.pbx.mediaPortOf(caller.id)!;
    assert.equal(callerPort.records, true);
    assert.equal(callerPort.producing, true, 'a tone makes sound by itself');
    const alicePort = t.pbx.mediaPortOf(alice.id)!;
    assert.equal(alicePort.records, true);
    assert.equal(alicePort.producing, false, 'an echo only returns what it hears');
    assert.equal(alicePort.echoDelayMs, 40);
  });
});
