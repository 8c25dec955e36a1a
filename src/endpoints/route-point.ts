// A route point: the API application is the endpoint. The PBX answers for it at once unless auto-answer is off.

import type { Endpoint, LegControl, OfferInfo, RejectCause } from '../core/endpoint.js';
import type { MediaPort } from '../core/media-port.js';
import { SourcePort } from '../media/source-port.js';

export class RoutePointEndpoint implements Endpoint {
  constructor(private readonly autoAnswer: () => boolean) {}

  admit(_offer: OfferInfo): RejectCause | null {
    return null;
  }

  offered(leg: LegControl): void {
    if (this.autoAnswer()) leg.answer();
  }

  /** Silent: the application speaks through its stream upload. Keys in what the leg hears become DTMF events. */
  media(_leg: LegControl): MediaPort {
    return new SourcePort({ detectsDtmf: true });
  }
}
