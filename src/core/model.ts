// The data of the PBX: DN and device records, calls, legs and attempts. Types only; the behaviour lives beside it.

import type { TimerHandle } from './clock.js';
import type { Target } from './dialplan.js';
import type { Endpoint, LegControl } from './endpoint.js';
import type { ErrorCode } from './errors.js';
import type { DnKind, ParticipantLink, ParticipantStatus, ParticipantView } from './types.js';

export interface DeviceRecord {
  dn: string;
  id: string;
  userAgent: string;
  directControl: boolean;
  /** Where the device is reached (a SIP contact URI); absent for simulated phones. */
  contact?: string;
  /** Clock time in ms at which the binding lapses; absent when it does not expire. */
  expiresAt?: number;
}

export interface DnRecord {
  number: string;
  kind: DnKind;
  name: string;
  /** Registered devices, in registration order: what the API shows and calls reach. */
  devices: Map<string, DeviceRecord>;
  /** Devices known from configuration but not registered now. */
  offline: Map<string, DeviceRecord>;
  /** Route points only: answer offered calls at once. */
  autoAnswer: boolean;
}

/** Who a leg is, as the other side sees it. */
export interface Identity {
  dn: string;
  type: string;
  name: string;
  callerId: string;
}

export interface DnRef {
  dn: string;
  type: string;
}

export interface Leg {
  id: number;
  call: Call;
  legId: number;
  dn: DnRecord;
  deviceId: string;
  directControl: boolean;
  status: ParticipantStatus;
  self: Identity;
  party: Identity;
  /** The participant this leg talks to (Connected) or is offered by (a ringing destination). */
  peer: Leg | undefined;
  held: boolean;
  /** Ringing with audio before the answer (a SIP 183 with SDP): the leg and the party it is offered to carry audio. */
  earlyMedia: boolean;
  attachedData: Record<string, string>;
  originatedBy: DnRef;
  referredBy: DnRef;
  onBehalfOf: DnRef;
  /** The attempt this leg is a ringing candidate of. */
  attempt: Attempt | undefined;
  /** Unsettled attempts bringing someone to this leg (it is their `party`), and those that would replace it. */
  attemptsAsParty: Set<Attempt>;
  attemptsReplacing: Set<Attempt>;
  endpoint: Endpoint;
  control: LegControl;
  removed: boolean;
  /** Last view sent as an event, to send an Upsert only when something a client can see changed. */
  lastView: ParticipantView | undefined;
  /** Last link announced, to announce a hold or a peer change that no Upsert carries. */
  lastLink: ParticipantLink | undefined;
}

export interface Call {
  id: number;
  legs: Set<Leg>;
  nextLegId: number;
  did: string;
  originator: DnRef;
}

/**
 * A pending effort to bring a destination into a call.
 * - `origin`: a device is rung so its user can place a call (no direct control, or a DN with several devices).
 * - `call`: the destination of a new call rings; failure ends the caller's participant.
 * - `routeto`: an alternative route for `replaced`; success replaces it, failure leaves it in place.
 * - `transfer`: `party` is held while the destination rings; success replaces `replaced`, failure returns the call.
 */
export type AttemptKind = 'origin' | 'call' | 'routeto' | 'transfer';

/**
 * Where an attempt is in its life (the machine in attempts.ts). Live: `ringing`, and for a transfer `orphaned`
 * (still ringing, but the transferring participant has left: a failure rings its device back). Settled, taking no
 * more input: `answered`, `failed` (nobody answered, or every destination refused), `cancelled` (the participants it
 * served left or went elsewhere, or the route was called off).
 */
export type AttemptState = 'ringing' | 'orphaned' | 'answered' | 'failed' | 'cancelled';

export interface Attempt {
  kind: AttemptKind;
  state: AttemptState;
  call: Call;
  /** The participant that ends up talking to the destination (absent for `origin`). */
  party: Leg | undefined;
  replaced: Leg | undefined;
  legs: Set<Leg>;
  timer: TimerHandle | undefined;
  /** origin only: where the picked-up device dials, and with what ring timeout. */
  dialTarget: Target | undefined;
  dialRingMs: number | null;
  /** Set when the attempt settles: what its operation reports. */
  outcome: Outcome | undefined;
  settledCallbacks: ((outcome: Outcome) => void)[];
}

/** How a pending operation ended. `participant` is the view of the participant the operation is about, as last seen. */
export type Outcome =
  | { ok: true; participant: ParticipantView | undefined }
  | { ok: false; code: ErrorCode; message: string; participant: ParticipantView | undefined };

/**
 * The result of a command. `participant` is the participant the response names; `outcome` is set once the
 * command's effect is known (immediately for most commands; later for a route or transfer that is still ringing).
 */
export interface Operation {
  readonly participant: ParticipantView | undefined;
  readonly outcome: Outcome | undefined;
  /** Calls back once with the outcome (at once if already known). */
  onSettled(callback: (outcome: Outcome) => void): void;
  /** Resolves with the outcome. */
  settled(): Promise<Outcome>;
}

export interface MakeCallRequest {
  dn: string;
  /** Device form when given; DN form otherwise. */
  deviceId?: string;
  destination: string;
  /** Ring timeout for the destination in seconds; 0 or absent for the configured default. */
  timeoutSeconds?: number;
  attachedData?: unknown;
}

export interface RouteRequest {
  destination: string;
  reason?: string;
  /** Ring timeout of the new destination in seconds; absent for the configured default. */
  ringTimeoutSeconds?: number;
}

export interface InboundCallRequest {
  /** The external caller's number (E.164). */
  from: string;
  /** A DID of a trunk, or an internal DN number. */
  to: string;
  callerName?: string;
  /** Trunk DN to arrive on; defaults to the trunk owning the DID, else the first trunk. */
  trunk?: string;
}

/** Prepared destination: the endpoints that agreed to ring, found before any participant is created. */
export interface PreparedOffer {
  target: Target;
  identity: Identity;
  entries: { dn: DnRecord; device: DeviceRecord; endpoint: Endpoint }[];
}
