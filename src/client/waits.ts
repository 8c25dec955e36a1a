// Waiting for a participant to reach a state, or to leave, by reading the event socket (no polling): with timeouts.

import type { CallControlClient } from './call-control.js';
import { parseEntity, participantPath } from './entities.js';
import { CallControlError } from './errors.js';
import { EventType, type EventStream } from './events.js';
import type { Participant } from './types.js';

/** Which participant to wait for: one with these fields (e.g. `{status: 'Connected'}`), or a test of your own. */
export type ParticipantMatch = Partial<Pick<Participant, 'id' | 'status' | 'callid' | 'party_caller_id' | 'party_dn' | 'device_id'>> | ((participant: Participant) => boolean);

export interface WaitOptions {
  /** How long to wait before rejecting (default 10 s). */
  timeoutMs?: number;
  /** An event stream that is already open (it must have been ready before the awaited change); one is opened and closed otherwise. */
  stream?: EventStream;
  signal?: AbortSignal;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;

/** The error of a wait that ran out of time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

function matcher(match: ParticipantMatch): (participant: Participant) => boolean {
  if (typeof match === 'function') return match;
  const wanted = Object.entries(match);
  return (participant) => wanted.every(([key, value]) => participant[key as keyof Participant] === value);
}

/** Runs `body` with the stream given, or with one opened (and ready) for it and closed afterwards; bounded by the options. */
async function withStream<T>(client: CallControlClient, options: WaitOptions, what: string, body: (stream: EventStream, signal: AbortSignal, timeoutMs: number) => Promise<T>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const stream = options.stream ?? client.events({ signal });
  try {
    await stream.ready();
    return await body(stream, signal, timeoutMs);
  } catch (error) {
    if (timeout.aborted) throw new WaitTimeoutError(`${what} did not happen within ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    if (!options.stream) stream.close();
  }
}

/** The participant as it is now, or undefined when it has gone (404). */
async function reread(client: CallControlClient, entity: string, signal: AbortSignal): Promise<Participant | undefined> {
  try {
    return await client.getEntity<Participant>(entity, { signal });
  } catch (error) {
    if (error instanceof CallControlError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Resolves with the first participant of `dn` that matches, as re-read after its Upsert (or already matching when
 * called). A participant that leaves before it matches is skipped; the wait goes on for another.
 */
export async function waitForParticipant(client: CallControlClient, dn: string, match: ParticipantMatch, options: WaitOptions = {}): Promise<Participant> {
  const test = matcher(match);
  return withStream(client, options, `a participant of ${dn} matching ${typeof match === 'function' ? 'the test' : JSON.stringify(match)}`, async (stream, signal, timeoutMs) => {
    // After ready(): a change from now on arrives as a frame, so checking the present first misses nothing.
    const present = (await client.listParticipants(dn, { signal })).find(test);
    if (present) return present;
    for (;;) {
      const frame = await stream.waitFor({ type: EventType.Upsert, dn }, { timeoutMs, signal });
      if (parseEntity(frame.event.entity)?.kind !== 'participant') continue;
      const participant = await reread(client, frame.event.entity, signal);
      if (participant && test(participant)) return participant;
    }
  });
}

/** Resolves once participant `id` of `dn` has left (its Remove arrived, or it is already gone). */
export async function waitForRemoval(client: CallControlClient, dn: string, id: number, options: WaitOptions = {}): Promise<void> {
  const entity = participantPath(dn, id);
  await withStream(client, options, `the removal of ${entity}`, async (stream, signal, timeoutMs) => {
    if ((await reread(client, entity, signal)) === undefined) return;
    await stream.waitFor((frame) => frame.event.event_type === EventType.Remove && frame.event.entity === entity, { timeoutMs, signal });
  });
}
