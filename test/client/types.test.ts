// The SDK's hand-written wire types equal the server's schemas (checked by the compiler), so the two cannot drift apart.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Static } from 'typebox';
import type { ResultBody, TokenResponseType, WireDevice, WireDnInfo, WireParticipant } from '../../src/api/schemas.js';
import type {
  CallControlResult,
  Device,
  DnInfo,
  NumberResult,
  Participant,
  PlaceCallResult,
  PlayAudioResult,
  SimDevice,
  SimMediaBehaviour,
  SimMediaState,
  SimSound,
  SimState,
  TokenResponse,
} from '../../src/client/index.js';
import type { DtmfAudio, MediaBehaviourSchema, MediaState, PlayResult, ToneAudio } from '../../src/sim/audio.js';
import type { NumberResult as NumberResultSchema, PlaceCallResult as PlaceCallResultSchema, SimDeviceSchema, SimStateSchema } from '../../src/sim/schemas.js';

/** true only when A and B are the same type (each assignable to the other is not enough for optional fields). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Mutual assignability, for schema types that differ only in how they are spelled (string enums, literals). */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** A is assignable to B (the SDK's precise union against a schema that is one object with optional fields). */
type Assignable<A, B> = [A] extends [B] ? true : false;

test('wire and /sim types match the server schemas', () => {
  const checks: true[] = [
    true satisfies Equal<Participant, WireParticipant>,
    true satisfies Equal<Device, WireDevice>,
    true satisfies Mutual<DnInfo, WireDnInfo>,
    true satisfies Mutual<CallControlResult, ResultBody>,
    true satisfies Mutual<Omit<TokenResponse, 'token_type' | 'refresh_token'>, Omit<TokenResponseType, 'token_type' | 'refresh_token'>>,
    true satisfies Mutual<SimState, Static<typeof SimStateSchema>>,
    true satisfies Mutual<SimDevice, Static<typeof SimDeviceSchema>>,
    true satisfies Mutual<PlaceCallResult, Static<typeof PlaceCallResultSchema>>,
    true satisfies Mutual<NumberResult, Static<typeof NumberResultSchema>>,
    // Every media behaviour the SDK can send is one the server accepts, and the SDK knows every kind there is.
    true satisfies Assignable<SimMediaBehaviour, Static<typeof MediaBehaviourSchema>>,
    true satisfies Equal<SimMediaBehaviour['kind'], Static<typeof MediaBehaviourSchema>['kind']>,
    // /sim audio: what the SDK sends as JSON is what the server accepts, and what it reads back is what the server sends.
    true satisfies Equal<Exclude<SimSound, { wav: Uint8Array } | { pcm: Uint8Array }>, Static<typeof ToneAudio> | Static<typeof DtmfAudio>>,
    true satisfies Mutual<PlayAudioResult, Static<typeof PlayResult>>,
    true satisfies Assignable<SimMediaState, Static<typeof MediaState>>,
    true satisfies Equal<keyof SimMediaState, keyof Static<typeof MediaState>>,
  ];
  assert.ok(checks.every(Boolean)); // the real check is the compiler's
});
