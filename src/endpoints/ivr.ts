// The built-in IVR: answers, waits for one key, routes by its menu; no key in time routes to the timeout destination.

import type { IvrConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Endpoint, LegControl, OfferInfo, RejectCause } from '../core/endpoint.js';
import type { MediaPort } from '../core/media-port.js';
import { isCoreError } from '../core/errors.js';
import type { Pbx } from '../core/pbx.js';
import { SourcePort } from '../media/source-port.js';
import { PcmSource } from '../media/source.js';

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
  /** The audio port of each leg that has one (the media engine asked for it). */
  private readonly ports = new Map<number, SourcePort>();

  constructor(
    private readonly pbx: Pbx,
    private readonly clock: Clock,
    private readonly config: IvrConfig,
    /** The menu prompt (none: the menu is silent). */
    private readonly prompt?: Int16Array,
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

  /** Silent until the menu starts; keys in what the leg hears route like signalled ones. */
  media(leg: LegControl): MediaPort {
    const port = new SourcePort({ detectsDtmf: true });
    this.ports.set(leg.participantId, port);
    return port;
  }

  removed(leg: LegControl): void {
    this.ports.delete(leg.participantId);
    const call = this.calls.get(leg.participantId);
    if (call) this.clock.clearTimeout(call.timer);
    this.calls.delete(leg.participantId);
  }

  private restartMenu(leg: LegControl): void {
    const call = this.calls.get(leg.participantId);
    if (!call) return;
    this.clock.clearTimeout(call.timer);
    this.playPrompt(leg); // the menu again, from the start
    call.timer = this.clock.setTimeout(() => {
      call.timer = undefined;
      if (this.config.timeoutDestination === null) leg.hangup();
      else this.route(leg, this.config.timeoutDestination);
    }, this.config.timeoutSeconds * 1000);
  }

  private playPrompt(leg: LegControl): void {
    if (this.prompt) this.ports.get(leg.participantId)?.play(new PcmSource(this.prompt));
  }

  private route(leg: LegControl, destination: string): void {
    const call = this.calls.get(leg.participantId);
    if (!call) return;
    this.clock.clearTimeout(call.timer);
    call.timer = undefined;
    this.ports.get(leg.participantId)?.stop();
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
