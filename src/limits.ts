// Every bound the server enforces, in one place, with units in the names (DESIGN.md principle 7).

/** Most key/value pairs attached to one participant; more is refused with InvalidArgument. */
export const MAX_ATTACHED_DATA_ENTRIES = 64;
/** Longest attached-data key, in characters. */
export const MAX_ATTACHED_DATA_KEY_CHARS = 128;
/** Longest attached-data value, in characters. */
export const MAX_ATTACHED_DATA_VALUE_CHARS = 4096;
/** Longest destination accepted by makecall/divert/routeto/transferto, in characters. */
export const MAX_DESTINATION_CHARS = 64;
/** Longest digit string one DTMF request may carry. */
export const MAX_DTMF_DIGITS = 64;
/** Most calls alive at once; a new call beyond it is refused with DestinationUnreachable. */
export const MAX_ACTIVE_CALLS = 20_000;
/** Calls ended per event-loop turn by /sim/reset and shutdown, so requests and media go on while thousands end. */
export const END_CALLS_SLICE_CALLS = 500;
/** Longest ring timeout or call timeout a request may ask for, in seconds. */
export const MAX_TIMEOUT_SECONDS = 3600;

// ---------------------------------------------------------------- configuration (src/config)

/** Size limits that make a huge or hostile configuration file fail cleanly instead of exhausting memory. */
export const CONFIG_LIMITS = {
  maxFileBytes: 16 * 1024 * 1024,
  /** DNs of all kinds together (extensions, route points, IVRs, queues, trunks). */
  maxDns: 10_000,
  maxDevicesPerExtension: 16,
  maxAgentsPerQueue: 1_000,
  maxDidsPerTrunk: 10_000,
  maxApplications: 1_000,
  maxMonitoredDnsPerApplication: 10_000,
  maxExternalRules: 10_000,
  maxOutboundRules: 10_000,
  /** Source addresses (or CIDR blocks) one SIP trunk accepts in IP-peer mode. */
  maxTrunkPeers: 100,
  maxTextChars: 200,
  maxPathChars: 4_096,
  maxPatternChars: 1_000,
  /** Shortest application secret (client_secret), in the file and in SWITCHBOARD_DEMO_SECRET. */
  minSecretChars: 8,
  /** Shortest /sim admin key, in the file and in SWITCHBOARD_ADMIN_KEY. */
  minAdminKeyChars: 16,
  /** Alias expansions per file; more is a "billion laughs" file. */
  maxYamlAliasCount: 100,
  /** Raw schema errors gathered per check (several can describe one problem). */
  maxSchemaErrorsCollected: 1_000,
  /** ConfigError's message lists this many problems, then says how many more there are. */
  maxProblemsShown: 100,
} as const;

// ---------------------------------------------------------------- HTTP API (src/api)

/** Largest request body the HTTP API reads, in bytes (JSON and token forms); larger is refused with 413. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;
/** Longest path parameter (DN, percent-encoded device id, participant id), in characters; longer finds no route (404). */
export const MAX_PATH_PARAM_CHARS = 1024;
/** How long a pending action or DN-form makecall waits for its outcome when the body gives no timeout (or 0), in seconds. */
export const DEFAULT_ACTION_TIMEOUT_SECONDS = 30;
/** Failed token requests one client id may make within TOKEN_FAILURE_WINDOW_SECONDS before it gets 429. */
export const TOKEN_MAX_FAILED_ATTEMPTS = 5;
/** The window in which failed token requests of one client id are counted, in seconds (from the first failure). */
export const TOKEN_FAILURE_WINDOW_SECONDS = 60;
/**
 * Unknown client ids whose failed token requests are remembered at once; beyond it the oldest unknown record is
 * forgotten. Configured clients have their own table (one record each), which unknown ids never touch.
 */
export const MAX_TOKEN_FAILURE_ENTRIES = 10_000;
/** Longest client id the token endpoint will consider (configured ids are at most 20 characters), in characters. */
export const MAX_CLIENT_ID_CHARS = 64;
/** Most fields a multipart token request may carry. */
export const MAX_TOKEN_FORM_FIELDS = 16;
/** How far in the future a token's `iat` may lie (clock skew), in seconds; further is refused with 401. */
export const MAX_TOKEN_ISSUED_AT_SKEW_SECONDS = 60;
/** Verified access tokens remembered so their signature is checked once (expiry and revocation are checked every time). */
export const MAX_VERIFIED_TOKENS = 1024;
/** Largest value of one multipart token request field, in bytes. */
export const MAX_TOKEN_FIELD_BYTES = 4096;

/** Bytes queued on one event socket beyond which the client counts as not reading and is closed (1008). */
export const WS_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Socket requests one event socket may have pending at once; more are answered 429. */
export const MAX_WS_INFLIGHT_REQUESTS = 16;
/** Largest client frame the event socket accepts, in bytes; larger closes the socket (1009). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;
/**
 * Warning lines about client protocol errors (bad WebSocket frames, broken connections) written per kind within
 * CLIENT_ERROR_WARNING_WINDOW_MS; later ones are counted and the count is reported on the next window's first line.
 */
export const CLIENT_ERROR_WARNINGS_PER_WINDOW = 10;
export const CLIENT_ERROR_WARNING_WINDOW_MS = 60_000;
/** A quiet event socket is pinged after this long, and terminated if still silent one interval later. */
export const WS_PING_INTERVAL_MS = 30_000;

/** A connection that sends no byte within this time after connecting is closed (it could be neither HTTP nor TLS). */
export const FIRST_BYTE_TIMEOUT_MS = 10_000;
/** A TLS handshake not finished this long after its first byte is abandoned (the connection closed), in ms. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * A request head (request line and headers) must be complete this long after the connection opened (plain HTTP),
 * after the TLS handshake ended, or after the first byte of a later request on a kept-alive connection; else 408
 * and close. A total, so a client trickling one header line at a time cannot hold the connection.
 */
