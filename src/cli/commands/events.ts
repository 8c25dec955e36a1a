// `switchboard events`: tails the application's event socket, one readable line (or raw JSON) per frame.

import { CallControlError } from '../../client/errors.js';
import { parseEntity } from '../../client/entities.js';
import { EventType, type EventFrame } from '../../client/events.js';
import type { CallControlClient } from '../../client/call-control.js';
import type { Participant } from '../../client/types.js';
import { describeFrame, describeParticipant } from '../format.js';
import { callControlClient, parseCommand, parseCount, stringFlag } from '../options.js';
import { removeReadyFile, writeReadyFile } from '../ready-file.js';

export const EVENTS_USAGE = `Usage: switchboard events [--json] [--count N] [--ready-file PATH]
  One line per frame (#sequence type entity, and for a participant Upsert its status as re-read);
  --json prints each frame as received. Runs until Ctrl+C, or until N frames have arrived.
  --ready-file PATH is written once the socket is open (\`switchboard wait --file PATH\` waits for it).`;

// The participant an Upsert names, re-read as 3CX clients do; a short note when it cannot be.
async function upsertDetail(client: CallControlClient, frame: EventFrame): Promise<string | undefined> {
  if (frame.event.event_type !== EventType.Upsert || parseEntity(frame.event.entity)?.kind !== 'participant') return undefined;
  try {
    return describeParticipant(await client.getEntity<Participant>(frame.event.entity));
  } catch (error) {
    if (error instanceof CallControlError) return error.status === 404 ? '(gone)' : `(not readable: ${error.status} ${error.reason})`;
    throw error;
  }
}

export async function events(argv: string[]): Promise<number> {
  const { values, settings } = parseCommand(argv, { count: { type: 'string' }, 'ready-file': { type: 'string' } }, []);
  const readyFile = stringFlag(values, 'ready-file');
  const count = values.count === undefined ? Number.POSITIVE_INFINITY : parseCount(String(values.count), '--count', 1, 1_000_000);
  const client = callControlClient(settings);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await client.accessToken(); // an unreachable server or refused credentials end the command here, in one line
    let lost = false;
    const stream = client.events({
      signal: stop.signal,
      onStatus: (status) => {
        if (status.state === 'reconnecting') {
          lost = true;
          console.error(`Connection lost (${status.error.message}); reconnecting in ${(status.delayMs / 1000).toFixed(1)} s`);
        } else if (status.state === 'open' && lost) {
          lost = false;
          console.error('Connected again (frames sent meanwhile are lost)');
        }
      },
    });
    try {
      await stream.ready();
    } catch (error) {
      if (stop.signal.aborted) return 0;
      throw error;
    }
    // stderr, so that --json output stays one frame per line; tests wait for it before causing events.
    console.error(`Listening for events on ${client.baseUrl.replace(/^http/, 'ws')}/callcontrol/ws${Number.isFinite(count) ? ` until ${count} frames arrive` : ''} (Ctrl+C to stop)`);
    if (readyFile !== undefined) writeReadyFile(readyFile, client.baseUrl);
    let received = 0;
    for await (const frame of stream) {
      console.log(settings.json ? JSON.stringify(frame) : describeFrame(frame, await upsertDetail(client, frame)));
      if (++received >= count) break;
    }
    return 0;
  } finally {
    if (readyFile !== undefined) removeReadyFile(readyFile); // a later wait must not find it
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
