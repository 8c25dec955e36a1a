// The endpoint of a SIP-registered phone: calls to SIP phones are not carried yet, so every offer is refused as unreachable, with a log line.

import type { Endpoint, OfferInfo, RejectCause } from '../../core/endpoint.js';

export class SipDeviceEndpoint implements Endpoint {
  constructor(private readonly onRefused: (offer: OfferInfo) => void) {}

  admit(offer: OfferInfo): RejectCause | null {
    this.onRefused(offer);
    return 'unreachable';
  }
}
