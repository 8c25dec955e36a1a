// Tests of the /sim audio routes over app.inject: playing audio from parties, recordings, media behaviours.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import wavefile from 'wavefile';
import { MediaEngine, type MediaTap } from '../../src/media/engine.js';
import { FRAME_SAMPLES, bytesFromSamples } from '../../src/media/format.js';
import { decodeWavTo8kMono, encodeWav8kMono } from '../../src/media/wav.js';
import { registerSimRoutes } from '../../src/sim/routes.js';
import { deviceIds } from '../helpers/demo.js';
import { startPbx } from '../helpers/pbx.js';
import { indexOf, pattern } from '../helpers/audio.js';

const KEY = 'sim-admin-key-for-tests';
const CALLER = '+15557654321';

class Probe implements MediaTap {
  readonly frames: Int16Array[] = [];
  frame(samples: Int16Array): void {
    this.frames.push(Int16Array.from(samples));
  }
  flush(): void {}
  end(): void {}
  pcm(): Int16Array {
    const out = new Int16Array(this.frames.length * FRAME_SAMPLES);
    this.frames.forEach((frame, i) => out.set(frame, i * FRAME_SAMPLES));
    return out;
  }
}

async function simApp(ctx: TestContext) {
  const t = startPbx();
  const media = new MediaEngine({ pbx: t.pbx, clock: t.clock, partyMedia: t.partyMedia });
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  await app.register(async (scope) => registerSimRoutes(scope, { sim: t, clock: t.clock, config: t.config, adminKey: KEY, media }), { prefix: '/sim' });
  await app.ready();
  ctx.after(() => app.close());
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: object | Buffer, contentType?: string) => {
    const headers: Record<string, string> = { authorization: `Bearer ${KEY}` };
    if (contentType) headers['content-type'] = contentType;
    const response = await app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body }) });
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, body: json as Record<string, unknown> & { error?: string }, raw: response.rawPayload, headers: response.headers };
  };
  return { t, media, app, call };
}

function callApp(t: ReturnType<typeof startPbx>) {
  const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
  return { caller, app: t.pbx.listParticipants('800')[0]! };
}

describe('POST /sim/parties/{id}/audio', () => {
  test('a WAV at another rate, raw PCM, a tone and key presses all play from the party into the call', async (ctx) => {
    const { t, media, call } = await simApp(ctx);
    const { caller, app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);

    // A 16 kHz stereo WAV larger than the JSON body limit (64 KiB).
    const wav = new wavefile.WaveFile();
    const seconds = 3;
    const left = new Int16Array(16_000 * seconds).map((_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 500 * i) / 16_000)));
    wav.fromScratch(2, 16_000, '16', [left, left]);
    const bytes = Buffer.from(wav.toBuffer());
    assert.ok(bytes.length > 64 * 1024);
    let played = await call('POST', `/sim/parties/${caller.id}/audio`, bytes, 'audio/wav');
    assert.equal(played.status, 200);
    assert.equal(played.body['durationMs'], 3000);
    assert.equal((played.body['party'] as { id: number }).id, caller.id);
    t.clock.advance(3000);
    const decoded = decodeWavTo8kMono(bytes);
    assert.ok(indexOf(probe.pcm(), decoded.subarray(1000, 2000)) >= 0, 'the route point heard the decoded file');

    const raw = pattern(4000);
    played = await call('POST', `/sim/parties/${caller.id}/audio`, bytesFromSamples(raw), 'application/octet-stream');
    assert.equal(played.status, 200);
    assert.equal(played.body['durationMs'], 500);
    t.clock.advance(600);
    assert.ok(indexOf(probe.pcm(), raw) >= 0, 'raw PCM arrives bit-exact');

    played = await call('POST', `/sim/parties/${caller.id}/audio`, { tone: 440, ms: 400 });
    assert.equal(played.status, 200);
    assert.equal(played.body['durationMs'], 400);
    t.log();
    played = await call('POST', `/sim/parties/${caller.id}/audio`, { dtmf: '42', toneMs: 80, gapMs: 80 });
    assert.equal(played.status, 200);
    t.clock.advance(1000);
    assert.deepEqual(
      t.log().filter((line) => line.startsWith('dtmf')),
      [`dtmf 800#${app.id} 4`, `dtmf 800#${app.id} 2`],
      'in-band key presses reach the route point as DTMF events',
    );
  });

  test('refusals: unknown party 404, a route point participant 404, not Connected 409, bad bodies 422', async (ctx) => {
    const { t, call } = await simApp(ctx);
    assert.equal((await call('POST', '/sim/parties/999/audio', { tone: 440, ms: 100 })).status, 404);
    const { caller, app } = callApp(t);
    assert.equal((await call('POST', `/sim/parties/${app.id}/audio`, { tone: 440, ms: 100 })).status, 404);
    let response = await call('POST', `/sim/parties/${caller.id}/audio`, { tone: 5000, ms: 100 });
    assert.equal(response.status, 422);
    assert.equal(response.body.error, 'InvalidArgument');
    response = await call('POST', `/sim/parties/${caller.id}/audio`, Buffer.from('not a wav file at all'), 'audio/wav');
    assert.equal(response.status, 422);
    assert.match(String(response.body['message']), /WAV/);
    t.pbx.setAutoAnswer('800', false);
    const ringing = t.pbx.placeInboundCall({ from: '+15557654322', to: '+15550100' });
    response = await call('POST', `/sim/parties/${ringing.id}/audio`, { tone: 440, ms: 100 });
    assert.equal(response.status, 409);
    assert.equal(response.body.error, 'InvalidState');
  });
});

