// Requests over the event socket: {"RequestID","Path","RequestData"} runs the POST at Path and answers with a Response event.

/** A socket request, validated. */
export interface SocketRequest {
  requestId: unknown;
  path: string;
  data: unknown;
}

export type ParsedMessage =
  | { kind: 'ignore' } // not a request: ignored, never a reason to close
  | { kind: 'request'; request: SocketRequest }
  | { kind: 'invalid'; requestId: unknown; path: string; message: string };

const ACTION_PATH = /^\/callcontrol\/[^/?#]+\/(?:participants\/[^/?#]+\/[^/?#]+|makecall|devices\/[^/?#]+\/makecall)$/;

/**
 * The value of `name` in `record`, its key matched case-insensitively as REST body fields are (clients send
 * `RequestId` and `requestID` too); an exact match wins, then the first key that matches.
 */
function field(record: Record<string, unknown>, name: string): { found: boolean; value: unknown } {
  if (Object.hasOwn(record, name)) return { found: true, value: record[name] };
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? { found: false, value: undefined } : { found: true, value: record[key] };
}

/**
 * Classifies a client text frame. A JSON object with a RequestID or Path key (any letter case) is a request; anything else (pings
 * in text, subscriptions other servers want, garbage) is ignored. Only POSTable /callcontrol paths may be run.
 */
export function parseSocketMessage(text: string): ParsedMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { kind: 'ignore' };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return { kind: 'ignore' };
  const record = message as Record<string, unknown>;
  const id = field(record, 'RequestID');
  const pathField = field(record, 'Path');
  if (!id.found && !pathField.found) return { kind: 'ignore' };
  const requestId = id.value ?? null;
  const path = pathField.value;
  if (typeof path !== 'string' || path.length === 0) return { kind: 'invalid', requestId, path: '', message: 'Path must be the /callcontrol path of an action, e.g. /callcontrol/800/participants/7/drop' };
  if (path.length > 2048 || !ACTION_PATH.test(path)) {
    return { kind: 'invalid', requestId, path: path.slice(0, 2048), message: `Path '${path.slice(0, 200)}' is not a makecall or participant action path under /callcontrol` };
  }
  const data = field(record, 'RequestData').value ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { kind: 'invalid', requestId, path, message: 'RequestData must be an object' };
  return { kind: 'request', request: { requestId, path, data } };
}
