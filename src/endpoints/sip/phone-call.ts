// A call a registered phone places: its INVITE answered 180/183/200 as the destination rings, takes early media or answers, or a failure status.

import { causeToSipStatus } from '../../core/causes.js';
import type { LegControl } from '../../core/endpoint.js';
import type { RemovalCause } from '../../core/types.js';
import { SdpError } from '../../media/rtp/sdp.js';
import { formatNameAddr } from '../../sip/address.js';
import { buildResponse, randomToken } from '../../sip/builders.js';
import { uasDialog } from '../../sip/dialog.js';
import type { InviteServerTransaction } from '../../sip/invite-server.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import type { Peer } from '../../sip/transaction.js';
import type { CallSignalling } from './call-dialogs.js';
import { CallMedia, type CallMediaOptions } from './call-media.js';
import { CallSession } from './call-session.js';

/** Stands in for the leg until the core has made it: a phone's BYE or keys before then have nowhere to go. */
const NO_LEG: LegControl = {
  participantId: -1,
  dn: '',
  deviceId: '',
  progress: () => undefined,
  answer: () => undefined,
  reject: () => undefined,
  hangup: () => undefined,
  hold: () => undefined,
  dtmf: () => undefined,
  view: () => undefined,
};

/**
 * The UAS side of a phone's call. `prepare` opens RTP and answers the offer (488 when it cannot be answered;
 * an offer-less INVITE is refused 488 too); the core's origin leg then drives it: the destination ringing gives
 * 180, early media 183 with the answer, the leg connecting 200 with it (sent again until the ACK), the leg ending
 * first the final status of its cause in the causes table. A CANCEL from the phone answers 487 and withdraws the call.
 */
export class PhoneCall extends CallSession {
  protected readonly ownsCallId = false;
  private readonly localTag = randomToken();
  private answerSdp = '';
  private final = false;
  private sentRinging = false;
  private sentEarly = false;

  constructor(readonly request: SipRequest, readonly tx: InviteServerTransaction, peer: Peer, sig: CallSignalling) {
    super(NO_LEG, peer, sig);
  }

  /** The core's origin leg of this call. */
  attach(leg: LegControl): void {
    this.leg = leg;
  }

  /** The origin leg's id once the core has made it. */
  get participantId(): number | undefined {
    return this.leg === NO_LEG ? undefined : this.leg.participantId;
  }

  /** Opens RTP and answers the phone's offer; false when the INVITE was answered with a failure (or cancelled meanwhile). */
  async prepare(options: CallMediaOptions): Promise<boolean> {
    if (this.request.body.length === 0) {
      // Offer-less INVITEs (the offer in our 200, the answer in ACK) are not taken: documented in docs/sip.md.
      this.fail(488);
      return false;
    }
    let media: CallMedia;
    try {
      media = await CallMedia.open(options);
    } catch (error) {
      this.sig.log('no RTP port for a call from a SIP phone', { error: (error as Error).message });
      this.fail(503);
      return false;
    }
    this.media = media;
    if (this.final) {
      this.finish();
      return false;
    }
    try {
      this.answerSdp = media.answer(this.request.body.toString('utf8')).sdp;
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      this.fail(488);
      return false;
    }
    media.session.onDigit = (digit) => this.leg.dtmf(digit);
    return true;
  }

  /** The destination rings: 180 once. */
  ringing(): void {
    if (this.final || this.sentRinging || this.sentEarly) return;
    this.sentRinging = true;
    this.tx.respond(this.provisional(180));
  }

  /** The destination sends audio before answering: 183 with our answer, once. */
  earlyMedia(): void {
    if (this.final || this.sentEarly) return;
    this.sentEarly = true;
    const response = this.provisional(183);
    response.headers.append('Content-Type', 'application/sdp');
    response.body = Buffer.from(this.answerSdp);
    this.tx.respond(response);
  }

  /** The origin leg is Connected: 200 with the answer, and the dialog confirmed. */
  connected(): void {
    if (this.final) return;
    this.final = true;
    const dialog = uasDialog(this.request, this.localTag, 200);
    if (!dialog) return this.fail(400);
    this.dialog = dialog;
    this.sig.dialogs.add(dialog, this);
    this.sendInviteOk(this.tx, this.okWithSdp(this.request, this.answerSdp));
  }

  /** The origin leg left: the INVITE's final failure for `cause`, or BYE once connected. */
  removed(cause: RemovalCause): void {
    if (this.ended) return;
    if (this.final) return this.bye();
    this.fail(causeToSipStatus(cause));
  }

  /** The phone cancelled its INVITE (the layer has answered the CANCEL): 487, and the call is withdrawn. */
  cancelled(): void {
    if (this.final) return;
    this.fail(487);
    this.leg.hangup();
  }

  /** A final failure for the INVITE, then the session ends. */
  fail(status: number): void {
    if (!this.final) {
      this.final = true;
      this.tx.respond(buildResponse(this.request, status, { toTag: this.localTag }));
    }
    this.finish();
  }

  private provisional(status: number): SipResponse {
    const response = buildResponse(this.request, status, { toTag: this.localTag });
    response.headers.append('Contact', formatNameAddr(this.sig.contact(this.peer)));
    return response;
  }
}
