// The /sim audio plane: play audio from a simulated party, fetch what it heard, and set what parties send by default.

import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { withDeviceId } from '../api/ids.js';
import type { ApiInstance } from '../api/context.js';
import { CoreError, ErrorCodes } from '../core/errors.js';
import type { Pbx } from '../core/pbx.js';
import type { ParticipantDetail } from '../core/types.js';
import { MAX_SIM_AUDIO_BODY_BYTES } from '../limits.js';
import { DtmfSource } from '../media/dtmf.js';
import type { MediaEngine } from '../media/engine.js';
import { MAX_ECHO_DELAY_MS, SAMPLE_RATE_HZ, bytesFromSamples } from '../media/format.js';
import { PartyMediaError, type PartyMedia, type PartyMediaInput, type PartyMediaStore } from '../media/party-media.js';
import { PcmSource, ToneSource, type AudioSource } from '../media/source.js';
import { WavDecodeError, decodeWavTo8kMono, encodeWav8kMono } from '../media/wav.js';
import type { SimContext } from './routes.js';
import { SIM_DOC, SimErrorSchema, SimPartySchema } from './schemas.js';
import { rtpLookup, type RtpLookup } from './rtp.js';
import { partyOf } from './state.js';

const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];
const RAW_TYPE = 'application/octet-stream';
const LONGEST_SOUND_MS = 600_000;

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, SimErrorSchema]));
const binary = (types: string[], description: string) => ({ description, content: Object.fromEntries(types.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])) });

const Frequency = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: SAMPLE_RATE_HZ / 2, description: 'Hz' });
const Frequencies = Type.Union([Frequency, Type.Array(Frequency, { minItems: 1, maxItems: 2 })], { description: 'One frequency, or two for a dual tone, in Hz (below 4000).' });
const Level = Type.Number({ minimum: -60, maximum: 3, description: 'dBm0 per frequency.' });

export const ToneAudio = Type.Object({ tone: Frequencies, ms: Type.Integer({ minimum: 1, maximum: LONGEST_SOUND_MS }), levelDbm0: Type.Optional(Level) }, { additionalProperties: false });
export const DtmfAudio = Type.Object(
  {
    dtmf: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9*#A-Da-d]+$' }),
    toneMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    gapMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

/**
 * A media behaviour on the wire (request and response). One object rather than a union of four: validators that strip
 * unknown fields (fastify's default ajv setup) would otherwise strip them while trying the first branch.
 */
export const MediaBehaviourSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('silence'), Type.Literal('echo'), Type.Literal('tone'), Type.Literal('wav')]),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ECHO_DELAY_MS, description: 'echo: the delay (default 60).' })),
    frequencyHz: Type.Optional(Frequencies),
    levelDbm0: Type.Optional(Level),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'wav: a WAV file on the server (any rate, depth, channels).' })),
    loop: Type.Optional(Type.Boolean({ description: 'wav: play it again and again (default false: once).' })),
  },
  {
    additionalProperties: false,
    description: 'silence (the default); echo (returns what it hears after delayMs); tone (frequencyHz, one or two, at levelDbm0); wav (the file at path, once or looped).',
  },
);
type MediaBehaviourBody = Static<typeof MediaBehaviourSchema>;

const PartyParams = Type.Object({ id: Type.String() });
const NumberParams = Type.Object({ number: Type.String({ pattern: '^\\+?[0-9]{1,32}$' }) });
const DeviceParams = Type.Object({ dn: Type.String(), deviceid: Type.String() });
const RecordingQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('wav'), Type.Literal('raw')], { description: 'wav (default) or raw s16le PCM.' })) });
export const PlayResult = Type.Object({ party: SimPartySchema, durationMs: Type.Number({ description: 'How long the audio plays, in ms.' }) });

function toWire(media: PartyMedia): MediaBehaviourBody {
  return media.kind === 'tone' ? { kind: 'tone', frequencyHz: media.frequenciesHz, levelDbm0: media.levelDbm0 } : media;
}

/** The behaviour a body asks for; 422 when a field its kind needs is missing. */
function fromWire(body: MediaBehaviourBody): PartyMediaInput {
  switch (body.kind) {
    case 'silence':
      return { kind: 'silence' };
    case 'echo':
      return { kind: 'echo', delayMs: body.delayMs };
    case 'tone':
      if (body.frequencyHz === undefined) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, 'a tone needs frequencyHz');
      return { kind: 'tone', frequenciesHz: body.frequencyHz, levelDbm0: body.levelDbm0 };
    case 'wav':
      if (body.path === undefined) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, 'a wav behaviour needs the path of the file');
      return { kind: 'wav', path: body.path, loop: body.loop };
    default: {
      const unreachable: never = body.kind;
      throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `unknown media kind ${String(unreachable)}`);
    }
  }
}

