// A simulated person at the end of a leg: a phone on an extension or an external caller/callee, acting out a Behaviour.

import type { Behaviour } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Endpoint, LegControl, OfferInfo, RejectCause } from '../core/endpoint.js';
import type { MediaPort } from '../core/media-port.js';
import type { PartySource } from '../media/party-media.js';
import { partyPort } from '../media/source-port.js';

/**
 * Answers, refuses or lets ring according to the behaviour current when the call is offered. `unreachable`
 * refuses every offer as unreachable; `busy` and `reject` refuse at once; `answer` picks up after its delay;
 * `manual` and `never` ring until told (manual) or until the ring timeout.
 */
export class SimulatedParty implements Endpoint {
  private readonly answerTimers = new Map<number, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly behaviour: () => Behaviour,
    /** What the party sends once connected: its media behaviour's source, chosen when the leg connects (none: silence). */
    private readonly audio?: () => PartySource | undefined,
  ) {}

  admit(_offer: OfferInfo): RejectCause | null {
    switch (this.behaviour().kind) {
      case 'busy':
        return 'busy';
      case 'reject':
        return 'rejected';
      case 'unreachable':
        return 'unreachable';
      default:
        return null;
    }
  }

  offered(leg: LegControl): void {
    const behaviour = this.behaviour();
    if (behaviour.kind !== 'answer') return;
    if (behaviour.afterMs === 0) {
      leg.answer();
      return;
    }
    this.answerTimers.set(
      leg.participantId,
      this.clock.setTimeout(() => {
        this.answerTimers.delete(leg.participantId);
        leg.answer();
      }, behaviour.afterMs),
    );
  }

  /** The party's media behaviour; what it hears is recorded. */
  media(_leg: LegControl): MediaPort {
    return partyPort(this.audio?.());
  }

  removed(leg: LegControl): void {
    this.clock.clearTimeout(this.answerTimers.get(leg.participantId));
    this.answerTimers.delete(leg.participantId);
  }
}
