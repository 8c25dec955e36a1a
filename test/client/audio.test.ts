// The SDK's audio against the real server on a fake clock: SimClient's /sim audio, CallControlClient's participant streams.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallControlError, EventType, SimError } from '../../src/client/index.js';
import { demoConfig } from '../../src/config/demo.js';
import { mediaEngineOf } from '../../src/media/engine.js';
import { bytesFromSamples, samplesFromBytes } from '../../src/media/format.js';
import { decodeWavTo8kMono, encodeWav8kMono } from '../../src/media/wav.js';
import { until } from '../helpers/api.js';
import { indexOf, pattern } from '../helpers/audio.js';
import { deviceIds } from '../helpers/demo.js';
import { advanceInSteps, callAlice, callApp, countingFetch, DEMO_SECRET, startE2e, untilUploaded } from './harness.js';

const IDS = deviceIds(demoConfig({ demoSecret: DEMO_SECRET }));
const CALLER = '+15557654321';

/** Samples of raw s16le bytes (copied, so aligned). */
function pcm(bytes: Uint8Array): Int16Array {
  return samplesFromBytes(Buffer.from(bytes));
}

/** The ms-long run of sound after `from` in `samples`: its length in samples and its sign changes (2 per period). */
function soundAfter(samples: Int16Array, from: number): { length: number; signChanges: number } {
  const tail = samples.subarray(from);
  const first = tail.findIndex((v) => v !== 0);
  const last = tail.findLastIndex((v) => v !== 0);
  let signChanges = 0;
  let sign = 0;
  for (const v of tail.subarray(first, last + 1)) {
    if (v === 0) continue;
    if (sign !== 0 && Math.sign(v) !== sign) signChanges++;
    sign = Math.sign(v);
  }
  return { length: last - first + 1, signChanges };
}

/** `error` is a CallControlError with this status and reason, for this request. */
function callControlRefusal(status: number, reason: string, request: string) {
  return (error: unknown) => error instanceof CallControlError && error.status === status && error.reason === reason && error.request === request;
}

describe('SimClient audio', () => {
  test('playAudio plays raw PCM, a WAV and a tone from a party; recording returns what the other party heard, as WAV or raw', async (t) => {
    const { sim } = await startE2e(t, { fakeClock: true });
    const { callerId, aliceId } = await callAlice(sim);
    const speech = pattern(4000, 1);
    const prompt = pattern(4000, 2);

    let played = await sim.playAudio(callerId, { pcm: bytesFromSamples(speech) });
    assert.deepEqual([played.party.id, played.party.status, played.durationMs], [callerId, 'Connected', 500]);
    await advanceInSteps(sim, 600);
    played = await sim.playAudio(callerId, { wav: encodeWav8kMono(prompt) });
    assert.equal(played.durationMs, 500);
    await advanceInSteps(sim, 600);
    played = await sim.playAudio(callerId, { tone: 1000, ms: 200 });
    assert.equal(played.durationMs, 200);
    await advanceInSteps(sim, 300);

    const wav = await sim.recording(aliceId);
    assert.ok(Buffer.isBuffer(wav));
    assert.equal(wav.subarray(0, 4).toString('latin1'), 'RIFF');
    const heard = decodeWavTo8kMono(wav);
    const speechAt = indexOf(heard, speech);
    const promptAt = indexOf(heard, prompt);
    assert.ok(speechAt >= 0, 'Alice heard the raw PCM sample for sample');
    assert.ok(promptAt > speechAt, 'then the WAV file, decoded, sample for sample');
    const tone = soundAfter(heard, promptAt + prompt.length);
    assert.ok(Math.abs(tone.length - 1600) <= 8, `then 200 ms of tone (${tone.length} samples)`);
    assert.ok(Math.abs(tone.signChanges - 400) <= 4, `at 1000 Hz (${tone.signChanges} sign changes)`);

    assert.deepEqual(pcm(await sim.recording(aliceId, { format: 'raw' })), heard, 'format raw is the same audio without the header');
  });

  test('media behaviours: an echoing phone returns what the caller plays; media() lists what is set', async (t) => {
    const { sim } = await startE2e(t, { fakeClock: true });
    assert.deepEqual(await sim.setDeviceMedia('100', IDS.alice, { kind: 'echo', delayMs: 60 }), { dn: '100', deviceId: IDS.alice, media: { kind: 'echo', delayMs: 60 } });
    assert.deepEqual(await sim.setNumberMedia('+15550123', { kind: 'tone', frequencyHz: [350, 440], levelDbm0: -20 }), {
      number: '+15550123',
      media: { kind: 'tone', frequencyHz: [350, 440], levelDbm0: -20 },
    });
    assert.deepEqual(await sim.setDefaultMedia({ kind: 'silence' }), { media: { kind: 'silence' } });
    assert.deepEqual(await sim.media(), {
      default: { kind: 'silence' },
      numbers: { '+15550123': { kind: 'tone', frequencyHz: [350, 440], levelDbm0: -20 } },
      devices: [{ dn: '100', deviceId: IDS.alice, media: { kind: 'echo', delayMs: 60 } }],
    });

    const { callerId } = await callAlice(sim);
    const speech = pattern(4000, 3);
    await sim.playAudio(callerId, { pcm: bytesFromSamples(speech) });
    await advanceInSteps(sim, 700);
    assert.ok(indexOf(pcm(await sim.recording(callerId, { format: 'raw' })), speech) >= 0, 'the caller hears itself back from Alice');
  });

  test('refusals are SimErrors: unknown party 404, a party not Connected 409, an unreadable WAV behaviour 422', async (t) => {
    const { sim } = await startE2e(t, { fakeClock: true });
    const refusal = (status: number, error: string) => (caught: unknown) => caught instanceof SimError && caught.status === status && caught.error === error;
    await assert.rejects(sim.playAudio(9999, { tone: 440, ms: 100 }), refusal(404, 'ParticipantNotFound'));
    await assert.rejects(sim.recording(9999), refusal(404, 'ParticipantNotFound'));
    const dialing = await sim.placeCall({ from: CALLER, to: '103' }); // Dave never answers
    await assert.rejects(sim.playAudio(dialing.partyId, { pcm: bytesFromSamples(pattern(160)) }), refusal(409, 'InvalidState'));
    await assert.rejects(sim.setDefaultMedia({ kind: 'wav', path: '/no/such/file.wav' }), refusal(422, 'InvalidArgument'));
  });
});

