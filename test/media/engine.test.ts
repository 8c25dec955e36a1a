// Tests of the media engine on a manual clock: ports, bridges, pacing, uploads, taps, hold, prompts, in-band DTMF.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import type { PbxConfig } from '../../src/config/types.js';
import { ManualClock, type Clock, type TimerHandle } from '../../src/core/clock.js';
import { createSimulatedPbx } from '../../src/endpoints/directory.js';
import { DtmfSource } from '../../src/media/dtmf.js';
import { MediaEngine, type MediaTap, type TapEndReason, type UploadOutcome } from '../../src/media/engine.js';
import { FRAME_SAMPLES, UPLOAD_HARD_LIMIT_BYTES, UPLOAD_HIGH_WATER_BYTES, bytesFromSamples, dbm0ToPeak } from '../../src/media/format.js';
import { generatedHoldMusic, generatedIvrPrompt } from '../../src/media/prompts.js';
import { PcmSource, ToneSource } from '../../src/media/source.js';
import { encodeWav8kMono } from '../../src/media/wav.js';
import { MAX_STREAM_READERS_PER_PARTICIPANT } from '../../src/limits.js';
import { only, startPbx, TEST_DEMO_SECRET, type TestPbx } from '../helpers/pbx.js';
import { gaussian, prng, render, rms, toInt16 } from './helpers.js';
import { indexOf, pattern } from '../helpers/audio.js';

const CALLER = '+15557654321';
const APP_DID = '+15550100'; // route point 800
const IVR_DID = '+15550101'; // IVR 801
const QUEUE_DID = '+15550102'; // queue 802

/** A tap that keeps copies of every frame, and notes the arrays it was handed. */
class Probe implements MediaTap {
  readonly frames: Int16Array[] = [];
  readonly arrays = new Set<Int16Array>();
  flushes = 0;
  ended: TapEndReason | undefined;
  frame(samples: Int16Array): void {
    this.frames.push(Int16Array.from(samples));
    this.arrays.add(samples);
  }
  flush(): void {
    this.flushes++;
  }
  end(reason: TapEndReason): void {
    this.ended = reason;
  }
  pcm(): Int16Array {
    const out = new Int16Array(this.frames.length * FRAME_SAMPLES);
    this.frames.forEach((frame, i) => out.set(frame, i * FRAME_SAMPLES));
    return out;
  }
}

function setup(configure?: (config: PbxConfig) => void, clock?: (manual: ManualClock) => Clock) {
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  configure?.(config);
  const t = startPbx(config);
  const errors: unknown[] = [];
  const media = new MediaEngine({ pbx: t.pbx, clock: clock ? clock(t.clock) : t.clock, partyMedia: t.partyMedia, onError: (error) => errors.push(error) });
  const check = () => {
    if (errors.length > 0) throw errors[0];
  };
  return { t, media, check };
}

/** An external caller on the route point 800 (auto-answer): both Connected. */
function callApp(t: TestPbx, from = CALLER) {
  const caller = t.pbx.placeInboundCall({ from, to: APP_DID });
  const app = t.pbx.listParticipants('800').find((p) => p.callId === caller.callId)!;
  assert.equal(app.status, 'Connected');
  return { caller, app };
}

function dtmfEvents(t: TestPbx): string[] {
  return t.log().filter((line) => line.startsWith('dtmf '));
}

function uploadListener() {
  const state = { drains: 0, outcome: undefined as UploadOutcome | undefined };
  return { state, listener: { drain: () => state.drains++, done: (outcome: UploadOutcome) => (state.outcome = outcome) } };
}

