// GET and POST .../stream (PROTOCOL.md §6): errors before media flows, real-time PCM both ways, every way an upload ends.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BYTES_PER_SECOND, containsPcm, elapseUntil, nonSilent, pcmPattern } from '../audio.js';
import { callRoutePoint, driven, events, participant, resetBeforeEach, type Case } from '../context.js';
import { participantEntity } from '../events.js';
import { send } from '../http.js';
import { listen, upload, type UploadEnd } from '../stream-client.js';
import { assertError, assertSuccess, EventType } from '../wire.js';

export function streamCases(c: Case): void {
  const { topo } = c;
  const rp = topo.routePoint;

  describe('audio streams', () => {
    resetBeforeEach(c);

    driven(c, 'before media flows: 404 ParticipantNotFound (unknown, other DN, not an int32), 424 NotConnected while Ringing (GET and POST); 401; 403', async (driver) => {
      assertError(await c.api.get(`${participantEntity(rp, 999_999)}/stream`), 404, 'ParticipantNotFound');
      assertError(await c.api.get(`/callcontrol/${rp}/participants/abc/stream`), 404, 'ParticipantNotFound');
      const { app } = await callRoutePoint(c, driver, false);
      const entity = participantEntity(rp, app.id);
      assertError(await c.api.get(`${entity}/stream`), 424, 'NotConnected');
      assertError(await c.api.postRaw(`${entity}/stream`, Buffer.alloc(320), { 'content-type': 'application/octet-stream' }), 424, 'NotConnected');
      assertError(await send(c.endpoint, 'GET', `${entity}/stream`), 401, 'Unauthorized');
      assertError(await c.api.get(`/callcontrol/${topo.outOfScopeDn}/participants/1/stream`), 403, 'Forbidden');
      const caller = await driver.peerOf(app.id);
      assertError(await c.api.get(`${participantEntity(rp, caller.id)}/stream`), 404, 'ParticipantNotFound');
    });

    driven(c, 'a participant of a monitored extension has no stream: 424 StreamNotAllowed (GET and POST); only the route point\'s own participants stream', async (driver) => {
      // The route point calls the monitored extension; the extension's participant is Connected once it answers.
      assertSuccess(await c.api.post(`/callcontrol/${rp}/makecall`, { destination: topo.directExtension }));
      await driver.elapse(topo.directAnswerMs);
      const extension = await participant(c, topo.directExtension, ((await c.api.get(`/callcontrol/${topo.directExtension}/participants`)).json as { id: number }[])[0]!.id);
      assert.equal(extension.status, 'Connected');
      const entity = participantEntity(topo.directExtension, extension.id);
      const get = assertError(await c.api.get(`${entity}/stream`), 424, 'StreamNotAllowed');
      assert.match(get.reasontext, /route point/);
      assertError(await c.api.postRaw(`${entity}/stream`, Buffer.alloc(320), { 'content-type': 'application/octet-stream' }), 424, 'StreamNotAllowed');
    });

    driven(c, 'GET: chunked application/octet-stream, 16,000 bytes per second of PBX time, carrying what the caller says; it ends when the participant leaves', async (driver) => {
      const { app, caller } = await callRoutePoint(c, driver);
      const heard = await listen(c, participantEntity(rp, app.id));
      assert.equal(heard.response.statusCode, 200);
      assert.equal(heard.response.headers['content-type'], 'application/octet-stream');
      assert.equal(heard.response.headers['transfer-encoding'], 'chunked');
      const speech = pcmPattern(500);
      await driver.playAudio(caller, speech);
      await driver.elapse(1000, 100);
      await elapseUntil(driver, () => heard.bytes() >= BYTES_PER_SECOND, 'one second of audio arriving', 20);
      await driver.hangup(caller);
      await heard.ended;
      // One second of PBX time is 50 frames of 320 bytes; where the first and last frame fall adds at most one frame.
      assert.equal(heard.bytes() % 320, 0, 'whole 20 ms frames');
      assert.ok(Math.abs(heard.bytes() - BYTES_PER_SECOND) <= 320, `${heard.bytes()} bytes for one second`);
      assert.ok(containsPcm(Buffer.concat(heard.chunks), speech), "the caller's audio, sample for sample");
    });

    for (const how of ['final-chunk', 'content-length', 'abort'] as UploadEnd[]) {
      const ending = { 'final-chunk': 'a chunked upload ended by its final chunk', 'content-length': 'a fixed-length upload ended by end()', abort: 'an upload ended by destroying the socket' }[how];
      driven(c, `POST: ${ending} plays to the other party, then PromptPlaybackFinished${how === 'abort' ? '' : ' and 200'}; a GET runs at the same time`, async (driver, t) => {
        const client = await events(c, t);
        const { app, caller } = await callRoutePoint(c, driver);
        const entity = participantEntity(rp, app.id);
        const heard = await listen(c, entity);
        const prompt = pcmPattern(400, 3);
        const sent = await upload(c, entity, prompt, how);
        const finished = () => client.frames.some((f) => f.event.event_type === EventType.PromptPlaybackFinished && f.event.entity === entity);
        await elapseUntil(driver, () => finished() && (how === 'abort' || sent.done.value), 'the end of playback');
        if (how !== 'abort') assertSuccess(await sent.response);
        assert.ok(heard.bytes() > 0, 'the GET carried audio while the POST played');
        // Every sample, in order, and nothing else (silence aside: the test's own writes may reach the server after PBX time moved).
        assert.deepEqual(nonSilent(await driver.recording(caller)), prompt, 'the caller heard the upload, sample for sample');
        assert.equal((await participant(c, rp, app.id)).status, 'Connected', 'the call goes on');
      });
    }

    driven(c, 'a GET reader that closes early: the call and other readers go on, and a new GET works', async (driver) => {
      const { app } = await callRoutePoint(c, driver);
      const entity = participantEntity(rp, app.id);
      const early = await listen(c, entity);
      const stays = await listen(c, entity);
      await elapseUntil(driver, () => early.bytes() > 0, 'the first audio', 20);
      early.response.destroy();
      const before = stays.bytes();
      await elapseUntil(driver, () => stays.bytes() >= before + 3200, 'more audio for the remaining reader', 20);
      const again = await listen(c, entity);
      assert.equal(again.response.statusCode, 200);
      await elapseUntil(driver, () => again.bytes() > 0, 'audio for the new reader', 20);
      assert.equal((await participant(c, rp, app.id)).status, 'Connected');
    });

    test('POST to an unknown participant: 404 ParticipantNotFound', async () => {
      assertError(await c.api.postRaw(`${participantEntity(rp, 999_999)}/stream`, Buffer.alloc(320), { 'content-type': 'application/octet-stream' }), 404, 'ParticipantNotFound');
    });
  });
}
