// Request and response schemas of the simulation control plane (/sim): the contract its OpenAPI section is generated from.

import { Type, type Static } from 'typebox';
import { MAX_DTMF_DIGITS } from '../limits.js';

export const SIM_DOC = { tags: ['Simulation'], security: [{ adminKey: [] }] };

export const BehaviourSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('answer'), afterMs: Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'Answers by itself after this many milliseconds.' }) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Union([Type.Literal('manual'), Type.Literal('busy'), Type.Literal('reject'), Type.Literal('never'), Type.Literal('unreachable')]) }, { additionalProperties: false }),
  ],
  { title: 'SimBehaviour', description: 'answer after afterMs; manual (rings until told); busy or reject (refuses at once); never (rings until the ring timeout); unreachable.' },
);

export const SimErrorSchema = Type.Object({ error: Type.String({ description: 'Stable code, e.g. ParticipantNotFound, InvalidState.' }), message: Type.String() }, { title: 'ProblemBody' });

export const SimDeviceSchema = Type.Object({
  deviceId: Type.String(),
  userAgent: Type.String(),
  directControl: Type.Boolean(),
  registered: Type.Boolean(),
  behaviour: Type.Union([BehaviourSchema, Type.Null()], { description: 'null for route point, IVR, queue and trunk devices, which the PBX itself drives.' }),
}, { title: 'SimDevice' });

export const SimDnSchema = Type.Object({
  dn: Type.String(),
  type: Type.String({ description: '3CX type name (Wextension, Wroutepoint, ...)' }),
  kind: Type.String(),
  name: Type.String(),
  autoAnswer: Type.Union([Type.Boolean(), Type.Null()], { description: 'Route points only.' }),
  devices: Type.Array(SimDeviceSchema),
}, { title: 'SimDn' });

export const SimParticipantSchema = Type.Object({
  id: Type.Integer(),
  dn: Type.String(),
  status: Type.String(),
  deviceId: Type.String(),
  number: Type.String({ description: 'Its own caller id.' }),
  name: Type.String(),
  partyDn: Type.String(),
  partyCallerId: Type.String(),
  partyCallerName: Type.String(),
  directControl: Type.Boolean(),
  held: Type.Boolean(),
  peerId: Type.Union([Type.Integer(), Type.Null()]),
  attachedData: Type.Record(Type.String(), Type.String()),
  callId: Type.Integer(),
  legId: Type.Integer(),
}, { title: 'SimParticipant' });

export const SimPartySchema = Type.Object({
  ...SimParticipantSchema.properties,
  kind: Type.Union([Type.Literal('phone'), Type.Literal('external')], { description: 'A simulated phone of an extension, or an external caller or callee on a trunk.' }),
}, { title: 'SimParty' });

export const SimCallSchema = Type.Object({ callId: Type.Integer(), did: Type.String(), participants: Type.Array(SimParticipantSchema) }, { title: 'SimCall' });

export const SimStateSchema = Type.Object({
  clock: Type.Object({ now: Type.String({ description: 'ISO 8601' }), fake: Type.Boolean() }),
  dns: Type.Array(SimDnSchema),
  calls: Type.Array(SimCallSchema),
  parties: Type.Array(SimPartySchema),
}, { title: 'SimState' });

export const PlaceCallBody = Type.Object(
  {
    from: Type.String({ minLength: 1, maxLength: 64, description: 'An external number (calls in through the trunk) or an extension number (its phone dials out).' }),
    to: Type.String({ minLength: 1, maxLength: 64, description: 'A DID, an internal number, or (from an extension) any number.' }),
    callerName: Type.Optional(Type.String({ maxLength: 128 })),
    did: Type.Optional(Type.String({ maxLength: 64, description: 'Dial this DID instead of `to`.' })),
    device: Type.Optional(Type.String({ maxLength: 256, description: 'The extension device that dials (default: its first registered device).' })),
  },
  { additionalProperties: false },
);
export type PlaceCallBodyType = Static<typeof PlaceCallBody>;

export const PlaceCallResult = Type.Object({ callId: Type.Integer(), partyId: Type.Integer(), party: SimPartySchema });

export const PartyParams = Type.Object({ id: Type.String() });
export const PartyActionParams = Type.Object({ id: Type.String(), action: Type.String() });
export const PartyActionResult = Type.Object({ party: Type.Union([SimPartySchema, Type.Null()], { description: 'null once the party has left.' }) });

export const DtmfBody = Type.Object(
  {
    digits: Type.String({ minLength: 1, maxLength: MAX_DTMF_DIGITS, pattern: '^[0-9*#A-D]+$' }),
    intervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'Pause between key presses, as a person typing (default 0: all at once).' })),
  },
  { additionalProperties: false },
);
export type DtmfBodyType = Static<typeof DtmfBody>;

export const NumberParams = Type.Object({ number: Type.String({ pattern: '^\\+?[0-9]{1,32}$' }) });
export const NumberBody = Type.Object({ behaviour: BehaviourSchema, callerName: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: false });
export const NumberResult = Type.Object({ number: Type.String(), behaviour: BehaviourSchema, callerName: Type.String() });

export const DnParams = Type.Object({ dn: Type.String() });
export const DeviceParams = Type.Object({ dn: Type.String(), deviceid: Type.String() });
export const DevicePatchBody = Type.Object({ behaviour: Type.Optional(BehaviourSchema), directControl: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const RegisterDeviceBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 256 }),
    userAgent: Type.Optional(Type.String({ maxLength: 256 })),
    directControl: Type.Optional(Type.Boolean()),
    behaviour: Type.Optional(BehaviourSchema),
  },
  { additionalProperties: false },
);
export const RoutePointBody = Type.Object({ autoAnswer: Type.Boolean() }, { additionalProperties: false });
export const AdvanceBody = Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 86_400_000 }) }, { additionalProperties: false });
export const ClockSchema = Type.Object({ now: Type.String(), fake: Type.Boolean() });