describe('media engine: ports, pacing and bridges', () => {
  test('a port per Connected participant; the clock sleeps while nothing plays and nobody listens', () => {
    const { t, media, check } = setup();
    const { caller, app } = callApp(t);
    assert.ok(media.hasPort(caller.id) && media.hasPort(app.id));
    assert.equal(t.clock.pendingTimers(), 0, 'silence needs no clock');
    assert.equal(media.stats().running, false);
    const probe = new Probe();
    const remove = media.addTap(app.id, probe);
    assert.ok(remove);
    assert.equal(t.clock.pendingTimers(), 1, 'one timer for the whole engine');
    t.pbx.endpointHangup(caller.id);
    assert.equal(probe.ended, 'left');
    assert.equal(media.hasPort(app.id), false);
    assert.equal(media.hasPort(caller.id), false);
    t.clock.advance(1000);
    assert.equal(t.clock.pendingTimers(), 0, 'the clock stops after the call');
    check();
  });

  test('pacing: exactly 16,000 bytes per simulated second reach a reader, one frame per 20 ms, for an hour', () => {
    const { t, media, check } = setup();
    const { app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);
    t.clock.advance(1000);
    assert.equal(probe.frames.length * FRAME_SAMPLES * 2, 16_000);
    assert.equal(probe.flushes, 50);
    t.clock.advance(3_599_000);
    assert.equal(probe.frames.length, 3600 * 50);
    assert.equal(media.stats().framesSkipped, 0);
    check();
  });

  test('one timer serves every call: 50 calls with readers keep one pending timer', () => {
    const { t, media, check } = setup();
    const probes: Probe[] = [];
    for (let i = 0; i < 50; i++) {
      const { app } = callApp(t, `+1555000${1000 + i}`);
      const probe = new Probe();
      media.addTap(app.id, probe);
      probes.push(probe);
    }
    assert.equal(t.clock.pendingTimers(), 1);
    t.clock.advance(2000);
    for (const probe of probes) assert.ok(probe.frames.length >= 99 && probe.frames.length <= 100, `${probe.frames.length} frames`);
    assert.equal(t.clock.pendingTimers(), 1);
    check();
  });

  test('two parties are bridged straight through: the reader is handed the peer’s own frame buffer every tick (no copy, no allocation)', () => {
    const { t, media, check } = setup();
    media.partyMedia.setNumber(CALLER, { kind: 'tone', frequenciesHz: 1000 });
    const { app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);
    t.clock.advance(2000);
    assert.equal(probe.frames.length, 100);
    assert.equal(probe.arrays.size, 1, 'the same array every tick');
    assert.ok(rms(probe.pcm()) > dbm0ToPeak(-13) / Math.SQRT2 - 200, 'the caller’s tone arrives at its level');
    check();
  });

  test('a clock that wakes late catches up: pacing stays exact on average; beyond 200 ms behind, frames are skipped and counted', () => {
    // Every timer fires `lateMs` after it was due.
    let lateMs = 50;
    const late = (manual: ManualClock): Clock => ({
      now: () => manual.now(),
      setTimeout: (callback: () => void, delayMs: number): TimerHandle => manual.setTimeout(callback, delayMs + lateMs),
      clearTimeout: (handle) => manual.clearTimeout(handle),
    });
    const { t, media, check } = setup(undefined, late);
    const { app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);
    t.clock.advance(10_000);
    assert.ok(probe.frames.length >= 497 && probe.frames.length <= 500, `${probe.frames.length} frames in 10 s`);
    assert.ok(probe.flushes < 200, 'several frames per wake-up');
    assert.equal(media.stats().framesSkipped, 0);
    lateMs = 1000;
    const before = probe.frames.length;
    t.clock.advance(10_000);
    assert.ok(media.stats().framesSkipped > 0, 'a second behind: the oldest frames are skipped');
    assert.ok(probe.frames.length - before < 500);
    check();
  });

  test('a known PCM pattern uploaded on the route point reaches an echo party and comes back intact and in order; the caller records it', () => {
    const { t, media, check } = setup();
    media.partyMedia.setNumber(CALLER, { kind: 'echo' });
    const { caller, app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);
    const sent = pattern(3 * 8000);
    const { state, listener } = uploadListener();
    const upload = media.openUpload(app.id, listener)!;
    // In odd-sized chunks: samples split across chunks must survive.
    const bytes = bytesFromSamples(sent);
    for (let at = 0; at < bytes.length; at += 999) upload.push(bytes.subarray(at, Math.min(bytes.length, at + 999)));
    upload.end();
    t.clock.advance(4000);
    const heard = probe.pcm();
    const at = indexOf(heard, sent);
    assert.ok(at >= 0, 'the whole pattern comes back, unchanged and in order');
    assert.ok(at <= 8 * FRAME_SAMPLES, `echo delay plus start buffer (${at / 8} ms)`);
    const recording = media.recording(caller.id)!;
    assert.ok(indexOf(recording.pcm, sent) >= 0, 'the caller heard exactly what was sent');
    assert.equal(state.outcome, 'played');
    check();
  });

  test('an upload ends, plays out, then PromptPlaybackFinished; the response outcome comes after the event', () => {
    const { t, media, check } = setup();
    const { app } = callApp(t);
    t.log();
    const { state, listener } = uploadListener();
    const upload = media.openUpload(app.id, listener)!;
    upload.push(bytesFromSamples(pattern(8000 + 80))); // 1.01 s: the last frame is partial
    upload.end();
    t.clock.advance(1000);
    assert.deepEqual(t.log(), [], 'still playing');
    assert.equal(state.outcome, undefined);
    t.clock.advance(60);
    assert.deepEqual(t.log(), [`played 800#${app.id}`]);
    assert.equal(state.outcome, 'played');
    t.clock.advance(5000);
    assert.deepEqual(t.log(), [], 'once');
    check();
  });

  test('an empty upload that ends at once finishes at the next frame', () => {
    const { t, media, check } = setup();
    const { app } = callApp(t);
    t.log();
    const { state, listener } = uploadListener();
    media.openUpload(app.id, listener)!.end();
    t.clock.advance(20);
    assert.deepEqual(t.log(), [`played 800#${app.id}`]);
    assert.equal(state.outcome, 'played');
    check();
  });

  test('a new upload replaces the one in progress (no PromptPlaybackFinished for it); a hang-up ends an upload as "left"', () => {
    const { t, media, check } = setup();
    media.partyMedia.setNumber(CALLER, { kind: 'silence' });
    const { caller, app } = callApp(t);
    t.log();
    const first = uploadListener();
    media.openUpload(app.id, first.listener)!.push(bytesFromSamples(pattern(16_000, 1)));
    t.clock.advance(500);
    const second = uploadListener();
    const upload = media.openUpload(app.id, second.listener)!;
    assert.equal(first.state.outcome, 'replaced');
    const replacement = pattern(4000, 2);
    upload.push(bytesFromSamples(replacement));
    t.clock.advance(2000);
    assert.deepEqual(t.log(), [], 'the second upload is still open');
    assert.ok(indexOf(media.recording(caller.id)!.pcm, replacement) > 0, 'the replacement played');
    t.pbx.endpointHangup(caller.id);
    assert.equal(second.state.outcome, 'left');
    assert.deepEqual(t.log().filter((line) => line.startsWith('played')), []);
    check();
  });

  test('an open upload that runs dry plays silence and counts underruns; it waits for 60 ms of audio before resuming', () => {
    const { t, media, check } = setup();
    const { caller, app } = callApp(t);
    const { listener } = uploadListener();
    const upload = media.openUpload(app.id, listener)!;
    t.clock.advance(200);
    assert.equal(media.stats().uploadUnderrunFrames, 0, 'not before it started');
    const sent = bytesFromSamples(pattern(480));
    upload.push(sent.subarray(0, 640)); // 40 ms: below the start buffer
    t.clock.advance(100);
    const early = media.recording(caller.id)!.pcm;
    assert.equal(rms(early), 0, 'waits for 60 ms of audio');
    upload.push(sent.subarray(640)); // now 60 ms
    t.clock.advance(200);
    assert.equal(media.stats().uploadUnderrunFrames, 7, 'ran dry after 3 of the 10 frames');
    assert.ok(indexOf(media.recording(caller.id)!.pcm, pattern(480)) > 0);
    check();
  });

  test('back-pressure on a 10 s burst: the producer is paused at 5 s, resumed at 2 s, memory never passes the hard limit, nothing is lost', () => {
    const { t, media, check } = setup();
    media.partyMedia.setNumber(CALLER, { kind: 'silence' });
    const { caller, app } = callApp(t);
    const sent = pattern(10 * 8000, 3);
    const bytes = bytesFromSamples(sent);
    let offset = 0;
    let paused = false;
    let pauses = 0;
    let maxBuffered = 0;
    const upload = media.openUpload(app.id, {
      drain: () => {
        paused = false;
        feed();
      },
      done: () => {},
    })!;
    // A producer that writes 8 KiB chunks as fast as it may, honouring push() === false.
    function feed() {
      while (!paused && offset < bytes.length) {
        const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + 8192));
        offset += chunk.length;
        if (!upload.push(chunk)) {
          paused = true;
          pauses++;
        }
        maxBuffered = Math.max(maxBuffered, upload.bufferedBytes);
      }
      if (offset >= bytes.length) upload.end();
    }
    feed();
    assert.equal(paused, true, 'the burst is paused');
    assert.ok(offset < bytes.length, 'not all of it was taken');
    assert.ok(upload.bufferedBytes >= UPLOAD_HIGH_WATER_BYTES && upload.bufferedBytes < UPLOAD_HIGH_WATER_BYTES + 8192);
    for (let ms = 0; ms < 11_000; ms += 20) {
      t.clock.advance(20);
      maxBuffered = Math.max(maxBuffered, upload.bufferedBytes);
    }
    assert.equal(pauses, 2, 'paused at 5 s buffered, resumed at 2 s, paused again, resumed');
    assert.ok(maxBuffered <= UPLOAD_HARD_LIMIT_BYTES, `at most ${maxBuffered} bytes buffered`);
    assert.ok(maxBuffered < UPLOAD_HIGH_WATER_BYTES + 8192, 'less than one chunk beyond high water');
    assert.ok(indexOf(media.recording(caller.id)!.pcm, sent) >= 0, 'every sample played, in order');
    check();
  });

  test('a producer that ignores back-pressure (one 20 s chunk) is held outside the queue, never beyond the hard limit', () => {
    const { t, media, check } = setup();
    const { caller, app } = callApp(t);
    const { state, listener } = uploadListener();
    const upload = media.openUpload(app.id, listener)!;
    const sent = pattern(20 * 8000, 4);
    assert.equal(upload.push(bytesFromSamples(sent)), false);
    upload.end();
    for (let s = 0; s < 21; s++) t.clock.advance(1000);
    assert.equal(state.outcome, 'played');
    assert.ok(state.drains >= 1);
    assert.ok(indexOf(media.recording(caller.id)!.pcm, sent) >= 0);
    check();
  });

  test('several readers tap one participant; beyond the limit the oldest is displaced; a removed tap gets nothing more', () => {
    const { t, media, check } = setup();
    const { app } = callApp(t);
    const probes = Array.from({ length: MAX_STREAM_READERS_PER_PARTICIPANT + 1 }, () => new Probe());
    const removers = probes.map((probe) => media.addTap(app.id, probe)!);
    assert.equal(probes[0]!.ended, 'displaced');
    t.clock.advance(100);
    removers[1]!();
    t.clock.advance(100);
    assert.equal(probes[0]!.frames.length, 0);
    assert.equal(probes[1]!.frames.length, 5);
    assert.equal(probes[2]!.frames.length, 10);
    check();
  });

  test('stop() ends every tap and upload and leaves no timer', () => {
    const { t, media, check } = setup();
    const { app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);
    const { state, listener } = uploadListener();
    media.openUpload(app.id, listener);
    media.stop();
    assert.equal(probe.ended, 'stopped');
    assert.equal(state.outcome, 'stopped');
    assert.equal(t.clock.pendingTimers(), 0);
    check();
  });
});