describe('GET /sim/parties/{id}/recording', () => {
  test('a WAV of everything the party heard, also after it left; raw with ?format=raw; 404 for none; reset forgets it', async (ctx) => {
    const { t, media, call } = await simApp(ctx);
    const { caller, app } = callApp(t);
    const sent = pattern(8000);
    const upload = media.openUpload(app.id, { drain: () => {}, done: () => {} })!;
    upload.push(bytesFromSamples(sent));
    upload.end();
    t.clock.advance(1500);
    let response = await call('GET', `/sim/parties/${caller.id}/recording`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'audio/wav');
    assert.equal(response.headers['x-switchboard-dropped-samples'], '0');
    const heard = decodeWavTo8kMono(response.raw);
    assert.ok(indexOf(heard, sent) >= 0);
    t.pbx.endpointHangup(caller.id);
    response = await call('GET', `/sim/parties/${caller.id}/recording?format=raw`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(new Int16Array(response.raw.buffer.slice(response.raw.byteOffset, response.raw.byteOffset + response.raw.length)).subarray(0, heard.length), heard);
    assert.equal((await call('GET', '/sim/parties/12345/recording')).status, 404);
    assert.equal((await call('POST', '/sim/reset')).status, 200);
    assert.equal((await call('GET', `/sim/parties/${caller.id}/recording`)).status, 404);
  });
});

describe('/sim/media: what simulated parties send', () => {
  test('per number, per device, default; applied to calls connected afterwards; listed; reset to silence', async (ctx) => {
    const { t, media, call } = await simApp(ctx);
    let response = await call('PUT', `/sim/media/numbers/${encodeURIComponent(CALLER)}`, { kind: 'echo', delayMs: 100 });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { number: CALLER, media: { kind: 'echo', delayMs: 100 } });
    const alice = deviceIds(t.config).alice;
    response = await call('PUT', `/sim/media/devices/100/${encodeURIComponent(encodeURIComponent(alice))}`, { kind: 'tone', frequencyHz: [350, 440] });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { dn: '100', deviceId: alice, media: { kind: 'tone', frequencyHz: [350, 440], levelDbm0: -13 } });
    response = await call('PUT', '/sim/media/default', { kind: 'tone', frequencyHz: 1000, levelDbm0: -20 });
    assert.equal(response.status, 200);
    response = await call('GET', '/sim/media');
    assert.deepEqual(response.body, {
      default: { kind: 'tone', frequencyHz: [1000], levelDbm0: -20 },
      numbers: { [CALLER]: { kind: 'echo', delayMs: 100 } },
      devices: [{ dn: '100', deviceId: alice, media: { kind: 'tone', frequencyHz: [350, 440], levelDbm0: -13 } }],
    });

    // The echo caller returns what the route point sends.
    const { caller, app } = callApp(t);
    const sent = pattern(1600);
    const upload = media.openUpload(app.id, { drain: () => {}, done: () => {} })!;
    const probe = new Probe();
    media.addTap(app.id, probe);
    upload.push(bytesFromSamples(sent));
    upload.end();
    t.clock.advance(1000);
    const at = indexOf(probe.pcm(), sent);
    assert.ok(at >= 0, 'echoed');
    assert.ok(media.recording(caller.id));

    assert.equal((await call('POST', '/sim/reset')).status, 200);
    response = await call('GET', '/sim/media');
    assert.deepEqual(response.body, { default: { kind: 'silence' }, numbers: {}, devices: [] });
  });

  test('a WAV file behaviour plays the file; refusals: unreadable file 422, bad values 400, unknown DN or device 404, not an extension 422', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-sim-audio-'));
    ctx.after(() => rmSync(dir, { recursive: true, force: true }));
    const { t, media, call } = await simApp(ctx);
    const file = join(dir, 'hello.wav');
    const sent = pattern(4000);
    writeFileSync(file, encodeWav8kMono(sent));
    assert.equal((await call('PUT', `/sim/media/numbers/${encodeURIComponent(CALLER)}`, { kind: 'wav', path: file })).status, 200);
    const { app } = callApp(t);
    const probe = new Probe();
    media.addTap(app.id, probe);
    t.clock.advance(1000);
    assert.ok(indexOf(probe.pcm(), sent) >= 0 && indexOf(probe.pcm(), sent) < 2 * FRAME_SAMPLES, 'plays from the start of the call');

    const response = await call('PUT', '/sim/media/numbers/123', { kind: 'wav', path: join(dir, 'absent.wav') });
    assert.equal(response.status, 422);
    assert.match(String(response.body['message']), /absent\.wav/);
    assert.equal((await call('PUT', '/sim/media/numbers/123', { kind: 'tone', frequencyHz: 4000 })).status, 400);
    assert.equal((await call('PUT', '/sim/media/numbers/123', { kind: 'loud' })).status, 400);
    assert.equal((await call('PUT', '/sim/media/numbers/123', { kind: 'tone' })).status, 422, 'a tone needs its frequency');
    assert.equal((await call('PUT', '/sim/media/numbers/123', { kind: 'wav' })).status, 422, 'a file behaviour needs its path');
    assert.equal((await call('PUT', '/sim/media/numbers/abc', { kind: 'silence' })).status, 400);
    assert.equal((await call('PUT', '/sim/media/devices/999/x', { kind: 'silence' })).status, 404);
    assert.equal((await call('PUT', '/sim/media/devices/800/x', { kind: 'silence' })).status, 422);
    assert.equal((await call('PUT', '/sim/media/devices/100/nope', { kind: 'silence' })).status, 404);
  });
});
