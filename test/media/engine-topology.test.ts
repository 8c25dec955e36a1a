// Tests that the media engine learns who hears whom from participant events alone: hold, peers, and link.media.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { MediaPort } from '../../src/core/media-port.js';
import type { Pbx } from '../../src/core/pbx.js';
import type { CallView, ParticipantLink, ParticipantStatus, ParticipantView, PbxEvent } from '../../src/core/types.js';
import { MediaEngine, type MediaTap, type TapEndReason } from '../../src/media/engine.js';
import { FRAME_SAMPLES, TONE_LEVEL_DBM0, dbm0ToPeak } from '../../src/media/format.js';
import { generatedHoldMusic } from '../../src/media/prompts.js';
import { ToneSource } from '../../src/media/source.js';
import { startPbx } from '../helpers/pbx.js';
import { indexOf } from '../helpers/audio.js';
import { toneAmplitude } from './helpers.js';

const CALLER = '+15557654321';
const APP_DID = '+15550100'; // route point 800
const TONE_PEAK = dbm0ToPeak(TONE_LEVEL_DBM0);
/** Each of these has a whole number of cycles in a 20 ms frame, and none is a note of the hold music. */
const CALLER_HZ = 1000;
const APP_HZ = 400;

/** A tap that keeps a copy of every frame it hears. */
class Probe implements MediaTap {
  readonly frames: Int16Array[] = [];
  ended: TapEndReason | undefined;
  frame(samples: Int16Array): void {
    this.frames.push(Int16Array.from(samples));
  }
  flush(): void {}
  end(reason: TapEndReason): void {
    this.ended = reason;
  }
  /** What it heard from frame `from` on, as one PCM array. */
  since(from: number): Int16Array {
    const frames = this.frames.slice(from);
    const out = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((frame, i) => out.set(frame, i * FRAME_SAMPLES));
    return out;
  }
}

/** The amplitude of `hz` in `pcm`, as a fraction of a tone played at the default level. */
function level(pcm: Int16Array, hz: number): number {
  assert.ok(pcm.length > 0, 'frames were heard');
  return toneAmplitude(pcm, hz) / TONE_PEAK;
}

/** The participant a participant event is about, else undefined. */
function participantOf(event: PbxEvent): number | undefined {
  if (event.type === 'participant-link') return event.participantId;
  if (event.type === 'participant-upserted' || event.type === 'participant-removed') return event.participant.id;
  return undefined;
}

describe('media engine: topology from events', () => {
  test('a transfer holds the caller (hold music, the application unheard both ways); a failed transfer takes it off hold', () => {
    const t = startPbx();
    const errors: unknown[] = [];
    const media = new MediaEngine({ pbx: t.pbx, clock: t.clock, partyMedia: t.partyMedia, onError: (error) => errors.push(error) });
    media.partyMedia.setNumber(CALLER, { kind: 'tone', frequenciesHz: CALLER_HZ });
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: APP_DID });
    const app = t.pbx.listParticipants('800').find((p) => p.callId === caller.callId);
    assert.ok(app);
    assert.ok(media.playFromParty(app.id, new ToneSource({ frequenciesHz: APP_HZ })), 'the application talks');
    const appHears = new Probe();
    media.addTap(app.id, appHears);
    const callerHeard = () => media.recording(caller.id)?.pcm ?? new Int16Array(0);
    t.clock.advance(1000);
    assert.ok(level(callerHeard(), APP_HZ) > 0.9, 'in conversation the caller hears the application');
    assert.ok(level(appHears.since(0), CALLER_HZ) > 0.9, 'and the application hears the caller');

    const firstEvent = t.events.length;
    t.pbx.transferTo('800', app.id, { destination: '103' }); // Dave never answers
    const callerEvents = t.events.slice(firstEvent).filter((e) => participantOf(e) === caller.id);
    assert.deepEqual(
      callerEvents.map((e) => e.type),
      ['participant-link'],
      'the hold reaches the engine by a link event only',
    );
    const heldFrom = callerHeard().length;
    const appFrom = appHears.frames.length;
    t.clock.advance(5000);
    const held = callerHeard().subarray(heldFrom);
    assert.ok(level(held, APP_HZ) < 0.01, 'the held caller does not hear the application');
    assert.ok(indexOf(generatedHoldMusic(), held.subarray(4000, 4400)) >= 0, 'it hears the hold music');
    assert.ok(level(appHears.since(appFrom), CALLER_HZ) < 0.01, 'and nobody hears it');

    t.clock.advance(t.config.server.ringTimeoutSeconds * 1000);
    assert.equal(t.pbx.participantDetail(caller.id)?.held, false, 'the transfer failed');
    const resumedFrom = callerHeard().length;
    const appResumedFrom = appHears.frames.length;
    t.clock.advance(1000);
    const resumed = callerHeard().subarray(resumedFrom);
    assert.ok(level(resumed, APP_HZ) > 0.9, 'the caller hears the application again');
    assert.equal(indexOf(generatedHoldMusic(), resumed.subarray(4000, 4400)), -1, 'and no hold music');
    assert.ok(level(appHears.since(appResumedFrom), CALLER_HZ) > 0.9, 'the application hears the caller again');
    media.stop();
    if (errors.length > 0) throw errors[0];
  });
});

/** A port that sends a tone of its own. */
class TonePort implements MediaPort {
  readonly sending = true;
  readonly producing = true;
  closed = false;
  private readonly tone: ToneSource;
  constructor(hz: number) {
    this.tone = new ToneSource({ frequenciesHz: hz });
  }
  produce(frame: Int16Array): boolean {
    return this.tone.read(frame);
  }
  close(): void {
    this.closed = true;
  }
}

