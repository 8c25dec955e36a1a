// GET and POST /callcontrol/{dn}/participants/{id}/stream on a manual clock: in-process (inject) and over real sockets.

import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import type { PbxEvent } from '../../src/core/types.js';
import { mediaEngineOf, type MediaEngine } from '../../src/media/engine.js';
import { FRAME_SAMPLES, UPLOAD_HARD_LIMIT_BYTES, UPLOAD_HIGH_WATER_BYTES, bytesFromSamples, samplesFromBytes } from '../../src/media/format.js';
import { STREAM_MAX_UNSENT_BYTES } from '../../src/limits.js';
import { createTestApp, until, type TestApp } from '../helpers/api.js';
import { describeEvent } from '../helpers/pbx.js';
import { indexOf, pattern } from '../helpers/audio.js';

const CALLER = '+15557654321';
const APP_DID = '+15550100';

interface Call {
  callerId: number;
  appId: number;
  url: string;
}

/** An external caller on route point 800 (auto-answer). */
function callApp(t: TestApp, from = CALLER): Call {
  const caller = t.pbx.placeInboundCall({ from, to: APP_DID });
  const app = t.pbx.listParticipants('800').find((p) => p.callId === caller.callId)!;
  return { callerId: caller.id, appId: app.id, url: `/callcontrol/800/participants/${app.id}/stream` };
}

function mediaOf(t: TestApp): MediaEngine {
  const media = mediaEngineOf(t.pbx);
  assert.ok(media, 'the app runs a media engine');
  return media;
}

function pcmOf(bytes: Buffer): Int16Array {
  return samplesFromBytes(Buffer.from(bytes)); // copied: aligned
}

function record(t: TestApp): string[] {
  const lines: string[] = [];
  t.pbx.subscribe((event: PbxEvent) => {
    if (event.type === 'playback-finished' || event.type === 'dtmf') lines.push(describeEvent(event));
  });
  return lines;
}

async function listen(t: TestApp): Promise<number> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return (t.app.server.address() as AddressInfo).port;
}

/** Lets real I/O happen between steps of the manual clock. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Advances the manual clock in steps, letting sockets move between steps: a whole second at once would write 50 frames
 * without the event loop turning, which a reader cannot take (the server would count it as falling behind).
 */
async function play(t: TestApp, ms: number, turnsPerStep = 2, stepMs = 20): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    t.clock.advance(Math.min(stepMs, ms - done));
    await turns(turnsPerStep);
  }
}

