// Every bound the SIP stack enforces, in one place, with units in the names.

/** Largest SIP message accepted (start line, headers and body), in bytes; larger is refused with 413 or dropped. */
export const MAX_SIP_MESSAGE_BYTES = 64 * 1024;
/** Largest header section (start line to the blank line), in bytes. */
export const MAX_SIP_HEADER_SECTION_BYTES = 16 * 1024;
/** Most header lines (after unfolding, before comma splitting) in one message. */
export const MAX_SIP_HEADER_LINES = 256;
/** Most header values after comma splitting (Via, Contact, Route...), all headers together. */
export const MAX_SIP_HEADER_VALUES = 512;
/** Longest single header line after unfolding, in bytes. */
export const MAX_SIP_LINE_BYTES = 8 * 1024;
/** Largest body, in bytes. */
export const MAX_SIP_BODY_BYTES = 48 * 1024;
/** Most parameters on one URI or header value. */
export const MAX_SIP_PARAMS = 64;
/** Bytes a stream connection may buffer while waiting for the rest of a message; beyond it the connection is closed. */
export const MAX_SIP_STREAM_BUFFER_BYTES = MAX_SIP_MESSAGE_BYTES + 4 * 1024;

/** Most stream (TCP/TLS) connections open at once, inbound and outbound together; a new inbound one beyond it is closed at once. */
export const MAX_SIP_CONNECTIONS = 1_024;
/** A stream connection with no traffic for this long is closed, in milliseconds. */
export const SIP_CONNECTION_IDLE_MS = 5 * 60_000;

/** Most transactions (client and server together) alive at once; a new server transaction beyond it is answered 503, a new client one refused. */
export const MAX_SIP_TRANSACTIONS = 20_000;

/** RFC 3261 §17.1.1.1 timer values, in milliseconds. */
export const SIP_T1_MS = 500;
export const SIP_T2_MS = 4_000;
export const SIP_T4_MS = 5_000;

/** Digest nonces live this long before a request carrying one is answered with stale=true, in milliseconds. */
export const SIP_NONCE_LIFETIME_MS = 5 * 60_000;
/** Most nonces remembered at once (for nonce-count replay checks); the oldest is forgotten beyond it. */
export const MAX_SIP_NONCES = 10_000;
