// Turns domain events into 3CX WebSocket event frames: numeric event types, entity paths, attached data.

import type { PbxEvent } from '../../core/types.js';

/** 3CX event_type numbers (PROTOCOL.md §5). */
export const EventType = {
  UPSERT: 0,
  REMOVE: 1,
  DTMF_STRING: 2,
  PROMPT_PLAYBACK_FINISHED: 3,
  RESPONSE: 4,
} as const;

export type EventTypeNumber = (typeof EventType)[keyof typeof EventType];

/** An event as an application sees it, before it gets its sequence number. */
export interface WireEvent {
  /** The DN the event concerns: only applications that may see it receive the frame. */
  dn: string;
  eventType: EventTypeNumber;
  entity: string;
  attachedData: unknown;
}

export function participantEntity(dn: string, id: number): string {
  return `/callcontrol/${dn}/participants/${id}`;
}

/** Device ids contain ':', '@' and ';': percent-encoded in the path, as clients re-GET it. */
export function deviceEntity(dn: string, deviceId: string): string {
  return `/callcontrol/${dn}/devices/${encodeURIComponent(deviceId)}`;
}

/** The wire event for a domain event, or undefined when applications are not told about it. */
export function toWireEvent(event: PbxEvent): WireEvent | undefined {
  switch (event.type) {
    case 'participant-upserted':
      return { dn: event.participant.dn, eventType: EventType.UPSERT, entity: participantEntity(event.participant.dn, event.participant.id), attachedData: null };
    case 'participant-removed':
      return { dn: event.participant.dn, eventType: EventType.REMOVE, entity: participantEntity(event.participant.dn, event.participant.id), attachedData: null };
    case 'device-added':
      return { dn: event.device.dn, eventType: EventType.UPSERT, entity: deviceEntity(event.device.dn, event.device.deviceId), attachedData: null };
    case 'device-removed':
      return { dn: event.device.dn, eventType: EventType.REMOVE, entity: deviceEntity(event.device.dn, event.device.deviceId), attachedData: null };
    case 'dtmf':
      return { dn: event.dn, eventType: EventType.DTMF_STRING, entity: participantEntity(event.dn, event.participantId), attachedData: { dtmf_input: event.digits } };
    case 'playback-finished':
      return { dn: event.dn, eventType: EventType.PROMPT_PLAYBACK_FINISHED, entity: participantEntity(event.dn, event.participantId), attachedData: null };
    case 'participant-link':
      return undefined; // hold and topology are core-internal: 3CX shows no hold state
    case 'participant-data':
      return undefined; // attached data is not a participant field: no Upsert, nothing for the client to re-GET
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The frame text, keys in the order 3CX sends them. */
export function encodeFrame(sequence: number, eventType: number, entity: string, attachedData: unknown): string {
  return JSON.stringify({ sequence, event: { event_type: eventType, entity, attached_data: attachedData } });
}