describe('streams belong to the application\'s own route point', () => {
  /** Alice (100, monitored by 800) in a call with an external caller who dialled her directly. */
  async function monitoredCall(t: TestApp) {
    t.pbx.placeInboundCall({ from: CALLER, to: '100' });
    t.clock.advance(1000); // Alice answers after 1 s
    const alice = t.pbx.listParticipants('100')[0]!;
    assert.equal(alice.status, 'Connected');
    return `/callcontrol/100/participants/${alice.id}/stream`;
  }

  test('GET and POST for a participant of a monitored extension: 424 StreamNotAllowed with a reasontext naming the switch', async (ctx) => {
    const t = await createTestApp(ctx);
    const url = await monitoredCall(t);
    const headers = { authorization: `Bearer ${await t.token()}` };
    for (const response of [
      await t.app.inject({ method: 'GET', url, headers }),
      await t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(320) }),
    ]) {
      assert.equal(response.statusCode, 424);
      const body = response.json();
      assert.deepEqual([body.finalstatus, body.reason, body.result], ['Failed', 'StreamNotAllowed', null]);
      assert.match(body.reasontext, /DN 100.*own route point 800.*streamMonitoredDns/);
    }
  });

  test('with applications[].streamMonitoredDns the monitored participant streams (GET carries its audio)', async (ctx) => {
    const t = await createTestApp(ctx, { configure: (config) => (config.applications[0]!.streamMonitoredDns = true) });
    const url = await monitoredCall(t);
    const media = mediaOf(t);
    const alice = t.pbx.listParticipants('100')[0]!;
    const pending = t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await t.token()}` } });
    await until(() => media.tapCount(alice.id) === 1, 'the reader is attached');
    await play(t, 200, 4);
    t.pbx.drop('100', alice.id);
    const response = await pending;
    assert.equal(response.statusCode, 200);
    assert.equal(response.rawPayload.length, 200 * 16, '200 ms of audio at 16 bytes per ms');
  });
});

describe('GET .../stream', () => {
  test('404 for an unknown participant or one of another DN; 424 NotConnected while Ringing; 401 without a token', async (ctx) => {
    const t = await createTestApp(ctx);
    const token = await t.token();
    const get = (url: string, auth = true) => t.app.inject({ method: 'GET', url, headers: auth ? { authorization: `Bearer ${token}` } : {} });
    let response = await get('/callcontrol/800/participants/999/stream');
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { finalstatus: 'Rejected', reason: 'ParticipantNotFound', result: null, reasontext: 'DN 800 has no participant 999' });
    const { callerId } = callApp(t);
    response = await get(`/callcontrol/800/participants/${callerId}/stream`);
    assert.equal(response.statusCode, 404, 'the caller is a participant of the trunk, not of 800');
    response = await get('/callcontrol/800/participants/abc/stream');
    assert.equal(response.statusCode, 404);

    t.pbx.setAutoAnswer('800', false);
    const ringing = callApp(t, '+15557654322');
    assert.equal(t.pbx.getParticipant('800', ringing.appId).status, 'Ringing');
    response = await get(ringing.url);
    assert.equal(response.statusCode, 424);
    assert.equal(response.json().finalstatus, 'Failed');
    assert.equal(response.json().reason, 'NotConnected');
    assert.equal(response.json().result, null);
    const post = await t.app.inject({ method: 'POST', url: ringing.url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(320) });
    assert.equal(post.statusCode, 424);
    assert.equal(post.json().reason, 'NotConnected');

    response = await get(ringing.url, false);
    assert.equal(response.statusCode, 401);
    response = await t.app.inject({ method: 'GET', url: '/callcontrol/10000/participants/1/stream', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 403, 'a DN outside the application');
  });

  test('carries exactly 16,000 bytes per simulated second of what reaches the participant, then ends cleanly when it leaves', async (ctx) => {
    const t = await createTestApp(ctx);
    const media = mediaOf(t);
    t.partyMedia.setNumber(CALLER, { kind: 'tone', frequenciesHz: 440 });
    const { callerId, appId, url } = callApp(t);
    const pending = t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await t.token()}` } });
    await until(() => media.tapCount(appId) === 1, 'the reader is attached');
    await play(t, 3000, 10);
    t.pbx.endpointHangup(callerId);
    const response = await pending;
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/octet-stream');
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.equal(response.rawPayload.length, 3 * 16_000);
    const pcm = pcmOf(response.rawPayload);
    assert.ok(pcm.every((v, i) => i < FRAME_SAMPLES || v !== 0 || pcm[i - 1] !== 0), 'the tone, without gaps');
  });

  test('over a socket: several readers; a reader that does not read loses audio and stays bounded, the others get every byte', async (ctx) => {
    const t = await createTestApp(ctx);
    const serverSockets: Socket[] = [];
    t.app.server.on('connection', (socket: Socket) => serverSockets.push(socket));
    const port = await listen(t);
    const token = await t.token();
    const media = mediaOf(t);
    t.partyMedia.setNumber(CALLER, { kind: 'tone', frequenciesHz: 440 });
    const { callerId, appId, url } = callApp(t);

    // The slow reader: sends the request and never reads.
    const slow = connect(port, '127.0.0.1');
    ctx.after(() => slow.destroy());
    slow.pause();
    slow.write(`GET ${url} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);

    const fastBytes: number[] = [];
    let fastEnded = false;
    const fast = httpRequest({ host: '127.0.0.1', port, path: url, headers: { authorization: `Bearer ${token}` } }, (res: IncomingMessage) => {
      res.on('data', (chunk: Buffer) => fastBytes.push(chunk.length));
      res.on('end', () => (fastEnded = true));
    });
    fast.end();
    await until(() => media.tapCount(appId) === 2, 'readers attached');
    // 10 minutes of audio (9.6 MB) toward a reader that never reads; what waits unsent on the server stays bounded.
    let mostUnsent = 0;
    for (let s = 0; s < 600; s++) {
      await play(t, 1000, 3, 200);
      for (const socket of serverSockets) mostUnsent = Math.max(mostUnsent, socket.writableLength);
    }
    await until(() => fastBytes.reduce((a, b) => a + b, 0) >= 600 * 16_000, 'the fast reader has everything');
    assert.ok(mostUnsent > STREAM_MAX_UNSENT_BYTES, `the slow reader fell behind (${mostUnsent} bytes unsent)`);
    assert.ok(mostUnsent <= STREAM_MAX_UNSENT_BYTES + 10 * 320 + 1024, `at most ${mostUnsent} bytes wait for the slow reader`);
    assert.equal(fastBytes.reduce((a, b) => a + b, 0), 600 * 16_000, 'the reader that keeps up loses nothing');
    t.pbx.endpointHangup(callerId);
    await until(() => fastEnded, 'the response ends when the participant leaves');
  });
});

describe('POST .../stream', () => {
  test('a fixed-length upload plays at real time to an echo caller and comes back on GET intact; 200 and PromptPlaybackFinished once it has played', async (ctx) => {
    const t = await createTestApp(ctx);
    const events = record(t);
    const media = mediaOf(t);
    t.partyMedia.setNumber(CALLER, { kind: 'echo' });
    const { callerId, appId, url } = callApp(t);
    const auth = { authorization: `Bearer ${await t.token()}` };
    const listening = t.app.inject({ method: 'GET', url, headers: auth });
    await until(() => media.tapCount(appId) === 1, 'the reader is attached');
    const sent = pattern(2 * 8000);
    let answered = false;
    const posting = t.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: bytesFromSamples(sent) }).then((r) => {
      answered = true;
      return r;
    });
    await until(() => media.stats().uploadBufferedBytes === 32_000, 'the upload has arrived');
    await play(t, 1980, 10);
    assert.equal(answered, false, 'the response waits for the audio to play');
    assert.deepEqual(events, []);
    await play(t, 100, 10);
    const posted = await posting;
    assert.equal(posted.statusCode, 200);
    assert.equal(posted.json().finalstatus, 'Success');
    assert.equal(posted.json().result.id, appId);
    assert.match(posted.json().reasontext, /32000 bytes/);
    assert.deepEqual(events, [`played 800#${appId}`]);
    await play(t, 500, 10);
    t.pbx.endpointHangup(callerId);
    const heard = pcmOf((await listening).rawPayload);
    assert.ok(indexOf(heard, sent) > 0, 'the pattern came back intact and in order');
  });

  test('raw bytes are never parsed: a WAV file plays header and all', async (ctx) => {
    const t = await createTestApp(ctx);
    const media = mediaOf(t);
    const { callerId, url } = callApp(t);
    const wav = Buffer.concat([Buffer.from('RIFF\x24\x7d\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x7d\x00\x00', 'latin1'), bytesFromSamples(pattern(16_000))]);
    assert.equal(wav.length, 44 + 32_000);
    const posting = t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${await t.token()}`, 'content-type': 'audio/wav' }, payload: wav });
    await until(() => media.stats().uploadBufferedBytes === wav.length, 'the upload has arrived');
    t.clock.advance(2200);
    assert.equal((await posting).statusCode, 200);
    const heard = media.recording(callerId)!.pcm;
    assert.ok(indexOf(heard, pcmOf(wav)) >= 0, 'the 44 header bytes played as 22 samples, then the data');
  });

  async function chunkedUpload(port: number, path: string, token: string) {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
    socket.on('error', () => {});
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n`);
    return {
      socket,
      response: () => response,
      chunk(bytes: Buffer) {
        socket.write(`${bytes.length.toString(16)}\r\n`);
        socket.write(bytes);
        socket.write('\r\n');
      },
      finish() {
        socket.write('0\r\n\r\n');
      },
    };
  }

  /** Opens an upload (800 samples sent) and a reader on the same participant, and waits until both are live. */
  async function readAndSend(port: number, url: string, token: string, media: MediaEngine, appId: number) {
    const upload = await chunkedUpload(port, url, token);
    upload.chunk(bytesFromSamples(pattern(800)));
    let ended = false;
    const reader = httpRequest({ host: '127.0.0.1', port, path: url, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => (ended = true));
    });
    reader.end();
    await until(() => media.tapCount(appId) === 1 && media.stats().uploadBufferedBytes === 1600, 'reading and sending');
    return { upload, readerEnded: () => ended };
  }

  test('the three endings over a socket: last chunk, end() of a fixed-length body, aborted socket: all play out and announce PromptPlaybackFinished', async (ctx) => {
    const t = await createTestApp(ctx);
    const port = await listen(t);
    const token = await t.token();
    const media = mediaOf(t);
    const events = record(t);

    // 1. Chunked, ended by the zero-length chunk.
    const one = callApp(t, '+15550000001');
    const chunked = await chunkedUpload(port, one.url, token);
    const first = pattern(8000, 1);
    chunked.chunk(bytesFromSamples(first).subarray(0, 7777));
    await until(() => media.stats().uploadBufferedBytes === 7777, 'the first chunk has arrived');
    chunked.chunk(bytesFromSamples(first).subarray(7777));
    chunked.finish();
    await until(() => media.stats().uploadBufferedBytes === 16_000, 'the upload has arrived');
    await play(t, 1100);
    await until(() => chunked.response().includes('\r\n\r\n{'), 'the response arrives');
    assert.match(chunked.response(), /^HTTP\/1\.1 200 /);
    assert.ok(indexOf(media.recording(one.callerId)!.pcm, first) >= 0);

    // 2. Fixed length, ended by the client's end().
    const two = callApp(t, '+15550000002');
    const second = bytesFromSamples(pattern(4000, 2));
    let status = 0;
    const fixed = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: two.url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': second.length } }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
    });
    fixed.write(second.subarray(0, 1000));
    await until(() => media.stats().uploadBufferedBytes === 1000, 'the first part has arrived');
    fixed.end(second.subarray(1000));
    await until(() => media.stats().uploadBufferedBytes === 8000, 'the upload has arrived');
    await play(t, 700);
    await until(() => status !== 0, 'the response arrives');
    assert.equal(status, 200);
    assert.ok(indexOf(media.recording(two.callerId)!.pcm, pattern(4000, 2)) >= 0);

    // 3. The client aborts the socket mid-upload: what arrived plays, then the event; no response to send.
    const three = callApp(t, '+15550000003');
    const aborting = await chunkedUpload(port, three.url, token);
    const third = pattern(4000, 3);
    aborting.chunk(bytesFromSamples(third));
    await until(() => media.stats().uploadBufferedBytes === 8000, 'the chunk has arrived');
    aborting.socket.destroy();
    await turns(50);
    await play(t, 700);
    assert.ok(indexOf(media.recording(three.callerId)!.pcm, third) >= 0);

    assert.deepEqual(events, [`played 800#${one.appId}`, `played 800#${two.appId}`, `played 800#${three.appId}`]);
  });

  test('back-pressure over a socket: a 10 s burst is read only as it plays; the client is held, the server buffers a bounded amount; all of it plays', async (ctx) => {
    const t = await createTestApp(ctx);
    const port = await listen(t);
    const token = await t.token();
    const media = mediaOf(t);
    const { callerId, appId, url } = callApp(t);
    const events = record(t);
    const sent = bytesFromSamples(pattern(10 * 8000, 5));
    let status = 0;
    const client = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
    });
    for (let at = 0; at < sent.length; at += 4000) client.write(sent.subarray(at, at + 4000));
    client.end();
    await until(() => media.stats().uploadBufferedBytes >= UPLOAD_HIGH_WATER_BYTES, 'the server has read up to its high-water mark');
    await turns(500);
    // Nothing has played yet, and the server stopped reading: the rest waits in the client and the sockets.
    assert.equal(media.stats().framesProcessed, 0);
    const taken = media.stats().uploadBufferedBytes;
    assert.ok(taken >= UPLOAD_HIGH_WATER_BYTES && taken < UPLOAD_HIGH_WATER_BYTES + 65_536 && taken < sent.length, `${taken} bytes read of ${sent.length}`);
    let most = 0;
    for (let ms = 0; ms < 11_000; ms += 20) {
      await play(t, 20, 3);
      most = Math.max(most, media.stats().uploadBufferedBytes);
    }
    await until(() => status !== 0, 'the response arrives');
    assert.equal(status, 200);
    assert.ok(most <= UPLOAD_HARD_LIMIT_BYTES, `at most ${most} bytes buffered`);
    assert.ok(indexOf(media.recording(callerId)!.pcm, pcmOf(sent)) >= 0, 'every byte played, in order');
    assert.deepEqual(events, [`played 800#${appId}`]);
  });

  test('a new POST replaces the one in progress: the first is answered at once ("replaced"), only the second announces PromptPlaybackFinished', async (ctx) => {
    const t = await createTestApp(ctx);
    const port = await listen(t);
    const token = await t.token();
    const media = mediaOf(t);
    const { callerId, appId, url } = callApp(t);
    const events = record(t);
    const first = await chunkedUpload(port, url, token);
    first.chunk(bytesFromSamples(pattern(8000, 6)));
    await until(() => media.stats().uploadBufferedBytes === 16_000, 'the first upload has arrived');
    await play(t, 200);
    const second = await chunkedUpload(port, url, token);
    const replacement = pattern(2000, 7);
    second.chunk(bytesFromSamples(replacement));
    second.finish();
    await until(() => first.response().includes('\r\n\r\n{'), 'the first upload is answered');
    await until(() => media.stats().uploadBufferedBytes === 4000, 'the second upload has arrived');
    assert.match(first.response(), /^HTTP\/1\.1 200 /);
    assert.match(first.response(), /connection: close/i);
    assert.match(first.response(), /replaced/);
    await play(t, 400);
    await until(() => second.response().includes('\r\n\r\n{'), 'the second upload is answered');
    assert.deepEqual(events, [`played 800#${appId}`]);
    assert.ok(indexOf(media.recording(callerId)!.pcm, replacement) >= 0);
  });

  test('the participant leaves during an upload: answered with 200 and the connection closed; GET readers end', async (ctx) => {
    const t = await createTestApp(ctx);
    const port = await listen(t);
    const token = await t.token();
    const media = mediaOf(t);
    const { callerId, appId, url } = callApp(t);
    const { upload, readerEnded } = await readAndSend(port, url, token, media, appId);
    await play(t, 100);
    t.pbx.endpointHangup(callerId);
    await until(() => upload.response().includes('\r\n\r\n{') && readerEnded(), 'both end');
    assert.match(upload.response(), /^HTTP\/1\.1 200 /);
    assert.match(upload.response(), /left/);
  });

  test('closing the server ends open streams', async (ctx: TestContext) => {
    const t = await createTestApp();
    const port = await listen(t);
    const token = await t.token();
    const media = mediaOf(t);
    const { appId, url } = callApp(t);
    const { readerEnded } = await readAndSend(port, url, token, media, appId);
    await t.close();
    await until(() => readerEnded(), 'the reader ends');
    ctx.diagnostic('closed');
  });
});