/** Runs a store change, turning its refusals (bad values, unreadable WAV, limits) into 422 InvalidArgument. */
function mediaChange<T>(change: () => T): T {
  try {
    return change();
  } catch (error) {
    if (error instanceof PartyMediaError) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, error.message);
    throw error;
  }
}

function parsePartyId(text: string): number {
  const id = /^[0-9]{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no party '${text}'`);
  return id;
}

/** The sound a POST /sim/parties/{id}/audio body asks for, and its length in samples. */
function soundOf(request: FastifyRequest): { source: AudioSource; samples: number } {
  const body = request.body;
  if (Buffer.isBuffer(body)) {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === RAW_TYPE) {
      const source = new PcmSource(body);
      return { source, samples: source.lengthSamples };
    }
    try {
      const source = new PcmSource(decodeWavTo8kMono(body));
      return { source, samples: source.lengthSamples };
    } catch (error) {
      if (error instanceof WavDecodeError) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, error.message);
      throw error;
    }
  }
  if (Value.Check(ToneAudio, body)) {
    const source = new ToneSource({ frequenciesHz: body.tone, levelDbm0: body.levelDbm0, durationMs: body.ms });
    return { source, samples: Math.round((body.ms * SAMPLE_RATE_HZ) / 1000) };
  }
  if (Value.Check(DtmfAudio, body)) {
    const source = new DtmfSource(body.dtmf, { toneMs: body.toneMs, gapMs: body.gapMs });
    return { source, samples: source.lengthSamples };
  }
  throw new CoreError(
    ErrorCodes.INVALID_ARGUMENT,
    'send a WAV file (audio/wav), raw s16le 8 kHz mono PCM (application/octet-stream), or JSON {"tone": hz or [hz, hz], "ms": n, "levelDbm0"?: n} or {"dtmf": "123", "toneMs"?: n, "gapMs"?: n}',
  );
}

/** GET /sim/media. */
export const MediaState = Type.Object({
  default: MediaBehaviourSchema,
  numbers: Type.Record(Type.String(), MediaBehaviourSchema),
  devices: Type.Array(Type.Object({ dn: Type.String(), deviceId: Type.String(), media: MediaBehaviourSchema })),
});

/** A party of a path that is a simulated one: a participant of an extension (its phone) or of a trunk (the caller). */
function requireParty(pbx: Pbx, text: string): ParticipantDetail {
  const detail = pbx.participantDetail(parsePartyId(text));
  const kind = detail ? pbx.dnKind(detail.dn) : undefined;
  if (!detail || (kind !== 'extension' && kind !== 'externalline')) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no simulated party ${text}`);
  return detail;
}

/**
 * Registers the audio routes of /sim in the scope of the other /sim routes (same admin key check, same errors), and
 * makes POST /sim/reset also forget media behaviours and kept recordings.
 */
export function registerSimAudioRoutes(app: ApiInstance, context: SimContext & { media: MediaEngine }): void {
  const { media } = context;
  const { pbx } = context.sim;
  app.addContentTypeParser([...WAV_TYPES, RAW_TYPE], { parseAs: 'buffer', bodyLimit: MAX_SIM_AUDIO_BODY_BYTES }, (_request, body, done) => done(null, body));
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/sim/reset' && reply.statusCode === 200) media.resetSimulation();
  });
  registerPartyAudioRoutes(app, pbx, media, () => rtpLookup(context.sip));
  registerMediaBehaviourRoutes(app, pbx, media.partyMedia);
}

