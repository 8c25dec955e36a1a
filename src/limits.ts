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
/** Longest ring timeout or call timeout a request may ask for, in seconds. */
export const MAX_TIMEOUT_SECONDS = 3600;

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
/** Client ids whose failed token requests are remembered at once; beyond it the oldest record is forgotten. */
export const MAX_TOKEN_FAILURE_ENTRIES = 10_000;
/** Longest client id the token endpoint will consider (configured ids are at most 20 characters), in characters. */
export const MAX_CLIENT_ID_CHARS = 64;
/** Most fields a multipart token request may carry. */
export const MAX_TOKEN_FORM_FIELDS = 16;
/** Largest value of one multipart token request field, in bytes. */
export const MAX_TOKEN_FIELD_BYTES = 4096;

/** Bytes queued on one event socket beyond which the client counts as not reading and is closed (1008). */
export const WS_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Socket requests one event socket may have pending at once; more are answered 429. */
export const MAX_WS_INFLIGHT_REQUESTS = 16;
/** Largest client frame the event socket accepts, in bytes; larger closes the socket (1009). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;
/** A quiet event socket is pinged after this long, and terminated if still silent one interval later. */
export const WS_PING_INTERVAL_MS = 30_000;
