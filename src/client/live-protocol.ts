// The live feed of the web console (/sim/live): its subprotocols and messages, shared by the server, the console and the SDK.
// Dependency-free on purpose: the browser code imports it too.

/** The subprotocol a console asks for first; the server answers with it. */
export const LIVE_PROTOCOL = 'switchboard-live';
/** The second subprotocol carries the admin key: this prefix, then the key's UTF-8 bytes in base64url. */
export const LIVE_KEY_PROTOCOL_PREFIX = 'switchboard-key.';
/** Close code when the server has as many consoles as it serves. */
export const LIVE_CLOSE_TOO_MANY = 1013;

export type LiveBehaviour = { kind: 'answer'; afterMs: number } | { kind: 'manual' | 'busy' | 'reject' | 'never' | 'unreachable' };

export interface LiveDevice {
  deviceId: string;
  userAgent: string;
  directControl: boolean;
  registered: boolean;
  /** null for devices the PBX drives itself (route point, IVR, queue, trunk). */
  behaviour: LiveBehaviour | null;
}

export interface LiveDn {
  dn: string;
  type: string;
  kind: string;
  name: string;
  autoAnswer: boolean | null;
  devices: LiveDevice[];
}

export interface LiveParticipant {
  id: number;
  dn: string;
  status: string;
  deviceId: string;
  number: string;
  name: string;
  partyDn: string;
  partyCallerId: string;
  partyCallerName: string;
  directControl: boolean;
  held: boolean;
  peerId: number | null;
  callId: number;
  legId: number;
  /** PBX time (ms since the epoch) when it entered its status. */
  since: number;
}

export interface LiveCall {
  callId: number;
  did: string;
  participants: LiveParticipant[];
}

export interface LiveState {
  clock: { now: string; fake: boolean };
  dns: LiveDn[];
  /** The DIDs of the trunks and the DN each routes to (configuration: they never change). */
  dids: { number: string; destination: string }[];
  calls: LiveCall[];
}

/** An event frame as applications see it (`sequence`, `event_type`, `entity`, `attached_data`), with its DN and PBX time. */
export interface LiveFrame {
  sequence: number;
  dn: string;
  eventType: number;
  entity: string;
  attachedData: unknown;
  at: number;
  /** Remove frames: why the participant left (busy, no-answer, hangup...); the wire frame carries no cause. */
  cause?: string;
}

/** A Connected participant's audio: peaks of its latest 20 ms frame, 0..1, each way. */
export interface LiveStream {
  participantId: number;
  dn: string;
  callId: number;
  held: boolean;
  source: 'upload' | 'sim' | 'own' | 'silence';
  readers: number;
  sentPeak: number;
  heardPeak: number;
}

export interface LiveApplication {
  clientId: string;
  monitor: string[];
  /** Open event sockets (/callcontrol/ws). */
  connections: number;
}

/** The first message, and again after a console fell behind: everything now, and the latest frames. */
export interface LiveSnapshot {
  type: 'snapshot';
  /** Differs after the server restarted (its event sequence starts again). */
  serverId: string;
  state: LiveState;
  frames: LiveFrame[];
  streams: LiveStream[];
  applications: LiveApplication[];
}

/** What changed since the last message; absent fields did not change. */
export interface LiveUpdate {
  type: 'update';
  state?: LiveState;
  frames?: LiveFrame[];
  streams?: LiveStream[];
  applications?: LiveApplication[];
}

export type LiveMessage = LiveSnapshot | LiveUpdate;

/** The one message a console sends: it changed something through /sim, so it wants the state at the next push. */
export interface LiveRefresh {
  type: 'refresh';
}