/** POST /sim/parties/{id}/audio and GET /sim/parties/{id}/recording: what a party says, and what it heard. */
function registerPartyAudioRoutes(app: ApiInstance, pbx: Pbx, media: MediaEngine, rtp: () => RtpLookup): void {
  app.post(
    '/parties/:id/audio',
    {
      bodyLimit: MAX_SIM_AUDIO_BODY_BYTES,
      schema: {
        ...SIM_DOC,
        operationId: 'simPlayAudio',
        summary: 'The party plays audio into its call (instead of its media behaviour, until the audio ends)',
        description:
          'Body: a WAV file (audio/wav; any rate, depth and channels), raw s16le 8 kHz mono PCM (application/octet-stream), ' +
          'or JSON {"tone": hz or [hz, hz], "ms": n, "levelDbm0"?: n} or {"dtmf": "12#", "toneMs"?: 100, "gapMs"?: 100} (key presses as in-band tones). ' +
          'A newer sound replaces one still playing. 409 while the party is not Connected.',
        params: PartyParams,
        response: { 200: PlayResult, ...errors(400, 401, 404, 409, 413, 422) },
      },
    },
    async (request) => {
      const party = requireParty(pbx, request.params.id);
      const { source, samples } = soundOf(request);
      if (!media.playFromParty(party.id, source)) throw new CoreError(ErrorCodes.INVALID_STATE, `party ${party.id} is ${party.status}: it can play audio once Connected`);
      return { party: partyOf(pbx, party, rtp()), durationMs: (samples * 1000) / SAMPLE_RATE_HZ };
    },
  );

  app.get(
    '/parties/:id/recording',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simGetRecording',
        summary: 'Everything the party heard, as a WAV file (8 kHz mono 16-bit); also after it left',
        description: 'Parties are recorded from when they connect, within a server-wide budget; recordings of the last 64 parties that left are kept. ?format=raw gives s16le PCM.',
        params: PartyParams,
        querystring: RecordingQuery,
        response: { 200: binary(['audio/wav', 'application/octet-stream'], 'The recording as WAV, or raw PCM (application/octet-stream) with ?format=raw.'), ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const id = parsePartyId(request.params.id);
      const recording = media.recording(id);
      if (!recording) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no recording of party ${request.params.id}`);
      reply.header('x-switchboard-dropped-samples', String(recording.droppedSamples));
      if (request.query.format === 'raw') return reply.type(RAW_TYPE).send(Buffer.from(bytesFromSamples(recording.pcm)));
      return reply.type('audio/wav').send(encodeWav8kMono(recording.pcm));
    },
  );

}

/** GET /sim/media and the PUTs that set what parties send: the default, per external number, per phone. */
function registerMediaBehaviourRoutes(app: ApiInstance, pbx: Pbx, store: PartyMediaStore): void {
  app.get('/media', { schema: { ...SIM_DOC, operationId: 'simGetMedia', summary: 'Media behaviours: the default, per external number, per phone', response: { 200: MediaState, ...errors(401) } } }, async () => {
    const state = store.describe();
    return {
      default: toWire(state.default),
      numbers: Object.fromEntries(Object.entries(state.numbers).map(([number, m]) => [number, toWire(m)])),
      devices: state.devices.map((d) => ({ ...d, media: toWire(d.media) })),
    };
  });

  app.put(
    '/media/default',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simSetDefaultMedia',
        summary: 'What simulated parties without their own media behaviour send (applies to calls connected from now on)',
        body: MediaBehaviourSchema,
        response: { 200: Type.Object({ media: MediaBehaviourSchema }), ...errors(400, 401, 422) },
      },
    },
    async (request) => ({ media: toWire(mediaChange(() => store.setDefault(fromWire(request.body)))) }),
  );

  app.put(
    '/media/numbers/:number',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simSetNumberMedia',
        summary: 'What an external number sends when connected: silence, echo, tone or a WAV file (from now on)',
        params: NumberParams,
        body: MediaBehaviourSchema,
        response: { 200: Type.Object({ number: Type.String(), media: MediaBehaviourSchema }), ...errors(400, 401, 422) },
      },
    },
    async (request) => ({ number: request.params.number, media: toWire(mediaChange(() => store.setNumber(request.params.number, fromWire(request.body)))) }),
  );

  app.put(
    '/media/devices/:dn/:deviceid',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simSetDeviceMedia',
        summary: 'What a phone sends when connected: silence, echo, tone or a WAV file (from now on)',
        params: DeviceParams,
        body: MediaBehaviourSchema,
        response: { 200: Type.Object({ dn: Type.String(), deviceId: Type.String(), media: MediaBehaviourSchema }), ...errors(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const { dn } = request.params;
      if (pbx.dnKind(dn) === undefined) throw new CoreError(ErrorCodes.DN_NOT_FOUND, `DN ${dn} does not exist`);
      if (pbx.dnKind(dn) !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `DN ${dn} is not an extension: only extension devices are simulated phones`);
      const deviceId = withDeviceId(request.params.deviceid, (id) => {
        const { registered, offline } = pbx.deviceRecords(dn);
        const device = [...registered, ...offline].find((d) => d.id === id);
        if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no device '${id}'`);
        return device.id;
      });
      return { dn, deviceId, media: toWire(mediaChange(() => store.setDevice(dn, deviceId, fromWire(request.body)))) };
    },
  );
}
