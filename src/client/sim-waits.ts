// Waiting for a simulated party to reach a status, or to leave the call, by reading /sim/live (no polling): with timeouts.

import { WebSocket } from 'ws';
import { LIVE_KEY_PROTOCOL_PREFIX, LIVE_PROTOCOL, type LiveMessage, type LiveParticipant } from './live-protocol.js';
import { DEFAULT_WAIT_TIMEOUT_MS, WaitTimeoutError } from './waits.js';

export interface PartyWaitOptions {
  /** How long to wait before rejecting with WaitTimeoutError (default 10 s). */
  timeoutMs?: number;
}

/** What the wait looks for in each state the feed sends: the party's live record, or undefined when it is in no call. */
type Condition = (party: LiveParticipant | undefined) => boolean;

/**
 * Opens /sim/live with the admin key and resolves once a state it sends (the first one is the present) satisfies
 * `condition` for party `id`. Rejects on timeout, a refused key (the socket's upgrade fails) or a closed feed.
 */
export function waitForLiveParty(baseUrl: string, adminKey: string, id: number, condition: Condition, what: string, options: PartyWaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const url = `${baseUrl.replace(/^http/, 'ws')}/sim/live`;
  const socket = new WebSocket(url, [LIVE_PROTOCOL, `${LIVE_KEY_PROTOCOL_PREFIX}${Buffer.from(adminKey).toString('base64url')}`]);
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // closing a socket still connecting reports an error: nobody waits for it now
      socket.close();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new WaitTimeoutError(`${what} did not happen within ${timeoutMs} ms`)), timeoutMs);
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as LiveMessage;
      if (!message.state) return; // an update without a state change
      const party = message.state.calls.flatMap((call) => call.participants).find((participant) => participant.id === id);
      if (condition(party)) finish();
    });
    socket.on('unexpected-response', (_request, response) => finish(new Error(`${url} refused the live feed: ${response.statusCode}${response.statusCode === 401 ? ' (the admin key was refused)' : ''}`)));
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`${url} closed before ${what}`)));
  });
}