/**
 * Stands in for the PBX with only what the engine may ask of it: the events, the calls at start, each leg's port, and
 * its commands. There is no way here to read a link back: what the engine knows of topology comes from the events.
 */
class EventsOnly {
  readonly mediaPorts = new Map<number, MediaPort>();
  private readonly listeners = new Set<(event: PbxEvent) => void>();
  subscribe(listener: (event: PbxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  listCalls(): CallView[] {
    return [];
  }
  mediaPortOf(id: number): MediaPort | undefined {
    return this.mediaPorts.get(id);
  }
  sendDtmf(): void {}
  playbackFinished(): void {}
  emit(event: PbxEvent): void {
    for (const listener of this.listeners) listener(event);
  }
  upsert(id: number, status: ParticipantStatus, link: ParticipantLink): void {
    this.emit({ type: 'participant-upserted', participant: view(id, status), link });
  }
  link(id: number, link: ParticipantLink): void {
    this.emit({ type: 'participant-link', dn: dnOf(id), participantId: id, callId: CALL_ID, link });
  }
}

const CALL_ID = 7;
const dnOf = (id: number) => `10${id}`;

function view(id: number, status: ParticipantStatus): ParticipantView {
  const dn = dnOf(id);
  return {
    id,
    status,
    dn,
    partyCallerName: '',
    partyDn: '',
    partyCallerId: '',
    partyDid: '',
    deviceId: '',
    partyDnType: '',
    directControl: false,
    originatedByDn: '',
    originatedByType: '',
    referredByDn: '',
    referredByType: '',
    onBehalfOfDn: '',
    onBehalfOfType: '',
    callId: CALL_ID,
    legId: id,
  };
}

/** A PBX of events only, an engine on a manual clock, and two parties A (1) and B (2) talking, each with a probe. */
function twoParties() {
  const clock = new ManualClock();
  const pbx = new EventsOnly();
  const errors: unknown[] = [];
  const media = new MediaEngine({ pbx: pbx as unknown as Pbx, clock, onError: (error) => errors.push(error) });
  pbx.mediaPorts.set(1, new TonePort(CALLER_HZ));
  pbx.mediaPorts.set(2, new TonePort(APP_HZ));
  pbx.upsert(1, 'Connected', { media: true, held: false, peerId: 2 });
  pbx.upsert(2, 'Connected', { media: true, held: false, peerId: 1 });
  const aHears = new Probe();
  const bHears = new Probe();
  media.addTap(1, aHears);
  media.addTap(2, bHears);
  /** What A and B hear over the next 200 ms. */
  const listen = () => {
    const a = aHears.frames.length;
    const b = bHears.frames.length;
    clock.advance(200);
    return { a: aHears.since(a), b: bHears.since(b) };
  };
  const check = () => {
    if (errors.length > 0) throw errors[0];
  };
  return { clock, pbx, media, listen, check };
}

describe('media engine: a PBX that only sends events', () => {
  test('a participant-link event alone (no upsert) re-bridges the call: hold, unhold, a peer gone', () => {
    const { pbx, media, listen, check } = twoParties();
    let heard = listen();
    assert.ok(level(heard.a, APP_HZ) > 0.9 && level(heard.b, CALLER_HZ) > 0.9, 'A and B hear each other');

    pbx.link(1, { media: true, held: true, peerId: 2 });
    heard = listen();
    assert.ok(level(heard.a, APP_HZ) < 0.01, 'held A does not hear B');
    assert.ok(indexOf(generatedHoldMusic(), heard.a.subarray(0, 400)) >= 0, 'it hears the hold music');
    assert.ok(level(heard.b, CALLER_HZ) < 0.01, 'B does not hear held A');
    assert.equal(media.streams().find((s) => s.participantId === 1)?.held, true);

    pbx.link(1, { media: true, held: false, peerId: 2 });
    heard = listen();
    assert.ok(level(heard.a, APP_HZ) > 0.9 && level(heard.b, CALLER_HZ) > 0.9, 'off hold: they hear each other again');

    pbx.link(2, { media: true, held: false, peerId: null });
    heard = listen();
    assert.ok(level(heard.a, APP_HZ) < 0.01, 'B talks to nobody: A does not hear it');
    assert.ok(level(heard.b, CALLER_HZ) > 0.9, 'B still hears A, whose peer it is');
    check();
  });

  test('a port follows link.media, not the status: early media gets a port, and loses it when the media ends', () => {
    const { pbx, media, listen, check } = twoParties();
    const EARLY_HZ = 2000;
    pbx.mediaPorts.set(3, new TonePort(EARLY_HZ));
    pbx.upsert(3, 'Ringing', { media: false, held: false, peerId: 1 });
    assert.equal(media.hasPort(3), false, 'ringing without audio: no port');
    pbx.link(3, { media: true, held: false, peerId: 1 });
    assert.equal(media.hasPort(3), true, 'early media: a port while still Ringing');
    const cHears = new Probe();
    media.addTap(3, cHears);
    let heard = listen();
    assert.ok(level(heard.a, EARLY_HZ) > 0.9, 'A hears the early media of the leg offered to it');

    pbx.link(3, { media: false, held: false, peerId: 1 });
    assert.equal(media.hasPort(3), false, 'the early media ended without an answer: the port goes');
    assert.equal(cHears.ended, 'left');
    assert.equal((pbx.mediaPorts.get(3) as TonePort).closed, true, 'its endpoint port is closed');
    heard = listen();
    assert.ok(level(heard.a, EARLY_HZ) < 0.01, 'and A no longer hears it');
    assert.ok(level(heard.a, APP_HZ) > 0.9, 'A still hears B');
    check();
  });
});
