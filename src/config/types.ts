// The validated, defaults-applied PBX configuration: what the loader produces and the core and endpoints consume.

/** How a simulated phone or external number reacts when offered a call. */
export type Behaviour =
  | { kind: 'answer'; afterMs: number } // answers by itself after afterMs
  | { kind: 'manual' } // rings until told to answer (or the ring timeout)
  | { kind: 'busy' } // refuses at once: busy
  | { kind: 'reject' } // refuses at once: declined
  | { kind: 'never' } // rings and never answers
  | { kind: 'unreachable' }; // cannot be reached at all

export type BehaviourKind = Behaviour['kind'];

/** A phone of an extension. */
export interface DeviceConfig {
  id: string;
  userAgent: string;
  /** uaCSTA: the PBX can make the device answer and go off-hook by itself. */
  directControl: boolean;
  /** Unregistered devices exist in configuration but are not visible or reachable until registered. */
  registered: boolean;
  behaviour: Behaviour;
}

/** The single device of a route point, IVR, queue or trunk. */
export interface SystemDeviceConfig {
  id: string;
  userAgent: string;
}

export interface ExtensionConfig {
  number: string;
  name: string;
  devices: DeviceConfig[];
  /** SIP credentials for phones registering to this extension; null: no SIP phone can register here. */
  sip: ExtensionSipConfig | null;
}

export interface ExtensionSipConfig {
  /** The digest username a phone presents; defaults to the extension number. */
  authId: string;
  password: string;
  /** How a makecall from this extension's SIP phones makes them go off-hook by themselves; 'none': they ring first. */
  autoAnswer: SipAutoAnswer;
}

/**
 * The auto-answer a SIP phone understands: 'call-info' sends `Call-Info: <uri>;answer-after=0` (Polycom, Yealink,
 * Snom, baresip), 'answer-mode' sends RFC 5373 `Answer-Mode: Auto`. Any but 'none' gives the phone direct control.
 */
export type SipAutoAnswer = 'none' | 'call-info' | 'answer-mode';

/** Where RTP media of SIP calls is sent from: one address and an even/odd port range. */
export interface SipRtpConfig {
  address: string;
  portMin: number;
  portMax: number;
}

export type SipTransportName = 'udp' | 'tcp';
export type SipAlgorithm = 'MD5' | 'SHA-256';

export interface SipConfig {
  /** false: no SIP listener at all. */
  enabled: boolean;
  host: string;
  /** UDP and TCP share it; 0 picks a free port. */
  port: number;
  transports: SipTransportName[];
  /** The digest realm of challenges. */
  realm: string;
  /** Digest algorithms offered, one challenge each, in this order. */
  algorithms: SipAlgorithm[];
  /** How long a source address that failed authentication too often is refused, in seconds. */
  banSeconds: number;
  /** SIP over TLS on its own port, with the API's certificate material (server.tls.cert/key or the self-signed one). */
  tls: SipTlsConfig;
  rtp: SipRtpConfig;
}

export interface SipTlsConfig {
  /** false (the default): no TLS listener. */
  enabled: boolean;
  /** 0 picks a free port. */
  port: number;
}

export interface RoutePointConfig {
  number: string;
  name: string;
  /** Answer offered calls at once (default true); when false the application answers. */
  autoAnswer: boolean;
  device: SystemDeviceConfig;
}

export interface IvrConfig {
  number: string;
  name: string;
  device: SystemDeviceConfig;
  /** Path to a WAV prompt (absolute, resolved against the config file's folder), or null for the generated default. */
  prompt: string | null;
  /** One-key menu: key ("0"-"9", "*", "#") -> destination number. */
  menu: Record<string, string>;
  /** Seconds without input before the call goes to timeoutDestination. */
  timeoutSeconds: number;
  /** Where the call goes when no key is pressed in time; null hangs up. */
  timeoutDestination: string | null;
}

export type QueueStrategy = 'ring-all' | 'in-order';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface QueueConfig {
  number: string;
  name: string;
  device: SystemDeviceConfig;
  /** Extension numbers, in order. */
  agents: string[];
  strategy: QueueStrategy;
  /** How long one ring attempt lasts: each agent in turn (in-order) or all agents at once (ring-all). */
  ringSeconds: number;
  /** How long a caller may wait in the queue before overflow. */
  holdTimeoutSeconds: number;
  /** Where callers go on hold timeout; null hangs up. */
  overflowDestination: string | null;
  /** Path to a WAV file for hold music, or null for the generated default. */
  holdMusic: string | null;
}

export interface DidConfig {
  /** The dialled number as it arrives from the carrier, E.164 (for example +15550100). */
  number: string;
  /** Internal DN the DID routes to. */
  destination: string;
}

export interface TrunkConfig {
  number: string;
  name: string;
  device: SystemDeviceConfig;
  dids: DidConfig[];
  /** A real SIP provider (or another PBX) behind the trunk; absent: the trunk leads to simulated external parties. */
  sip?: TrunkSipConfig;
}

