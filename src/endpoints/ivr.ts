// The built-in IVR: answers, waits for one key, routes by its menu; no key in time routes to the timeout destination.

import type { IvrConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Endpoint, LegControl, OfferInfo, RejectCause } from '../core/endpoint.js';
import { isCoreError } from '../core/errors.js';
import type { Pbx } from '../core/pbx.js';
import { legMediaOf } from '../media/registry.js';

interface IvrCall {
  timer: TimerHandle | undefined;
  routing: boolean;
}

/**
 * Like the vendor's IVR example, it routes with `routeto` and lets the PBX replace its own participant when the
 * destination answers. While a route is ringing further keys are ignored; a failed route restarts the menu.
 */
export class IvrEndpoint implements Endpoint {
  private readonly calls = new Map<number, IvrCall>();

  constructor(
    private readonly pbx: Pbx,
    private readonly clock: Clock,
    private readonly config: IvrConfig,
  ) {}

  admit(_offer: OfferInfo): RejectCause | null {
    return null;
  }

  offered(leg: LegControl): void {
    leg.answer();
  }

  connected(leg: LegControl): void {
    this.calls.set(leg.participantId, { timer: undefined, routing: false });
    this.restartMenu(leg);
  }

  dtmf(leg: LegControl, digit: string): void {
    const call = this.calls.get(leg.participantId);
    if (!call || call.routing) return;
    const destination = this.config.menu[digit];
    if (destination === undefined) {
      this.restartMenu(leg);
      return;
    }
    this.route(leg, destination);
  }

  removed(leg: LegControl): void {
    const call = this.calls.get(leg.participantId);
    if (call) this.clock.clearTimeout(call.timer);
    this.calls.delete(leg.participantId);
  }

  private restartMenu(leg: LegControl): void {
    const call = this.calls.get(leg.participantId);
    if (!call) return;
    this.clock.clearTimeout(call.timer);
    legMediaOf(this.pbx)?.playPrompt(leg.participantId); // the menu again, from the start
    call.timer = this.clock.setTimeout(() => {
      call.timer = undefined;
      if (this.config.timeoutDestination === null) leg.hangup();
      else this.route(leg, this.config.timeoutDestination);
    }, this.config.timeoutSeconds * 1000);
  }

  private route(leg: LegControl, destination: string): void {
    const call = this.calls.get(leg.participantId);
    if (!call) return;
    this.clock.clearTimeout(call.timer);
    call.timer = undefined;
    legMediaOf(this.pbx)?.stopPrompt(leg.participantId);
    try {
      const operation = this.pbx.routeTo(leg.dn, leg.participantId, { destination, reason: 'None' });
      call.routing = true;
      operation.onSettled((outcome) => {
        call.routing = false;
        if (!outcome.ok) this.restartMenu(leg);
      });
    } catch (error) {
      if (!isCoreError(error)) throw error;
      this.restartMenu(leg); // the destination refused at once (busy, not registered): play the menu again
    }
  }
}