describe('media engine: recordings', () => {
  test('silence while the clock sleeps is still recorded: 5 s idle then 1 s of audio is 6.1 s of recording', () => {
    const { t, media, check } = setup();
    const { caller, app } = callApp(t);
    t.clock.advance(5000);
    assert.equal(t.clock.pendingTimers(), 0);
    media.openUpload(app.id, uploadListener().listener)!.push(bytesFromSamples(pattern(8000)));
    t.clock.advance(1100);
    const pcm = media.recording(caller.id)!.pcm;
    assert.ok(Math.abs(pcm.length - 6.1 * 8000) <= FRAME_SAMPLES, `${pcm.length / 8} ms recorded`);
    assert.ok(Math.abs(indexOf(pcm, pattern(8000)) - 5000 * 8) <= FRAME_SAMPLES, 'the tone starts 5 s in');
    check();
  });

  test('a recording outlives the party; a reset of the simulation forgets it', () => {
    const { t, media, check } = setup();
    const { caller, app } = callApp(t);
    media.openUpload(app.id, uploadListener().listener)!.push(bytesFromSamples(pattern(1600)));
    t.clock.advance(500);
    t.pbx.endpointHangup(caller.id);
    const kept = media.recording(caller.id)!;
    assert.equal(kept.live, false);
    assert.ok(indexOf(kept.pcm, pattern(1600)) >= 0);
    assert.ok(media.stats().recordedBytes > 0);
    media.resetSimulation();
    assert.equal(media.recording(caller.id), undefined);
    assert.equal(media.stats().recordedBytes, 0);
    check();
  });
});