export type TrunkTransportName = 'udp' | 'tcp' | 'tls';

/** Where the caller's number goes on a call out through the trunk. */
export type TrunkCallerIdHeader = 'from' | 'pai' | 'rpid';

/** Where the dialled DID is read from an inbound INVITE: its Request-URI, its To, or a header of its own. */
export type TrunkDidSource = 'request-uri' | 'to' | { header: string };

/** How the provider writes numbers out: +E.164, E.164 without the plus, or national/international dialling form. */
export type TrunkNumberStyle = 'e164' | 'e164-digits' | 'national';

/** Number normalisation between the provider's forms and E.164 (the PBX's form). */
export interface TrunkNumberFormat {
  /** The trunk's country calling code, digits only (44, 1). */
  countryCode: string;
  /** Dialled before a national number ('0' in most of Europe, '' for none). */
  nationalPrefix: string;
  /** Dialled before a country code ('00', '011'). */
  internationalPrefix: string;
  /** The form numbers are sent to the provider in. */
  outbound: TrunkNumberStyle;
}

export interface TrunkSipConfig {
  /** The provider's host name or IP address. */
  host: string;
  port: number;
  transport: TrunkTransportName;
  /** Register to the provider (registration mode); false: IP-peer mode, the provider sends from `peers`. */
  register: boolean;
  /** The user of the registered address (sip:username@host); null when not given (IP-peer mode). */
  username: string | null;
  /** The digest username; defaults to username. */
  authId: string | null;
  /** The digest password. Never printed or logged. */
  password: string | null;
  /** The registration expiry asked for, in seconds (the provider may grant another). */
  expiresSeconds: number;
  /** Source addresses (IPv4/IPv6 literals or CIDR) INVITEs may come from in IP-peer mode. */
  peers: string[];
  callerId: TrunkCallerIdHeader;
  didFrom: TrunkDidSource;
  /** null: numbers pass as the provider writes them (visual separators dropped). */
  numbers: TrunkNumberFormat | null;
}

export interface ApplicationConfig {
  /** The application's route point DN; used as the OAuth2 client_id. */
  clientId: string;
  /** The API key, used as the OAuth2 client_secret. */
  secret: string;
  /** DNs the application may see and control besides its own route point. */
  monitor: string[];
  /**
   * Switchboard extension: serve audio streams for participants of monitored DNs too. 3CX serves streams only for
   * the application's own route point and answers 424 otherwise, which is the default (false).
   */
  streamMonitoredDns?: boolean;
}

/** A behaviour for external numbers matching exactly (`number`) or by regular expression (`pattern`, whole-number match). */
export type ExternalNumberRule =
  | { number: string; behaviour: Behaviour; callerName: string }
  | { pattern: string; behaviour: Behaviour; callerName: string };

/** An outbound route: numbers starting with `prefix` ('' matches all), or matching `pattern` as a whole, leave through trunk DN `trunk`. */
export type OutboundRuleConfig = { prefix: string; trunk: string } | { pattern: string; trunk: string };

export interface ExternalConfig {
  /** What every external number not matched by a rule does. */
  defaultBehaviour: Behaviour;
  /** Checked in order; the first match wins. */
  numbers: ExternalNumberRule[];
}

export interface SimConfig {
  enabled: boolean;
  /** The /sim admin key, or null to take it from SWITCHBOARD_ADMIN_KEY or generate one at start. */
  adminKey: string | null;
}

export interface TlsConfig {
  /** Serve HTTPS and WSS on the same port as plain HTTP (the first byte of a connection tells which). */
  enabled: boolean;
  /** PEM certificate and key files; both null: a self-signed certificate kept in the data folder. */
  cert: string | null;
  key: string | null;
  /** Extra DNS names or IP addresses the self-signed certificate covers, besides localhost, 127.0.0.1 and ::1. */
  names: string[];
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Folder for state kept across restarts (signing key, certificates, event sequence mark). Resolved against the config file's folder. */
  dataDir: string;
  /** How long an offered call rings before it counts as not answered, unless a request gives its own timeout. */
  ringTimeoutSeconds: number;
  /** Lifetime of access tokens (the JWT's exp - iat). */
  tokenLifetimeSeconds: number;
  /** When true, issuing a token revokes the application's previous ones. */
  oneLiveTokenPerApplication: boolean;
  /** Structured logs on standard output: one line per request at info, call lifecycle at debug; silent for none. */
  logLevel: LogLevel;
  sim: SimConfig;
  tls: TlsConfig;
  sip: SipConfig;
}

export interface PbxConfig {
  server: ServerConfig;
  extensions: ExtensionConfig[];
  routePoints: RoutePointConfig[];
  ivrs: IvrConfig[];
  queues: QueueConfig[];
  trunks: TrunkConfig[];
  applications: ApplicationConfig[];
  external: ExternalConfig;
  /** Which trunk external numbers leave through, checked in order; absent or empty: every number through the first trunk. */
  outbound?: OutboundRuleConfig[];
}
