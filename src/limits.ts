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