describe('media engine: hold, queue music, IVR prompt', () => {
  test('a held party hears hold music and is not heard; when the transfer fails the conversation resumes', () => {
    const { t, media, check } = setup();
    media.partyMedia.setNumber(CALLER, { kind: 'tone', frequenciesHz: 1000 });
    const { caller, app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);
    t.clock.advance(1000);
    t.pbx.transferTo('800', app.id, { destination: '103' }); // Dave never answers
    assert.equal(t.pbx.participantDetail(caller.id)?.held, true);
    const before = probe.frames.length;
    const startRecording = media.recording(caller.id)!.pcm.length;
    t.clock.advance(5000);
    assert.equal(rms(probe.pcm(), before * FRAME_SAMPLES), 0, 'the transferring side hears nothing from the held party');
    const heldPart = media.recording(caller.id)!.pcm.subarray(startRecording);
    assert.ok(rms(heldPart) > 500, 'the held party hears music');
    assert.ok(indexOf(generatedHoldMusic(), heldPart.subarray(4000, 4400)) >= 0, 'the generated hold music');
    t.clock.advance(t.config.server.ringTimeoutSeconds * 1000);
    assert.equal(t.pbx.participantDetail(caller.id)?.held, false, 'the transfer failed: back in conversation');
    const after = probe.frames.length;
    t.clock.advance(1000);
    assert.ok(rms(probe.pcm(), after * FRAME_SAMPLES) > 1000, 'the caller is heard again');
    check();
  });

  test('a queued caller hears the generated hold music, looped, while agents ring', () => {
    const { t, media, check } = setup((config) => {
      config.queues[0]!.agents = ['103']; // Dave never answers
    });
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: QUEUE_DID });
    t.clock.advance(500);
    assert.equal(media.stats().running, true);
    const music = generatedHoldMusic();
    t.clock.advance(music.length / 8 + 500);
    const pcm = media.recording(caller.id)!.pcm;
    const first = indexOf(pcm, music.subarray(0, 400));
    assert.ok(first >= 0 && first < 100, 'starts on connect');
    assert.ok(indexOf(pcm.subarray(first + music.length), music.subarray(0, 400)) === 0, 'and loops');
    check();
  });

  test('the IVR plays its generated prompt on connect and again after a key not in its menu; a valid key stops it', () => {
    const { t, media, check } = setup();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: IVR_DID });
    const prompt = generatedIvrPrompt();
    t.clock.advance(3000);
    let pcm = media.recording(caller.id)!.pcm;
    assert.ok(indexOf(pcm, prompt.subarray(0, 800)) >= 0 && indexOf(pcm, prompt.subarray(0, 800)) < 200);
    assert.equal(rms(pcm, pcm.length - 8000), 0, 'then silence');
    t.pbx.sendDtmf(caller.id, '9');
    t.clock.advance(3000);
    pcm = media.recording(caller.id)!.pcm;
    const again = indexOf(pcm.subarray(3 * 8000), prompt.subarray(0, 800));
    assert.ok(again >= 0 && again < 200, 'the menu again');
    t.pbx.sendDtmf(caller.id, '9');
    t.clock.advance(200);
    t.pbx.sendDtmf(caller.id, '1'); // Alice rings; the prompt stops at once
    const start = media.recording(caller.id)!.pcm.length;
    t.clock.advance(600);
    assert.equal(rms(media.recording(caller.id)!.pcm, start), 0);
    check();
  });

  test('the IVR prompt comes from the configured WAV file (any rate), and a missing file falls back to the generated prompt', (ctx: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-media-'));
    ctx.after(() => rmSync(dir, { recursive: true, force: true }));
    const prompt = toInt16(Array.from({ length: 8000 }, (_, i) => 8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    writeFileSync(join(dir, 'menu.wav'), encodeWav8kMono(prompt));
    const { t, media, check } = setup((config) => {
      config.ivrs[0]!.prompt = join(dir, 'menu.wav');
    });
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: IVR_DID });
    t.clock.advance(1500);
    assert.ok(indexOf(media.recording(caller.id)!.pcm, prompt) >= 0);
    check();

    const missing: unknown[] = [];
    const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
    config.ivrs[0]!.prompt = join(dir, 'absent.wav');
    const clock2 = new ManualClock();
    const t2 = createSimulatedPbx(config, clock2, (error) => missing.push(error));
    const media2 = new MediaEngine({ pbx: t2.pbx, clock: clock2, partyMedia: t2.partyMedia, onError: (error) => missing.push(error) });
    assert.equal(missing.length, 1, 'reported once, at start');
    const caller2 = t2.pbx.placeInboundCall({ from: CALLER, to: IVR_DID });
    clock2.advance(1500);
    assert.ok(indexOf(media2.recording(caller2.id)!.pcm, generatedIvrPrompt().subarray(0, 800)) >= 0);
  });
});

