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

/** The RTP figures of a participant with an RTP session (a SIP leg), on its /sim views and in GET /sim/sip/rtp. */
const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Address = (description: string) => Type.Union([Type.Object({ address: Type.String(), port: Type.Integer() }), Type.Null()], { description });
const Time = (description: string) => Type.Union([Type.String({ description: `${description} ISO 8601, PBX time.` }), Type.Null()]);

export const SimRtpSchema = Type.Object(
  {
    local: Address('Our RTP socket (RTCP on the next port); null when the SIP server does not tell.'),
    remote: Address('Where we send RTP: the negotiated address, or where the far end\'s packets come from once latched (symmetric RTP); null when not told.'),
    codec: Type.Union([Type.String(), Type.Null()], { description: 'PCMU or PCMA; null when not told.' }),
    ptimeMs: Type.Union([Type.Integer(), Type.Null()], { description: 'Packet time we send with, in ms; null when not told.' }),
    direction: Type.Union([Type.String(), Type.Null()], { description: 'Our direction after negotiation (sendrecv, sendonly, recvonly, inactive); null when not told.' }),
    packetsSent: Count('RTP packets sent (audio and telephone-events).'),
    payloadBytesSent: Count('RTP payload bytes sent (headers not counted, as RTCP counts them).'),
    packetsReceived: Count('RTP packets (audio and RFC 4733 telephone-events) received from the source being played (duplicates included, RFC 3550).'),
    payloadBytesReceived: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'RTP payload bytes received; null when the session does not count them.' }),
    packetsLost: Count('Packets lost in what we receive (RFC 3550 cumulative loss).'),
    fractionLost: Type.Number({ minimum: 0, maximum: 1, description: 'Share of what we receive that was lost over the latest RTCP report interval, 0-1.' }),
    jitterMs: Type.Number({ minimum: 0, description: 'Interarrival jitter of what we receive (RFC 3550 A.8), in ms.' }),
    farEnd: Type.Union(
      [
        Type.Object({
          fractionLost: Type.Number({ description: 'Share of our packets it lost over its latest report interval, 0-1.' }),
          packetsLost: Type.Integer({ description: 'Our packets it lost in all (signed, as RTCP carries it).' }),
          jitterMs: Type.Number({ description: 'Interarrival jitter it measured on our stream, in ms.' }),
          roundTripMs: Type.Union([Type.Number(), Type.Null()], { description: 'Round trip from its LSR/DLSR, in ms; null before it has seen one of our sender reports.' }),
        }),
        Type.Null(),
      ],
      { description: 'What the far end\'s latest RTCP SR or RR said about our stream; null before its first report.' },
    ),
    rtcp: Type.Object({
      lastSrReceivedAt: Time('When the far end\'s latest sender report arrived; null before one, or when the session does not keep it.'),
      lastRrReceivedAt: Time('When the far end\'s latest report block about our stream (in an SR or RR) arrived; null before one, or when not kept.'),
    }),
    invalidPackets: Count('Datagrams on the RTP and RTCP ports that were no valid RTP or RTCP (and failed sends).'),
    ignoredPackets: Count('Valid RTP from another source than the one latched, or with a payload type not negotiated.'),
    digitsReceived: Count('RFC 4733 telephone-events received.'),
    byeReceived: Type.Boolean({ description: 'The far end said BYE in RTCP.' }),
    jitterBuffer: Type.Object({
      accepted: Count('Packets placed in the buffer.'),
      late: Count('Packets dropped because their audio was already due.'),
      duplicates: Count('Packets dropped because their audio was already buffered.'),
      refused: Count('Packets refused: empty, or longer than the longest packet the buffer takes.'),
      concealedFrames: Count('20 ms frames played without (all) their audio.'),
      underruns: Count('Times the buffer ran dry.'),
      overflowDroppedFrames: Count('Frames discarded because a packet reached beyond the buffer\'s depth.'),
      shrinkDroppedFrames: Count('Frames discarded to shrink the delay.'),
      stretchedFrames: Count('Concealment frames inserted to grow the delay.'),
      ssrcChanges: Count('Times the source (SSRC) changed.'),
    }),
  },
  { title: 'SimRtp', description: 'The RTP session of a participant (present only when it has one: a SIP leg with negotiated media), figures since it began.' },
);
export type SimRtp = Static<typeof SimRtpSchema>;

export const SimRtpSessionSchema = Type.Object(
  { participantId: Type.Integer(), dn: Type.String(), deviceId: Type.String(), rtp: SimRtpSchema },
  { title: 'SimRtpSession' },
);

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
  rtp: Type.Optional(SimRtpSchema), // present only for a participant with an RTP session (a SIP leg with negotiated media)
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

export const SimRemovalSchema = Type.Object({
  participantId: Type.Integer(),
  dn: Type.String(),
  callId: Type.Integer(),
  legId: Type.Integer(),
  deviceId: Type.String(),
  status: Type.String({ description: 'Its status when it left.' }),
  partyCallerId: Type.String(),
  cause: Type.String({ description: 'Why it left: dropped, hangup, peer-left, replaced, answered-elsewhere, diverted, cancelled, no-answer, busy, rejected, unreachable, not-registered, unregistered, reset.' }),
  at: Type.String({ description: 'ISO 8601, PBX time.' }),
});
