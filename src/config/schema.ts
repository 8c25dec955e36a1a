// The configuration file as a user writes it (optional keys, shorthands, numbers for DNs): the schema the loader validates.
import { Type, type Static, type TSchema } from 'typebox';
import { CONFIG_LIMITS } from '../limits.js';
import { SIP_ALGORITHMS, SIP_AUTO_ANSWER, SIP_TRANSPORTS } from './sip.js';
import { TRUNK_CALLER_ID_HEADERS, TRUNK_DID_SOURCES, TRUNK_EXPIRES_RANGE_SECONDS, TRUNK_NUMBER_STYLES, TRUNK_TRANSPORTS } from './trunk-sip.js';


/** Extensions, IVRs, queues and trunks: 1-10 digits. */
export const DN_NUMBER = /^[0-9]{1,10}$/;
/** Route points (and so application client ids) may also be alphanumeric, like `ai`. */
export const ROUTE_POINT_NUMBER = /^[A-Za-z0-9]{1,20}$/;
/** A number outside the PBX, as dialled or as presented by a carrier: E.164-ish, optional leading +. */
export const EXTERNAL_NUMBER = /^\+?[0-9]{3,20}$/;

export const BEHAVIOUR_KINDS = ['answer', 'manual', 'busy', 'reject', 'never', 'unreachable'] as const;
export const QUEUE_STRATEGIES = ['ring-all', 'in-order'] as const;
/** server.logLevel: pino's levels, and `silent` for none. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

// Two annotations of our own (JSON Schema ignores unknown keywords) feed the loader's messages:
// `expected` turns a failure into "must be <expected>, got <value>", which reads better than keyword messages,
// and `sensitive` keeps the value itself out of the message.

function strict<Properties extends Parameters<typeof Type.Object>[0]>(properties: Properties, options: { expected?: string } = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

function text(minLength: number, maxLength: number, expected: string) {
  return Type.String({ minLength, maxLength, expected });
}

function secret(minLength: number) {
  const maxLength = CONFIG_LIMITS.maxTextChars;
  return Type.String({ minLength, maxLength, expected: `a string of ${minLength} to ${maxLength} characters`, sensitive: true });
}

function integer(minimum: number, maximum: number, unit = '') {
  return Type.Integer({ minimum, maximum, expected: `an integer from ${minimum} to ${maximum}${unit}` });
}

function nullable<Schema extends TSchema>(schema: Schema, expected: string) {
  return Type.Union([schema, Type.Null()], { expected });
}

// YAML turns `number: 100` into a number; DN-like fields accept non-negative integers and the loader makes them strings.
// The integer range keeps the digits the pattern allows (and stays below 2^53, where integers stop being exact).
function numberText(pattern: RegExp, minInteger: number, maxInteger: number, expected: string) {
  return Type.Union([Type.String({ pattern: pattern.source }), Type.Integer({ minimum: minInteger, maximum: maxInteger })], { expected });
}

const DnNumber = numberText(DN_NUMBER, 0, 9_999_999_999, 'a string of digits (1-10 characters)');
const RoutePointNumber = numberText(ROUTE_POINT_NUMBER, 0, Number.MAX_SAFE_INTEGER, 'a string of letters and digits (1-20 characters)');
// A reference to a configured DN of any kind; whether it exists and is of the right kind is a cross-check.
const DnReference = numberText(ROUTE_POINT_NUMBER, 0, Number.MAX_SAFE_INTEGER, 'a DN number (1-20 letters or digits)');
const ExternalNumber = numberText(EXTERNAL_NUMBER, 100, Number.MAX_SAFE_INTEGER, 'a phone number of 3-20 digits with an optional leading +');
// An IVR key leads to a DN or, when no DN has that number, out to an external number.
const MenuDestination = numberText(/^(?:[A-Za-z0-9]{1,20}|\+[0-9]{3,20})$/, 0, Number.MAX_SAFE_INTEGER, 'a DN number or an external phone number');

const Name = text(0, CONFIG_LIMITS.maxTextChars, `a string (at most ${CONFIG_LIMITS.maxTextChars} characters)`);
const Identifier = text(1, CONFIG_LIMITS.maxTextChars, `a non-empty string (at most ${CONFIG_LIMITS.maxTextChars} characters)`);
const FilePath = text(1, CONFIG_LIMITS.maxPathChars, 'a file path');
const Seconds = integer(1, 3_600, ' (seconds)');

const BehaviourKind = Type.Enum([...BEHAVIOUR_KINDS]);

/** `busy`, `answer` (at once) or `{ kind: answer, afterMs: 1000 }`; afterMs is only valid with answer (a cross-check). */
export const BehaviourSchema = Type.Union(
  [
    BehaviourKind,
    strict({
      kind: BehaviourKind,
      afterMs: Type.Optional(integer(0, 3_600_000, ' (milliseconds)')),
    }),
  ],
  { expected: `one of ${BEHAVIOUR_KINDS.join(', ')}, or a mapping like { kind: answer, afterMs: 1000 }` },
);