describe('CallControlClient streams', () => {
  test('readStream: the application hears what the caller plays, as it is made, until the caller hangs up', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const { callerId, appId } = await callApp(e);
    const audio = await app.readStream('800', appId);
    const chunks: Buffer[] = [];
    const first = new Promise((resolve) => audio.once('data', resolve));
    audio.on('data', (chunk: Buffer) => chunks.push(chunk));
    let ended = false;
    const end = new Promise((resolve) => audio.once('end', resolve)).then(() => (ended = true));

    const speech = pattern(8000, 4);
    await e.sim.playAudio(callerId, { pcm: bytesFromSamples(speech) });
    await advanceInSteps(e.sim, 200);
    await first;
    assert.equal(ended, false, 'the first audio arrives while the call goes on');
    await advanceInSteps(e.sim, 1000);
    await e.sim.hangup(callerId);
    await end;

    const heard = pcm(Buffer.concat(chunks));
    assert.ok(indexOf(heard, speech) >= 0, 'the caller’s audio, sample for sample');
    assert.ok(Math.abs(heard.length - 9600) <= 160, `1.2 s of fake time is 1.2 s of audio (${heard.length} samples)`);
  });

  test('readStream stops early: breaking out of for await, or aborting its signal, detaches the reader on the server', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const media = mediaEngineOf(e.server.pbx)!;
    const { appId } = await callApp(e);

    const audio = await app.readStream('800', appId);
    assert.equal(media.tapCount(appId), 1);
    await advanceInSteps(e.sim, 100);
    let first: Buffer | undefined;
    for await (const chunk of audio as AsyncIterable<Buffer>) {
      first = chunk;
      break;
    }
    assert.ok(first && first.length > 0);
    await until(() => media.tapCount(appId) === 0, 'the server dropped the reader');

    const stop = new AbortController();
    const aborted = await app.readStream('800', appId, { signal: stop.signal });
    assert.equal(media.tapCount(appId), 1);
    stop.abort();
    await assert.rejects(aborted.toArray(), { name: 'AbortError' });
    await until(() => media.tapCount(appId) === 0, 'the server dropped the aborted reader');
  });

  test('writeStream with a Buffer: the caller hears it; the answer comes once it has played, after PromptPlaybackFinished', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const events = await e.events(app);
    const { callerId, appId } = await callApp(e);
    const prompt = pattern(8000, 5);
    const bytes = bytesFromSamples(prompt);
    let answered = false;
    const writing = app.writeStream('800', appId, bytes).finally(() => (answered = true));
    await untilUploaded(e, bytes.length);
    await advanceInSteps(e.sim, 900);
    assert.equal(answered, false, 'no answer while the prompt is still playing');
    await advanceInSteps(e.sim, 300);

    const result = await writing;
    assert.equal(result.status, 200);
    assert.equal(result.finalstatus, 'Success');
    assert.equal(result.result?.id, appId);
    assert.match(result.reasontext, /played to the end \(16000 bytes\)/);
    await events.waitFor({ type: EventType.PromptPlaybackFinished, dn: '800', id: appId });
    assert.ok(indexOf(pcm(await e.sim.recording(callerId, { format: 'raw' })), prompt) >= 0, 'the caller heard the prompt, sample for sample');
  });

  test('writeStream with an async iterable uploads the chunks as they come (chunked) and the caller hears them all', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const { callerId, appId } = await callApp(e);
    const prompt = bytesFromSamples(pattern(8000, 6));
    let pulled = 0;
    async function* chunks() {
      for (let at = 0; at < prompt.length; at += 320) {
        pulled++;
        yield prompt.subarray(at, at + 320);
      }
    }
    const writing = app.writeStream('800', appId, chunks());
    await untilUploaded(e, prompt.length);
    await advanceInSteps(e.sim, 1200);
    const result = await writing;
    assert.equal(result.finalstatus, 'Success');
    assert.equal(pulled, 50);
    assert.ok(indexOf(pcm(await e.sim.recording(callerId, { format: 'raw' })), pcm(prompt)) >= 0, 'the caller heard every chunk, in order');
  });

  test('refusals are CallControlErrors: 404 for an unknown participant, 424 NotConnected while Ringing; an unfinished chunk source is closed', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    await e.sim.setRoutePoint('800', { autoAnswer: false });
    const { appId } = await callApp(e);
    assert.equal((await app.getParticipant('800', appId)).status, 'Ringing');
    const unknown = '/callcontrol/800/participants/999/stream';
    const ringing = `/callcontrol/800/participants/${appId}/stream`;

    await assert.rejects(app.readStream('800', 999), callControlRefusal(404, 'ParticipantNotFound', `GET ${unknown}`));
    await assert.rejects(app.readStream('800', appId), callControlRefusal(424, 'NotConnected', `GET ${ringing}`));
    await assert.rejects(app.writeStream('800', 999, Buffer.alloc(320)), callControlRefusal(404, 'ParticipantNotFound', `POST ${unknown}`));

    let closed = false;
    async function* endless() {
      try {
        for (;;) yield new Uint8Array(320);
      } finally {
        closed = true;
      }
    }
    await assert.rejects(app.writeStream('800', appId, endless()), callControlRefusal(424, 'NotConnected', `POST ${ringing}`));
    await until(() => closed, 'the endless source was closed');
  });

  test('a revoked token: readStream and a Buffer upload are retried once with a new token; a chunk source is not (it cannot be sent twice)', async (t) => {
    const e = await startE2e(t, { fakeClock: true, configure: (config) => (config.server.oneLiveTokenPerApplication = true) });
    const counter = countingFetch();
    const app = e.app({ fetch: counter.fetch });
    const path = '/callcontrol/800/participants/999/stream';
    const revoke = async () => {
      await app.accessToken();
      await e.app().requestToken(); // another instance of the application logs in: our token is revoked
      counter.calls.length = 0;
    };

    const sequence = () => counter.calls.map((call) => `${call.request} ${call.status}`);
    const retried = (method: string) => [`${method} ${path} 401`, 'POST /connect/token 200', `${method} ${path} 404`];

    await revoke();
    await assert.rejects(app.readStream('800', 999), callControlRefusal(404, 'ParticipantNotFound', `GET ${path}`));
    assert.deepEqual(sequence(), retried('GET'));
    await revoke();
    await assert.rejects(app.writeStream('800', 999, Buffer.alloc(320)), callControlRefusal(404, 'ParticipantNotFound', `POST ${path}`));
    assert.deepEqual(sequence(), retried('POST'));

    await revoke();
    async function* once() {
      yield new Uint8Array(320);
    }
    await assert.rejects(app.writeStream('800', 999, once()), callControlRefusal(401, 'Unauthorized', `POST ${path}`));
    await app.listDns(); // the refused token was dropped: the next request gets a new one
    assert.deepEqual(sequence(), [`POST ${path} 401`, 'POST /connect/token 200', 'GET /callcontrol 200']);
  });
});
