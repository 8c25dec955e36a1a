// TypeBox schemas of every request and response of the HTTP API: validation, fast serialisation and OpenAPI from one source.
// A `title` names a schema: the OpenAPI document lists it once in components.schemas and refers to it (openapi.ts), so
// generated clients get named types. A title is an annotation only: validation and serialisation ignore it.

import { Type, type Static } from 'typebox';
import { MAX_TIMEOUT_SECONDS } from '../limits.js';
import { PARTICIPANT_ACTIONS, REASONS } from '../core/types.js';

// ---------------------------------------------------------------- resources (PROTOCOL.md §3)

/** A participant on the wire: exactly these keys, in this order (fast-json-stringify keeps schema order). */
export const ParticipantSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Participant id (int32), unique across the PBX while the participant exists.' }),
    status: Type.String({ description: 'Dialing, Ringing or Connected.', examples: ['Connected'] }),
    dn: Type.String({ description: 'The DN this participant belongs to.' }),
    party_caller_name: Type.String(),
    party_dn: Type.String(),
    party_caller_id: Type.String(),
    party_did: Type.String(),
    device_id: Type.String(),
    party_dn_type: Type.String({ description: 'Wextension, Wroutepoint, Wivr, Wqueue, Wexternalline or None.' }),
    direct_control: Type.Boolean(),
    originated_by_dn: Type.String(),
    originated_by_type: Type.String(),
    referred_by_dn: Type.String(),
    referred_by_type: Type.String(),
    on_behalf_of_dn: Type.String(),
    on_behalf_of_type: Type.String(),
    callid: Type.Integer(),
    legid: Type.Integer(),
  },
  { additionalProperties: false, title: 'Participant', description: "One DN's leg of one call." },
);
export type WireParticipant = Static<typeof ParticipantSchema>;

export const DeviceSchema = Type.Object(
  {
    dn: Type.String(),
    device_id: Type.String({ examples: ['sip:101@127.0.0.1:5161'] }),
    user_agent: Type.String(),
  },
  { additionalProperties: false, title: 'Device' },
);
export type WireDevice = Static<typeof DeviceSchema>;

export const DnInfoSchema = Type.Object(
  {
    dn: Type.String(),
    type: Type.String({ description: 'Wroutepoint, Wextension, Wivr, Wqueue or Wexternalline.' }),
    devices: Type.Array(DeviceSchema),
    participants: Type.Array(ParticipantSchema),
  },
  { additionalProperties: false, title: 'DnInfo' },
);
export type WireDnInfo = Static<typeof DnInfoSchema>;

/** The body of makecall and action responses, errors included. */
export const ResultSchema = Type.Object(
  {
    finalstatus: Type.String({ enum: ['Success', 'Rejected', 'Failed'], description: 'Success (200/202), Rejected (refused before anything happened) or Failed (attempted and failed).' }),
    reason: Type.String({ description: 'None on success, else an error code of docs/errors.md.', examples: ['None', 'DestinationBusy'] }),
    result: Type.Union([ParticipantSchema, Type.Null()], { description: 'The participant the request concerns; null on errors and when there is none yet (DN-form makecall accepted).' }),
    reasontext: Type.String({ description: 'A sentence for people.' }),
  },
  { additionalProperties: false, title: 'CallControlResult' },
);
export type ResultBody = Static<typeof ResultSchema>;

// ---------------------------------------------------------------- requests

export const DnParams = Type.Object({
  dnnumber: Type.String({ description: 'The DN: route point (client id) or a monitored DN.', examples: ['100'] }),
});

export const DeviceParams = Type.Object({
  dnnumber: DnParams.properties.dnnumber,
  deviceid: Type.String({ description: 'Device id, percent-encoded or raw: both match.', examples: ['sip%3A101%40127.0.0.1%3A5161'] }),
});

export const ParticipantParams = Type.Object({
  dnnumber: DnParams.properties.dnnumber,
  id: Type.String({ description: 'Participant id, a decimal int32; anything else is 404.', examples: ['1'] }),
});

export const ActionParams = Type.Object({
  dnnumber: DnParams.properties.dnnumber,
  id: ParticipantParams.properties.id,
  // The enum documents; it never refuses: an unknown action is answered 404 UnknownAction before validation (ids.ts).
  action: Type.String({ enum: [...PARTICIPANT_ACTIONS], description: `One of ${PARTICIPANT_ACTIONS.join(', ')}; anything else is 404 UnknownAction.`, examples: ['drop'] }),
});