const DeviceSchema = strict({
  id: Identifier,
  userAgent: Type.Optional(Identifier),
  directControl: Type.Optional(Type.Boolean()),
  registered: Type.Optional(Type.Boolean()),
  behaviour: Type.Optional(BehaviourSchema),
});

const SystemDeviceSchema = strict({
  id: Identifier,
  userAgent: Type.Optional(Identifier),
});

const ExtensionSipSchema = strict({
  authId: Type.Optional(Type.Union([Identifier, Type.Integer({ minimum: 0 })], { expected: `a non-empty string (at most ${CONFIG_LIMITS.maxTextChars} characters)` })),
  password: secret(8),
  autoAnswer: Type.Optional(Type.Enum([...SIP_AUTO_ANSWER])),
});

const ExtensionSchema = strict({
  number: DnNumber,
  name: Type.Optional(Name),
  devices: Type.Optional(Type.Array(DeviceSchema, { maxItems: CONFIG_LIMITS.maxDevicesPerExtension })),
  sip: Type.Optional(ExtensionSipSchema),
});

const RoutePointSchema = strict({
  number: RoutePointNumber,
  name: Type.Optional(Name),
  autoAnswer: Type.Optional(Type.Boolean()),
  device: Type.Optional(SystemDeviceSchema),
});

const IvrSchema = strict({
  number: DnNumber,
  name: Type.Optional(Name),
  device: Type.Optional(SystemDeviceSchema),
  prompt: Type.Optional(nullable(FilePath, 'a file path or null')),
  menu: Type.Optional(
    Type.Record(Type.String({ pattern: '^[0-9*#]$' }), MenuDestination, { additionalProperties: false, expectedKey: 'a single character: 0-9, * or #' }),
  ),
  timeoutSeconds: Type.Optional(Seconds),
  timeoutDestination: Type.Optional(nullable(DnReference, 'a DN number or null')),
});

const QueueSchema = strict({
  number: DnNumber,
  name: Type.Optional(Name),
  device: Type.Optional(SystemDeviceSchema),
  agents: Type.Array(DnReference, { minItems: 1, maxItems: CONFIG_LIMITS.maxAgentsPerQueue }),
  strategy: Type.Optional(Type.Enum([...QUEUE_STRATEGIES])),
  ringSeconds: Type.Optional(Seconds),
  holdTimeoutSeconds: Type.Optional(integer(1, 86_400, ' (seconds)')),
  overflowDestination: Type.Optional(nullable(DnReference, 'a DN number or null')),
  holdMusic: Type.Optional(nullable(FilePath, 'a file path or null')),
});

