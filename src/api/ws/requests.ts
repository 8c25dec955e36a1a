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
 * Classifies a client text frame. A JSON object with a RequestID or Path key is a request; anything else (pings
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
  if (!('RequestID' in record) && !('Path' in record)) return { kind: 'ignore' };
  const requestId = record['RequestID'] ?? null;
  const path = record['Path'];
  if (typeof path !== 'string' || path.length === 0) return { kind: 'invalid', requestId, path: '', message: 'Path must be the /callcontrol path of an action, e.g. /callcontrol/800/participants/7/drop' };
  if (path.length > 2048 || !ACTION_PATH.test(path)) {
    return { kind: 'invalid', requestId, path: path.slice(0, 2048), message: `Path '${path.slice(0, 200)}' is not a makecall or participant action path under /callcontrol` };
  }
  const data = record['RequestData'] ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { kind: 'invalid', requestId, path, message: 'RequestData must be an object' };
  return { kind: 'request', request: { requestId, path, data } };
}