const TIMEOUT_TEXT = `Seconds, 0-${MAX_TIMEOUT_SECONDS}; absent or 0 for the default.`;
const timeout = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_TIMEOUT_SECONDS, description: `${description} ${TIMEOUT_TEXT}` });

const ATTACHED_DATA_TEXT = 'Key/value strings attached to the connection (numbers and booleans are kept as text).';
const attachedData = (description: string) =>
  Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: `${description}${ATTACHED_DATA_TEXT}`, examples: [{ crm_id: '42' }] });

/** makecall body as validated (after field names are normalised and nulls dropped, see body.ts). */
export const MakeCallBody = Type.Object(
  {
    destination: Type.Optional(Type.String({ description: 'A DN or an external number. Required: missing is 422 InvalidDestination.', examples: ['+15550199'] })),
    timeout: Type.Optional(timeout('Ring timeout of the destination, and how long a DN-form request waits before answering 202.')),
    attacheddata: Type.Optional(attachedData('')),
    reason: Type.Optional(Type.Unknown({ description: 'Free text some clients send ("outbound"); ignored.' })),
  },
  { title: 'MakeCallRequest', description: 'Field names are matched case-insensitively (Destination, Timeout, AttachedData); null counts as absent; other fields are ignored.' },
);
export type MakeCallBodyType = Static<typeof MakeCallBody>;

/** Participant action body as validated. Each action reads only the fields it uses; the others are ignored. */
export const ActionBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ description: `divert, routeto, transferto: why; one of ${REASONS.join(', ')} (case-insensitive). Absent or empty means None; other values are 422 InvalidReason.`, examples: ['ForwardAll'] })),
    destination: Type.Optional(Type.String({ description: 'divert, routeto, transferto: where to.', examples: ['100'] })),
    timeout: Type.Optional(timeout('divert, routeto, transferto: how long to wait for the outcome before answering 202 (the ring time of the destination stays the PBX default).')),
    attacheddata: Type.Optional(attachedData('attach_participant_data, attach_party_data: the data to attach. ')),
  },
  { title: 'ParticipantActionRequest', description: 'All fields optional where the action does not need them; {} , null, or an empty body are fine. Field names are matched case-insensitively (Reason, Destination, Timeout, AttachedData); null counts as absent.' },
);
export type ActionBodyType = Static<typeof ActionBody>;

// ---------------------------------------------------------------- token (PROTOCOL.md §2)

export const TokenRequestBody = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ description: 'Must be client_credentials (anything else: 400 unsupported_grant_type).', examples: ['client_credentials'] })),
    client_id: Type.Optional(Type.String({ description: "The application's route point DN; or in an HTTP Basic Authorization header.", examples: ['800'] })),
    client_secret: Type.Optional(Type.String({ description: 'The API key; or in an HTTP Basic Authorization header.' })),
  },
  { title: 'TokenRequest', description: 'application/x-www-form-urlencoded or multipart/form-data (fields only).' },
);
export type TokenRequestBodyType = Static<typeof TokenRequestBody>;

export const TokenResponse = Type.Object(
  {
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'Always 60, as live 3CX servers send; the JWT exp claim carries the real lifetime.' }),
    access_token: Type.String({ description: 'An HS256 JWT with sub (client id), iat, exp, jti.' }),
    refresh_token: Type.Null(),
  },
  { additionalProperties: false, title: 'TokenResponse' },
);
export type TokenResponseType = Static<typeof TokenResponse>;

export const OAuthErrorSchema = Type.Object(
  {
    error: Type.String({ enum: ['invalid_request', 'invalid_client', 'unsupported_grant_type', 'slow_down', 'server_error'] }),
    error_description: Type.String(),
  },
  { additionalProperties: false, title: 'OAuthError', description: 'RFC 6749 §5.2 error response.' },
);
export type OAuthErrorBody = Static<typeof OAuthErrorSchema>;

// ---------------------------------------------------------------- response sets

/** Response schemas for the given error statuses, all result-shaped. */
export function resultErrors<S extends number>(...statuses: S[]): Record<S, typeof ResultSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ResultSchema])) as Record<S, typeof ResultSchema>;
}
