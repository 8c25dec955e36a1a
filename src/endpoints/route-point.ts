// A route point: the API application is the endpoint. The PBX answers for it at once unless auto-answer is off.

import type { Endpoint, LegControl, OfferInfo, RejectCause } from '../core/endpoint.js';

export class RoutePointEndpoint implements Endpoint {
  constructor(private readonly autoAnswer: () => boolean) {}

  admit(_offer: OfferInfo): RejectCause | null {
    return null;
  }

  offered(leg: LegControl): void {
    if (this.autoAnswer()) leg.answer();
  }
}
