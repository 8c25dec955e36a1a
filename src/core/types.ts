// Domain vocabulary of the PBX: DN kinds, participant states and views, reasons and domain events.

/** The kinds of DN the PBX switches calls between. */
export type DnKind = 'extension' | 'routepoint' | 'ivr' | 'queue' | 'externalline';

/** 3CX's names for DN types, as they appear on the wire (PROTOCOL.md §3). */
export const DN_TYPE_NAMES: Readonly<Record<DnKind, string>> = {
  extension: 'Wextension',
  routepoint: 'Wroutepoint',
  ivr: 'Wivr',
  queue: 'Wqueue',
  externalline: 'Wexternalline',
};

/** The string 3CX sends for an unset type field. */
export const TYPE_NONE = 'None';

/** Participant statuses as they appear on the wire. A participant that leaves is removed, not given a status. */
export type ParticipantStatus = 'Dialing' | 'Ringing' | 'Connected';

/** Reasons accepted by divert, routeto and transferto (PROTOCOL.md §4). */
export const REASONS = [
  'None',
  'NoAnswer',
  'PhoneBusy',
  'PhoneNotRegistered',
  'ForwardAll',
  'BasedOnCallerID',
  'BasedOnDID',
  'OutOfOfficeHours',
  'BreakTime',
  'Holiday',
  'OfficeHours',
  'NoDestinations',
  'Polling',
  'CallbackRequested',
  'Callback',
] as const;

export type Reason = (typeof REASONS)[number];

/** Participant actions of the Call Control API, by their wire names. */
export const PARTICIPANT_ACTIONS = ['drop', 'answer', 'divert', 'routeto', 'transferto', 'attach_participant_data', 'attach_party_data'] as const;
export type ParticipantAction = (typeof PARTICIPANT_ACTIONS)[number];

export interface DeviceView {
  dn: string;
  deviceId: string;
  userAgent: string;
}

/** One DN's leg of one call, field for field what the wire carries (camelCase here, snake_case on the wire). */
export interface ParticipantView {
  id: number;
  status: ParticipantStatus;
  dn: string;
  partyCallerName: string;
  partyDn: string;
  partyCallerId: string;
  partyDid: string;
  deviceId: string;
  partyDnType: string;
  directControl: boolean;
  originatedByDn: string;
  originatedByType: string;
  referredByDn: string;
  referredByType: string;
  onBehalfOfDn: string;
  onBehalfOfType: string;
  callId: number;
  legId: number;
}

export interface DnView {
  dn: string;
  type: string;
  kind: DnKind;
  name: string;
  devices: DeviceView[];
  participants: ParticipantView[];
}

/** What a participant looks like to the simulation plane: the wire view plus what the wire does not carry. */
export interface ParticipantDetail extends ParticipantView {
  /** This leg's own caller id: its DN number, or the external number for a participant of a trunk. */
  number: string;
  /** This leg's own display name. */
  name: string;
  held: boolean;
  /** Data attached to this participant's connection (attach_participant_data, or attach_party_data from its peer). */
  attachedData: Record<string, string>;
  /** Id of the participant this one is talking to or being offered by, if any. */
  peerId: number | null;
}

export interface CallView {
  callId: number;
  did: string;
  participants: ParticipantDetail[];
}

/** Why a participant left; carried on removal events for logs and the simulation plane, never on the wire. */
export type RemovalCause =
  | 'dropped' // the application dropped it
  | 'hangup' // its own side hung up
  | 'peer-left' // the other side left, so the call ended
  | 'replaced' // a divert/routeto/transferto put another party in its place
  | 'answered-elsewhere' // another device or destination answered
  | 'diverted' // diverted away while ringing
  | 'cancelled' // the attempt it belonged to was abandoned
  | 'no-answer'
  | 'busy'
  | 'rejected'
  | 'unreachable'
  | 'not-registered'
  | 'unregistered' // its device unregistered mid-call
  | 'reset'; // the PBX was reset or is shutting down

/** Whether a participant carries audio, is held, and whom it talks to. Core-internal: carried on events, never on the wire. */
export interface ParticipantLink {
  /** The leg carries audio now (Connected, or early media before the answer): the media engine gives it a port. */
  media: boolean;
  /** On hold: it hears the hold music and is not heard. */
  held: boolean;
  /** The participant it talks to (Connected) or is offered by (a ringing destination). */
  peerId: number | null;
}

/** Ordered domain events: every observable change of the PBX. `link` is the participant's topology at that moment. */
export type PbxEvent =
  | { type: 'participant-upserted'; participant: ParticipantView; link: ParticipantLink }
  | { type: 'participant-removed'; participant: ParticipantView; cause: RemovalCause; link: ParticipantLink }
  /** The link changed while what a client sees did not (a hold, a peer leaving): never on the wire. */
  | { type: 'participant-link'; dn: string; participantId: number; callId: number; link: ParticipantLink }
  | { type: 'device-added'; device: DeviceView }
  | { type: 'device-removed'; device: DeviceView }
  | { type: 'dtmf'; dn: string; participantId: number; digits: string }
  | { type: 'playback-finished'; dn: string; participantId: number }
  | { type: 'participant-data'; dn: string; participantId: number; attachedData: Record<string, string> };

export type PbxListener = (event: PbxEvent) => void;