export const HTTP_HEAD_TIMEOUT_MS = 10_000;
/** Longest silence while a request body is still arriving, in ms; then 408 and close. Uploads that keep sending run for ever. */
export const HTTP_BODY_IDLE_TIMEOUT_MS = 10_000;
/** Longest silence between requests on a kept-alive connection, in ms; then the connection is closed. */
export const HTTP_IDLE_TIMEOUT_MS = 30_000;
/** How often the connection deadlines are checked, in ms: a connection is cut off at most this late. */
export const HTTP_DEADLINE_CHECK_INTERVAL_MS = 1000;
/**
 * Connections open at once from one source address; one more is closed at once, unread. Room for one application's
 * MAX_STREAMS_PER_APPLICATION audio streams plus its event sockets and REST connections, twice over.
 */
export const MAX_CONNECTIONS_PER_SOURCE = 8192;
/** On shutdown, connections still open this long after being ended are destroyed, in milliseconds. */
export const CLOSE_GRACE_MS = 1000;

// ---------------------------------------------------------------- audio (src/media engine, /callcontrol streams, /sim audio)
// The upload queue's marks (5 s high water, 2 s low water, 15 s hard limit) live with ByteQueue in src/media/format.ts.

/** Unsent bytes on one GET .../stream response above which new frames are skipped for that reader (1 s of audio). */
export const STREAM_MAX_UNSENT_BYTES = 16_000;
/** Readers (GET .../stream) one participant may have at once; one more is refused with 429 TooManyStreams. */
export const MAX_STREAM_READERS_PER_PARTICIPANT = 16;
/**
 * Audio streams (GET readers plus POST uploads) one application may have open at once across all its participants;
 * one more is refused with 429 TooManyStreams. Enough for 2,048 calls each with one reader and one upload.
 */
export const MAX_STREAMS_PER_APPLICATION = 4096;
/** Frames the media clock processes in one wake-up to catch up on lag (200 ms); beyond it the missed frames are skipped. */
export const MEDIA_MAX_CATCHUP_FRAMES = 10;
/** An upload starts playing (and resumes after running dry) once this much audio is queued or it has ended, in ms. */
export const UPLOAD_START_BUFFER_MS = 60;
/** Audio all recorders of simulated parties may hold together, in bytes (about 35 minutes); beyond it nothing more is recorded. */
export const MAX_RECORDING_TOTAL_BYTES = 32 * 1024 * 1024;
/** Recordings of parties that left which are kept for GET /sim/parties/{id}/recording; beyond it the oldest is dropped. */
export const MAX_KEPT_RECORDINGS = 64;
/** Largest body of POST /sim/parties/{id}/audio (a WAV or raw PCM), in bytes. */
export const MAX_SIM_AUDIO_BODY_BYTES = 16 * 1024 * 1024;
/** Numbers and devices that may have their own media behaviour at once (PUT /sim/media/...). */
export const MAX_SIM_MEDIA_ENTRIES = 10_000;
/** Distinct WAV files media behaviours may play at once (each decoded once and kept in memory). */
export const MAX_SIM_MEDIA_WAV_FILES = 32;

// ---------------------------------------------------------------- RTP media plane (src/media/rtp)

/** Audio one jitter buffer holds ahead of its playout point, in ms; a packet reaching further drops the oldest audio (counted). */
export const JITTER_MAX_DEPTH_MS = 500;
/** Longest RTP packet accepted and longest ptime sent, in ms (RFC 3551 G.711: 10-60 ms in practice); longer is refused (counted). */
export const JITTER_MAX_PACKET_MS = 60;
/** Digits one RTP session queues behind the RFC 4733 event it is sending; one more is refused. */
export const RTP_MAX_QUEUED_DIGITS = 64;
/** Default RTP port range (even ports for RTP, the next odd one for RTCP): it bounds the sessions at once to 5,000 pairs. */
export const DEFAULT_RTP_MIN_PORT = 10000;
export const DEFAULT_RTP_MAX_PORT = 20000;

// ---------------------------------------------------------------- web console live feed (/sim/live)

/** Changes are gathered and sent at most this often (levels included: 10 pushes per second). */
export const LIVE_PUSH_INTERVAL_MS = 100;
/** The state is rebuilt and compared at least this often, for changes that emit no PBX event (behaviours). */
export const LIVE_STATE_CHECK_INTERVAL_MS = 1000;
/** Event frames kept for a console that (re)connects. */
export const LIVE_RECENT_FRAMES = 500;
/** Participants that left, with their removal cause, kept for GET /sim/removals and the console (oldest dropped). */
export const SIM_RECENT_REMOVALS = 500;
/** Bytes queued on a console socket beyond which it gets nothing until it drains, then a fresh snapshot. */
export const LIVE_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Consoles connected at once. */
export const MAX_LIVE_SOCKETS = 16;

/** SIP registrar: failed digest authentications a source address may make within the window before it is banned. */
export const SIP_MAX_AUTH_FAILURES = 20;
/** The window those failures are counted in, in seconds. */
export const SIP_AUTH_FAILURE_WINDOW_SECONDS = 600;
/** Most source addresses whose failures are tracked at once; the least recently failing is forgotten beyond it. */
export const MAX_SIP_BAN_ENTRIES = 10_000;
/** Longest wait for the provider's answer to a trunk's unregister (Expires: 0) when the server stops, in milliseconds. */
export const SIP_TRUNK_UNREGISTER_WAIT_MS = 2_000;