// The user part of a SIP URI (RFC 3261 §25.1 unreserved and user-unreserved characters); providers often use digits.
const SipUser = numberText(/^[A-Za-z0-9\-_.!~*'()&=+$,;?/]{1,64}$/, 0, Number.MAX_SAFE_INTEGER, "a SIP user name (1-64 letters, digits or -_.!~*'()&=+$,;?/)");
const HeaderName = Type.String({ pattern: "^[A-Za-z0-9\\-.!%*_+`'~]{1,64}$", expected: 'a SIP header name (a token of 1-64 characters)' });
const { min: minExpires, max: maxExpires } = TRUNK_EXPIRES_RANGE_SECONDS;

const TrunkSipSchema = strict({
  host: text(1, 253, 'a host name or an IPv4 or IPv6 address'),
  port: Type.Optional(integer(1, 65_535)),
  transport: Type.Optional(Type.Enum([...TRUNK_TRANSPORTS])),
  register: Type.Optional(Type.Boolean()),
  username: Type.Optional(SipUser),
  authId: Type.Optional(Type.Union([Identifier, Type.Integer({ minimum: 0 })], { expected: `a non-empty string (at most ${CONFIG_LIMITS.maxTextChars} characters)` })),
  password: Type.Optional(secret(1)),
  expires: Type.Optional(integer(minExpires, maxExpires, ' (seconds)')),
  peers: Type.Optional(Type.Array(text(1, 64, 'an IPv4 or IPv6 address, or a CIDR block'), { maxItems: CONFIG_LIMITS.maxTrunkPeers })),
  callerId: Type.Optional(Type.Enum([...TRUNK_CALLER_ID_HEADERS])),
  didFrom: Type.Optional(Type.Union([Type.Enum([...TRUNK_DID_SOURCES]), strict({ header: HeaderName })], { expected: 'request-uri, to, or a mapping like { header: X-Original-To }' })),
  numbers: Type.Optional(
    strict({
      countryCode: numberText(/^[1-9][0-9]{0,2}$/, 1, 999, 'a country calling code of 1-3 digits'),
      nationalPrefix: Type.Optional(numberText(/^[0-9]{0,4}$/, 0, 9999, "up to 4 digits ('' for none)")),
      internationalPrefix: Type.Optional(numberText(/^[0-9]{1,4}$/, 0, 9999, '1-4 digits')),
      outbound: Type.Optional(Type.Enum([...TRUNK_NUMBER_STYLES])),
    }),
  ),
});

const TrunkSchema = strict({
  number: DnNumber,
  name: Type.Optional(Name),
  device: Type.Optional(SystemDeviceSchema),
  dids: Type.Optional(Type.Array(strict({ number: ExternalNumber, destination: DnReference }), { maxItems: CONFIG_LIMITS.maxDidsPerTrunk })),
  sip: Type.Optional(nullable(TrunkSipSchema, 'a mapping of SIP trunk settings (host, register, ...), or null for a simulated trunk')),
});

const ApplicationSchema = strict({
  clientId: RoutePointNumber,
  secret: secret(CONFIG_LIMITS.minSecretChars),
  monitor: Type.Optional(Type.Array(DnReference, { maxItems: CONFIG_LIMITS.maxMonitoredDnsPerApplication })),
  streamMonitoredDns: Type.Optional(Type.Boolean()),
});

// One shape for both rule forms: "exactly one of number and pattern" is a cross-check with a clearer message than a union's.
const ExternalRuleSchema = strict({
  number: Type.Optional(ExternalNumber),
  pattern: Type.Optional(text(1, CONFIG_LIMITS.maxPatternChars, 'a regular expression')),
  behaviour: BehaviourSchema,
  callerName: Type.Optional(Name),
});

// Outbound routes: a dialled-number prefix ('' matches every number) or a whole-number pattern, and the trunk it leaves by.
// "Exactly one of prefix and pattern" and "trunk names a trunk" are cross-checks, with clearer messages than a union's.
const OutboundRuleSchema = strict({
  prefix: Type.Optional(numberText(/^\+?[0-9*#]{0,32}$/, 0, Number.MAX_SAFE_INTEGER, 'a number prefix (up to 32 digits, * or #, optional leading +)')),
  pattern: Type.Optional(text(1, CONFIG_LIMITS.maxPatternChars, 'a regular expression')),
  trunk: DnNumber,
});

const ServerSchema = strict({
  host: Type.Optional(Identifier),
  port: Type.Optional(integer(1, 65_535)),
  dataDir: Type.Optional(FilePath),
  ringTimeoutSeconds: Type.Optional(Seconds),
  tokenLifetimeSeconds: Type.Optional(integer(60, 86_400, ' (seconds)')),
  oneLiveTokenPerApplication: Type.Optional(Type.Boolean()),
  logLevel: Type.Optional(Type.Enum([...LOG_LEVELS])),
  sim: Type.Optional(
    strict({
      enabled: Type.Optional(Type.Boolean()),
      adminKey: Type.Optional(Type.Union([secret(CONFIG_LIMITS.minAdminKeyChars), Type.Null()], { expected: `a string of ${CONFIG_LIMITS.minAdminKeyChars} to ${CONFIG_LIMITS.maxTextChars} characters, or null`, sensitive: true })),
    }),
  ),
  sip: Type.Optional(
    strict({
      enabled: Type.Optional(Type.Boolean()),
      host: Type.Optional(Identifier),
      port: Type.Optional(integer(0, 65_535)),
      transports: Type.Optional(Type.Array(Type.Enum([...SIP_TRANSPORTS]), { minItems: 1, maxItems: 2, expected: 'a list of udp and/or tcp' })),
      realm: Type.Optional(Identifier),
      algorithms: Type.Optional(Type.Array(Type.Enum([...SIP_ALGORITHMS]), { minItems: 1, maxItems: 2, expected: 'a list of MD5 and/or SHA-256' })),
      banSeconds: Type.Optional(integer(1, 86_400, ' (seconds)')),
      tls: Type.Optional(strict({ enabled: Type.Optional(Type.Boolean()), port: Type.Optional(integer(0, 65_535)) })),
      rtp: Type.Optional(strict({ address: Type.Optional(Identifier), portMin: Type.Optional(integer(1024, 65_535)), portMax: Type.Optional(integer(1024, 65_535)) })),
    }),
  ),
  tls: Type.Optional(
    strict({
      enabled: Type.Optional(Type.Boolean()),
      cert: Type.Optional(Type.Union([FilePath, Type.Null()], { expected: 'a file path, or null' })),
      key: Type.Optional(Type.Union([FilePath, Type.Null()], { expected: 'a file path, or null' })),
      names: Type.Optional(Type.Array(Identifier, { maxItems: 32 })),
    }),
  ),
});

function dnList<Schema extends TSchema>(item: Schema) {
  return Type.Optional(Type.Array(item, { maxItems: CONFIG_LIMITS.maxDns }));
}

/** The whole file. Every section is optional; coherence across sections is checked by the loader. */
export const PbxConfigFileSchema = strict(
  {
    server: Type.Optional(ServerSchema),
    extensions: dnList(ExtensionSchema),
    routePoints: dnList(RoutePointSchema),
    ivrs: dnList(IvrSchema),
    queues: dnList(QueueSchema),
    trunks: dnList(TrunkSchema),
    applications: Type.Optional(Type.Array(ApplicationSchema, { maxItems: CONFIG_LIMITS.maxApplications })),
    external: Type.Optional(
      strict({
        default: Type.Optional(BehaviourSchema),
        numbers: Type.Optional(Type.Array(ExternalRuleSchema, { maxItems: CONFIG_LIMITS.maxExternalRules })),
      }),
    ),
    outbound: Type.Optional(Type.Array(OutboundRuleSchema, { maxItems: CONFIG_LIMITS.maxOutboundRules })),
  },
  { expected: 'a mapping of sections (server, extensions, routePoints, ivrs, queues, trunks, applications, external, outbound)' },
);

/** The configuration file's content as written, before defaults: what {@link PbxConfigFileSchema} accepts. */
export type PbxConfigFile = Static<typeof PbxConfigFileSchema>;
