// Readable output of the client commands: aligned tables, one-line parties, one-line event frames.

import { parseEntity } from '../client/entities.js';
import { EventType, type EventFrame } from '../client/events.js';
import type { SimBehaviour, SimMediaBehaviour, SimParty } from '../client/sim.js';
import type { Participant } from '../client/types.js';

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function quoted(name: string): string {
  return name ? ` "${name}"` : '';
}

/** `party 3 (external +15557654321 "Erin"): connected to 800 "Demo App"`, or that it has left. */
export function describeParty(id: number, party: SimParty | null): string {
  if (!party) return `party ${id} has left the call`;
  const other = `${party.partyCallerId || party.partyDn}${quoted(party.partyCallerName)}`;
  const what =
    party.status === 'Dialing' ? `dialing ${other}` : party.status === 'Ringing' ? `ringing, call from ${other}` : party.status === 'Connected' ? `connected to ${other}` : `${party.status} ${other}`;
  return `party ${party.id} (${party.kind} ${party.number}${quoted(party.name)}): ${what}${party.held ? ' (on hold)' : ''}`;
}

export function describeBehaviour(behaviour: SimBehaviour | null): string {
  if (!behaviour) return '-';
  switch (behaviour.kind) {
    case 'answer':
      return `answers after ${behaviour.afterMs} ms`;
    case 'manual':
      return 'answers when told';
    case 'never':
      return 'never answers';
    case 'reject':
      return 'rejects';
    default:
      return behaviour.kind;
  }
}

/** `silence`, `echo after 60 ms`, `tone 350 + 440 Hz at -13 dBm0`, `wav /srv/hold.wav (looped)`. */
export function describeMedia(media: SimMediaBehaviour): string {
  switch (media.kind) {
    case 'silence':
      return 'silence';
    case 'echo':
      return media.delayMs === undefined ? 'echo' : `echo after ${media.delayMs} ms`;
    case 'tone':
      return `tone ${[media.frequencyHz].flat().join(' + ')} Hz${media.levelDbm0 === undefined ? '' : ` at ${media.levelDbm0} dBm0`}`;
    case 'wav':
      return `wav ${media.path}${media.loop ? ' (looped)' : ''}`;
    default: {
      const unknown: never = media;
      return (unknown as { kind: string }).kind;
    }
  }
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [EventType.Upsert]: 'Upsert',
  [EventType.Remove]: 'Remove',
  [EventType.DTMFstring]: 'DTMFstring',
  [EventType.PromptPlaybackFinished]: 'PromptPlaybackFinished',
  [EventType.Response]: 'Response',
};

/** What an Upsert's participant looks like when re-read: its status and who it talks to. */
export function describeParticipant(participant: Participant): string {
  return `${participant.status} ${participant.party_caller_id || participant.party_dn}${quoted(participant.party_caller_name)}`.trimEnd();
}

/**
 * `#12 Upsert /callcontrol/800/participants/3` plus what is known without asking (DTMF digits, a device id,
 * a response status); `detail` is appended (an Upsert's re-read participant).
 */
export function describeFrame(frame: EventFrame, detail?: string): string {
  const { event } = frame;
  const parts = [`#${frame.sequence}`, TYPE_NAMES[event.event_type] ?? `event_type=${String(event.event_type)}`, event.entity];
  const entity = parseEntity(event.entity);
  if (event.event_type === EventType.DTMFstring) parts.push(String((event.attached_data as { dtmf_input?: unknown } | null)?.dtmf_input ?? ''));
  else if (event.event_type === EventType.Response) parts.push(String((event.attached_data as { StatusCode?: unknown } | null)?.StatusCode ?? ''));
  else if (entity?.kind === 'device' && entity.deviceId !== event.entity.split('/').pop()) parts.push(`(${entity.deviceId})`);
  if (detail) parts.push(detail);
  return parts.join(' ');
}
