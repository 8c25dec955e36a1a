// End to end over real sockets and real time: a route-point application answers a caller, talks and listens on the audio streams.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import WebSocket from 'ws';
import { demoConfig } from '../../src/config/demo.js';
import { bytesFromSamples, samplesFromBytes } from '../../src/media/format.js';
import { encodeWav8kMono } from '../../src/media/wav.js';
import { mediaEngineOf } from '../../src/media/engine.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { tempDataDir, TEST_DEMO_SECRET } from '../helpers/api.js';
import { indexOf, pattern } from '../helpers/audio.js';

const ADMIN_KEY = 'stream-e2e-admin-key';
const CALLER = '+15557654321';
const APP_DID = '+15550100';

async function start(t: { after: (fn: () => Promise<void>) => void }): Promise<RunningServer> {
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  const dataDir = tempDataDir();
  config.server.dataDir = dataDir;
  const server = await startServer({ config, host: '127.0.0.1', port: 0, adminKey: ADMIN_KEY });
  t.after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return server;
}

async function token(server: RunningServer): Promise<string> {
  const response = await fetch(`${server.url}/connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '800', client_secret: TEST_DEMO_SECRET }) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function sim(server: RunningServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown>; bytes: Buffer }> {
  const response = await fetch(`${server.url}/sim${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    // binary
  }
  return { status: response.status, json, bytes };
}

function pcm(bytes: Buffer): Int16Array {
  return samplesFromBytes(Buffer.from(bytes.subarray(0, bytes.length & ~1)));
}

/** Reads a streaming response body into chunks until it ends (or `stop` is called). */
function collect(response: Response): { chunks: Buffer[]; bytes: () => number; done: Promise<void>; first: Promise<number> } {
  const chunks: Buffer[] = [];
  let resolveFirst: (at: number) => void = () => {};
  const first = new Promise<number>((resolve) => (resolveFirst = resolve));
  const reader = response.body!.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) return;
      if (chunks.length === 0) resolveFirst(performance.now());
      chunks.push(Buffer.from(value));
    }
  })();
  return { chunks, bytes: () => chunks.reduce((sum, c) => sum + c.length, 0), done, first };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('real time: a GET stream delivers about 16,000 bytes per second over two seconds', async (t) => {
  const server = await start(t);
  const bearer = await token(server);
  const placed = await sim(server, 'POST', '/calls', { from: CALLER, to: APP_DID });
  assert.equal(placed.status, 201);
  const app = server.pbx.listParticipants('800')[0]!;
  const response = await fetch(`${server.url}/callcontrol/800/participants/${app.id}/stream`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/octet-stream');
  const body = collect(response);
  const startedAt = await body.first;
  const startBytes = body.bytes();
  await sleep(2000);
  const rate = ((body.bytes() - startBytes) * 1000) / (performance.now() - startedAt);
  assert.ok(rate >= 12_000 && rate <= 20_000, `${Math.round(rate)} bytes/s`);
  await sim(server, 'POST', `/parties/${placed.json['partyId']}/hangup`);
  await body.done;
});

test('a route-point app answers a caller, plays a WAV prompt by POSTing it, hears the caller on GET, gets signalled and in-band keys; the caller records exactly what the app sent', async (t) => {
  const server = await start(t);
  const bearer = await token(server);
  const auth = { authorization: `Bearer ${bearer}` };

  // The application's event socket, as the vendor's IVR example uses it.
  const frames: { event_type: number; entity: string; attached_data: unknown }[] = [];
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/callcontrol/ws`, { headers: auth });
  socket.on('message', (data) => frames.push((JSON.parse(data.toString()) as { event: (typeof frames)[number] }).event));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  t.after(() => socket.close());

  // A caller dials the route point's DID; the route point answers (auto-answer).
  const placed = await sim(server, 'POST', '/calls', { from: CALLER, to: APP_DID });
  assert.equal(placed.status, 201);
  const callerId = placed.json['partyId'] as number;
  let appEntity = '';
  await eventually(async () => {
    const upsert = frames.find((f) => f.event_type === 0 && f.entity.startsWith('/callcontrol/800/participants/'));
    if (!upsert) return false;
    const participant = (await (await fetch(`${server.url}${upsert.entity}`, { headers: auth })).json()) as { status: string };
    appEntity = upsert.entity;
    return participant.status === 'Connected';
  }, 'the Upsert showing the app participant Connected');
  const streamUrl = `${server.url}${appEntity}/stream`;

  // The app listens, then plays its prompt: a WAV file, header and all.
  const listening = await fetch(streamUrl, { headers: auth });
  assert.equal(listening.status, 200);
  const heard = collect(listening);
  const prompt = encodeWav8kMono(pattern(8000, 1)); // 1 s
  const skippedBefore = mediaEngineOf(server.pbx)?.stats().framesSkipped ?? 0;
  const posting = fetch(streamUrl, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: prompt });

  // The caller speaks, then presses keys: signalled, and in-band (tones in its audio).
  const speech = pattern(4000, 2);
  assert.equal((await sim(server, 'POST', `/parties/${callerId}/audio`, bytesFromSamples(speech), 'application/octet-stream')).status, 200);
  await sleep(700);
  assert.equal((await sim(server, 'POST', `/parties/${callerId}/dtmf`, { digits: '12' })).status, 200);
  assert.equal((await sim(server, 'POST', `/parties/${callerId}/audio`, { dtmf: '34' })).status, 200);

  const posted = await posting;
  assert.equal(posted.status, 200);
  assert.equal(((await posted.json()) as { finalstatus: string }).finalstatus, 'Success');
  await eventually(() => frames.filter((f) => f.event_type === 2).length === 4, 'four DTMF frames', 5000);
  assert.deepEqual(
    frames.filter((f) => f.event_type === 2).map((f) => [f.entity, (f.attached_data as { dtmf_input: string }).dtmf_input]),
    ['1', '2', '3', '4'].map((digit) => [appEntity, digit]),
  );
  assert.ok(frames.some((f) => f.event_type === 3 && f.entity === appEntity), 'PromptPlaybackFinished after the prompt played');

  // The app heard the caller's speech, intact.
  await sleep(100);
  assert.ok(indexOf(pcm(Buffer.concat(heard.chunks)), speech) >= 0, "the caller's speech reached the app's GET intact");

  // The caller heard exactly the bytes the app sent (the 44 header bytes as 22 samples, then the prompt).
  const recording = await sim(server, 'GET', `/parties/${callerId}/recording?format=raw`);
  assert.equal(recording.status, 200);
  const recorded = pcm(recording.bytes);
  const skipped = (mediaEngineOf(server.pbx)?.stats().framesSkipped ?? 0) - skippedBefore;
  if (skipped === 0) {
    const at = indexOf(recorded, pcm(prompt));
    assert.ok(at >= 0, 'the caller recorded what the app sent, sample for sample');
    assert.ok(recorded.subarray(0, at).every((v) => v === 0) && recorded.subarray(at + prompt.length / 2).every((v) => v === 0), 'and nothing else');
  } else {
    // The process stalled for more than the media clock catches up on (200 ms) and the engine skipped frames, as it
    // must in real time: the caller heard silence there. What it heard of the prompt is still the app's samples.
    t.diagnostic(`the media clock skipped ${skipped} frames (a loaded machine): checking 100 ms windows of the prompt`);
    const samples = pcm(prompt);
    const windows = Array.from({ length: 10 }, (_, i) => samples.subarray(i * 800, (i + 1) * 800));
    assert.ok(windows.some((window) => indexOf(recorded, window) >= 0), 'the caller recorded stretches of what the app sent, sample for sample');
  }

  // The app drops the call: its GET stream ends.
  const dropped = await fetch(`${server.url}${appEntity}/drop`, { method: 'POST', headers: auth });
  assert.equal(dropped.status, 200);
  await heard.done;
});
