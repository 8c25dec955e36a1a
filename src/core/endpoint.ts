// The contract between the core and whatever sits at the end of a leg: simulated phone, external party, route point, IVR, queue (later SIP).

import type { MediaPort } from './media-port.js';
import type { ParticipantView } from './types.js';

/** Why an endpoint refused an offered call. */
export type RejectCause = 'busy' | 'rejected' | 'unreachable' | 'not-registered';

/** A call being offered to an endpoint, as the endpoint sees it before any participant exists. */
export interface OfferInfo {
  /** DN the call is offered to (for external parties: the trunk DN). */
  dn: string;
  deviceId: string;
  /** Number being called: the DN number, or the external number. */
  calledNumber: string;
  callerNumber: string;
  callerName: string;
}

/** What an endpoint may do to its own leg. Every method is a no-op once the leg is gone. */
export interface LegControl {
  readonly participantId: number;
  readonly dn: string;
  readonly deviceId: string;
  /** Picks up a ringing leg. */
  answer(): void;
  /** Refuses a ringing leg. */
  reject(cause: RejectCause): void;
  /** Leaves the call. */
  hangup(): void;
  /** The leg's current wire view, or undefined once it has left. */
  view(): ParticipantView | undefined;
}

/**
 * Behaviour at the end of a leg. The core calls these hooks after it has finished changing state, never in the
 * middle of a change, so a hook may call back into the core (answer at once, route elsewhere).
 */
export interface Endpoint {
  /** Decides at once whether an offered call may ring here; no side effects. Null means it rings. */
  admit(offer: OfferInfo): RejectCause | null;
  /** The leg is ringing here. */
  offered?(leg: LegControl): void;
  /** The leg is now Connected with a party. */
  connected?(leg: LegControl): void;
  /** A digit reached this leg from the other party. */
  dtmf?(leg: LegControl, digit: string): void;
  /** The leg has left the call; drop any timers kept for it. */
  removed?(leg: LegControl): void;
  /**
   * The audio of a leg that needs it now (Connected), asked once per leg by the media engine; undefined for a leg
   * without audio of its own. Called while the core announces the change: must not call back into the core.
   */
  media?(leg: LegControl): MediaPort | undefined;
}

/** Where the core finds the endpoint for a device or an external number. Implemented in src/endpoints. */
export interface EndpointDirectory {
  device(dn: string, deviceId: string): Endpoint;
  external(number: string): Endpoint;
  /** Display name of an external number, '' when none is configured. */
  externalCallerName(number: string): string;
}
