// The contract between the core and whatever sits at the end of a leg: simulated phone, external party, route point, IVR, queue (later SIP).

import type { MediaPort } from './media-port.js';
import type { ParticipantView, RemovalCause } from './types.js';

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

/** How a ringing leg's far end reports progress before it answers. */
export type ProgressKind = 'ringing' | 'early-media';

/**
 * What an endpoint may do to its own leg, at any time after the hook that handed it over: a verdict may arrive
 * seconds later (a SIP answer). Every method is a no-op once the leg is gone, and never throws on a state that no
 * longer fits (the leg was answered elsewhere, stopped ringing, was taken off hold meanwhile): it does nothing.
 */
export interface LegControl {
  readonly participantId: number;
  readonly dn: string;
  readonly deviceId: string;
  /**
   * Ringing legs only. `ringing`: the far end is alerting (nothing visible changes: the participant is already
   * Ringing). `early-media`: the far end sends audio before answering (a SIP 183 with SDP): the leg, and the party
   * it is offered to, carry audio from now on (their links say `media: true`); the wire view does not change.
   */
  progress(kind: ProgressKind): void;
  /** Picks up a ringing leg. */
  answer(): void;
  /** Refuses a ringing leg. */
  reject(cause: RejectCause): void;
  /** Leaves the call. */
  hangup(): void;
  /**
   * Connected legs only: this leg's own side puts the call on hold (`true`) or takes it off (`false`), so its peer
   * is held (hears hold music, is not heard) or not. While a transfer holds the peer, `false` leaves it held.
   */
  hold(on: boolean): void;
  /**
   * The leg's own party presses keys: each digit reaches the participant it talks to, as Pbx.sendDtmf does. Digits
   * that are not DTMF, or pressed while not in conversation, are lost, as on a real line.
   */
  dtmf(digits: string): void;
  /** The leg's current wire view, or undefined once it has left. */
  view(): ParticipantView | undefined;
}

/**
 * Behaviour at the end of a leg. The core calls these hooks after it has finished changing state, never in the
 * middle of a change, so a hook may call back into the core (answer at once, route elsewhere).
 */
export interface Endpoint {
  /**
   * A pure availability check when a call is offered, before any participant exists: null means the call may ring
   * here, otherwise why it may not (busy, refusing, unreachable now). No side effects: every verdict that comes
   * later (answer, reject, progress) goes through the leg's control once {@link offered} hands it over.
   */
  admit(offer: OfferInfo): RejectCause | null;
  /** The leg is ringing here. */
  offered?(leg: LegControl): void;
  /**
   * A makecall from this device, which has direct control: the device is to go off-hook by itself while the
   * destination is offered (the leg is Dialing). Absent: it does so with nothing to do (simulated phones); a SIP
   * phone is sent an INVITE it answers on its own. If the device cannot, the endpoint hangs the leg up.
   */
  originated?(leg: LegControl): void;
  /**
   * The API asked a Ringing leg of a device with direct control to answer. Absent: the core answers it at once.
   * Present: the endpoint asks its device (a SIP phone: NOTIFY Event: talk) and answers through the leg's control
   * once the device has picked up; the API's answer succeeds with the leg still Ringing meanwhile.
   */
  answerRequested?(leg: LegControl): void;
  /** The leg is now Connected with a party. */
  connected?(leg: LegControl): void;
  /** The leg was put on hold (`true`: it hears hold music and is not heard) or taken off hold (`false`). */
  held?(leg: LegControl, held: boolean): void;
  /** A digit reached this leg from the other party. */
  dtmf?(leg: LegControl, digit: string): void;
  /** The leg has left the call, for `cause`; drop any timers kept for it. */
  removed?(leg: LegControl, cause: RemovalCause): void;
  /**
   * The audio of a leg that needs it now (Connected, or ringing with early media), asked once per leg by the media
   * engine; undefined for a leg without audio of its own. Called while the core announces the change: must not call
   * back into the core.
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