describe('media engine: in-band DTMF', () => {
  test('key presses played by the caller reach the route point as DTMF events, once per press, like signalled ones', () => {
    const { t, media, check } = setup();
    const { caller, app } = callApp(t);
    t.log();
    media.playFromParty(caller.id, new DtmfSource('159#0*'));
    t.clock.advance(2000);
    assert.deepEqual(dtmfEvents(t), ['1', '5', '9', '#', '0', '*'].map((d) => `dtmf 800#${app.id} ${d}`));
    t.pbx.sendDtmf(caller.id, '7');
    assert.deepEqual(dtmfEvents(t), [`dtmf 800#${app.id} 7`], 'the same event as a signalled key');
    check();
  });

  test('a long press is one digit; the same key twice with a gap is two', () => {
    const { t, media, check } = setup();
    const { caller, app } = callApp(t);
    t.log();
    media.playFromParty(caller.id, new DtmfSource('5', { toneMs: 1500 }));
    t.clock.advance(2000);
    media.playFromParty(caller.id, new DtmfSource('33', { gapMs: 60 }));
    t.clock.advance(1000);
    assert.deepEqual(dtmfEvents(t), [`dtmf 800#${app.id} 5`, `dtmf 800#${app.id} 3`, `dtmf 800#${app.id} 3`]);
    check();
  });

  test('key presses in a WAV file the caller plays (media behaviour) are detected', (ctx: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-media-'));
    ctx.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'keys.wav');
    writeFileSync(path, encodeWav8kMono(render(new DtmfSource('42'))));
    const { t, media, check } = setup();
    media.partyMedia.setNumber(CALLER, { kind: 'wav', path });
    const { app } = callApp(t);
    t.log();
    t.clock.advance(1000);
    assert.deepEqual(dtmfEvents(t), [`dtmf 800#${app.id} 4`, `dtmf 800#${app.id} 2`]);
    check();
  });

  test('no digit from speech-like sound, noise, a single tone or a two-tone chord outside the DTMF grid', () => {
    const { t, media, check } = setup();
    const { caller } = callApp(t);
    t.log();
    const rand = prng(7);
    const noise = toInt16(Array.from({ length: 3 * 8000 }, () => dbm0ToPeak(-12) * gaussian(rand)));
    const speech = toInt16(
      Array.from({ length: 3 * 8000 }, (_, i) => {
        const t0 = i / 8000;
        let v = 0;
        for (let k = 1; k <= 12; k++) v += (dbm0ToPeak(-12) / k) * Math.sin(2 * Math.PI * k * (140 + 30 * Math.sin(2 * Math.PI * 0.7 * t0)) * t0);
        return v * (0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t0));
      }),
    );
    for (const source of [new PcmSource(noise), new PcmSource(speech), new ToneSource({ frequenciesHz: 697, durationMs: 2000 }), new ToneSource({ frequenciesHz: [600, 1100], durationMs: 2000 })]) {
      media.playFromParty(caller.id, source);
      t.clock.advance(3200);
    }
    assert.deepEqual(dtmfEvents(t), []);
    check();
  });

  test('the IVR routes on a key pressed in-band (the detector feeds its menu)', () => {
    const { t, media, check } = setup();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: IVR_DID });
    const ivr = only(t.pbx, '801');
    t.log();
    media.playFromParty(caller.id, new DtmfSource('1'));
    t.clock.advance(300);
    assert.deepEqual(t.log(), [`dtmf 801#${ivr.id} 1`, `+100#${only(t.pbx, '100').id} Ringing`]);
    check();
  });

  test('tones the application uploads, echoed back by the caller, are detected too (a POSTed stream)', () => {
    const { t, media, check } = setup();
    media.partyMedia.setNumber(CALLER, { kind: 'echo' });
    const { app } = callApp(t);
    t.log();
    const upload = media.openUpload(app.id, uploadListener().listener)!;
    upload.push(bytesFromSamples(render(new DtmfSource('8'))));
    upload.end();
    t.clock.advance(500);
    assert.deepEqual(dtmfEvents(t), [`dtmf 800#${app.id} 8`]);
    check();
  });
});
