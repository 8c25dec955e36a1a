// What a SIP call to or from a phone does inside its dialog, whichever side made it: BYE, re-INVITE and UPDATE (hold both ways, new media), glare, keys.

import type { LegControl } from '../../core/endpoint.js';
import { SdpError } from '../../media/rtp/sdp.js';
import { formatNameAddr } from '../../sip/address.js';
import { buildResponse } from '../../sip/builders.js';
import type { SipTimerHandle } from '../../sip/clock.js';
import { inDialogRequest, receiveInDialog, type Dialog } from '../../sip/dialog.js';
import { cseqOf, type SipRequest, type SipResponse } from '../../sip/message.js';
import type { Peer } from '../../sip/transaction.js';
import type { ServerTransaction } from '../../sip/transaction-layer.js';
import type { CallDialogs, CallSignalling, DialogUser } from './call-dialogs.js';
import type { CallMedia } from './call-media.js';

/** A 2xx to an INVITE we sent again until its ACK came (RFC 3261 §13.3.1.4): T1 doubling up to T2, for 64*T1. */
export class TwoXxRetransmission {
  private timer: SipTimerHandle | undefined;
  private interval: number;
  private elapsed = 0;

  constructor(private readonly sig: CallSignalling, private readonly response: SipResponse, private readonly peer: Peer, private readonly gaveUp: () => void) {
    this.interval = sig.timers.t1Ms;
    if (peer.transport === 'UDP') this.schedule();
  }

  stop(): void {
    this.sig.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.sig.clock.setTimeout(() => {
      this.elapsed += this.interval;
      if (this.elapsed >= 64 * this.sig.timers.t1Ms) return this.gaveUp();
      this.sig.send(this.response, this.peer);
      this.interval = Math.min(this.interval * 2, this.sig.timers.t2Ms);
      this.schedule();
    }, this.interval);
  }
}

/**
 * The in-dialog side of one phone's call. The core's hold of this leg re-INVITEs the phone with a=sendonly (it
 * hears hold music) and a=sendrecv to resume; the phone's own re-INVITE or UPDATE with sendonly/inactive holds
 * the other party, sendrecv resumes it; any new offer (address, codec) is applied and the call goes on.
 */
export abstract class CallSession implements DialogUser {
  media: CallMedia | undefined;
  dialog: Dialog | undefined;
  ended = false;
  /** The core holds this leg. */
  private coreHeld = false;
  /** The phone holds the other party. */
  private phoneHolds = false;
  private reinvitePending = false;
  private reinviteAgain = false;
  private retryTimer: SipTimerHandle | undefined;
  private ourReinviteAck: SipRequest | undefined;
  private answerRetransmission: TwoXxRetransmission | undefined;
  /** Our 2xx to an offer-less re-INVITE carried an offer: its ACK brings the answer. */
  private answerInAck = false;
  /** A re-INVITE waits for the ACK of our 2xx: no new INVITE while one is in progress (RFC 3261 §14.1). */
  private reinviteAfterAck = false;

  constructor(
    protected leg: LegControl,
    protected readonly peer: Peer,
    protected readonly sig: CallSignalling,
  ) {}

  /** Whether this side made the Call-ID (a glare retry then waits 2.1-4 s, else 0-2 s; RFC 3261 §14.1). */
  protected abstract readonly ownsCallId: boolean;

  get dialogs(): CallDialogs {
    return this.sig.dialogs;
  }

  inDialog(request: SipRequest, tx: ServerTransaction | undefined): void {
    const dialog = this.dialog;
    if (request.method === 'ACK') return this.onAck(request);
    if (!tx) return;
    if (!dialog || this.ended) return tx.respond(buildResponse(request, 481));
    if (receiveInDialog(dialog, request) !== undefined) return tx.respond(buildResponse(request, 500));
    switch (request.method) {
      case 'BYE':
        tx.respond(buildResponse(request, 200));
        this.finish();
        this.leg.hangup();
        return;
      case 'INVITE':
      case 'UPDATE':
        return this.onOffer(request, tx);
      default:
        tx.respond(buildResponse(request, request.method === 'OPTIONS' || request.method === 'NOTIFY' || request.method === 'INFO' ? 200 : 501));
    }
  }

  /** The core put this leg on hold (`true`) or took it off. */
  held(on: boolean): void {
    this.coreHeld = on;
    this.reinvite();
  }

  /** A key for the phone, as RFC 4733 events. */
  sendDigit(digit: string): void {
    try {
      this.media?.session.sendDigit(digit);
    } catch {
      // not a DTMF key: the core never sends one
    }
  }

  /** Hangs up a confirmed call with BYE, then ends. */
  protected bye(): void {
    const dialog = this.dialog;
    if (dialog && dialog.state === 'confirmed' && !this.ended) {
      const request = inDialogRequest(dialog, 'BYE', { via: this.sig.via(this.peer) });
      this.sendInDialog(request, () => undefined);
    }
    this.finish();
  }

  /** Ends the session: dialog forgotten, timers stopped, RTP closed. */
  protected finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.dialog) this.sig.dialogs.remove(this.dialog);
    this.sig.clock.clearTimeout(this.retryTimer);
    this.answerRetransmission?.stop();
    this.media?.close();
  }

  /** Our wanted direction: while the core holds the leg we only send (hold music). */
  protected get ourDirection(): 'sendonly' | 'sendrecv' {
    return this.coreHeld ? 'sendonly' : 'sendrecv';
  }

  protected onAck(ack: SipRequest): void {
    this.answerRetransmission?.stop();
    this.answerRetransmission = undefined;
    if (this.reinviteAfterAck) {
      this.reinviteAfterAck = false;
      this.reinvite();
    }
    if (this.answerInAck && ack.body.length > 0) {
      this.answerInAck = false;
      try {
        this.media?.acceptAnswer(ack.body.toString('utf8'));
      } catch (error) {
        this.sig.log('SIP phone sent an answer in ACK that cannot be used', { error: (error as Error).message });
      }
    }
  }

  /** A 2xx with our Contact and SDP, answering `request` inside the dialog. */
  protected okWithSdp(request: SipRequest, sdp: string): SipResponse {
    const response = buildResponse(request, 200, { toTag: this.dialog?.localTag ?? '' });
    response.headers.append('Contact', formatNameAddr(this.sig.contact(this.peer)));
    response.headers.append('Content-Type', 'application/sdp');
    response.body = Buffer.from(sdp);
    return response;
  }

  /** Sends a 2xx to an INVITE through its transaction and again until the ACK; no ACK at all hangs up. */
  protected sendInviteOk(tx: ServerTransaction, response: SipResponse): void {
    tx.respond(response);
    this.answerRetransmission?.stop();
    this.answerRetransmission = new TwoXxRetransmission(this.sig, response, this.peer, () => {
      this.sig.log('no ACK for a 2xx from a SIP phone; hanging up', {});
      this.bye();
      this.leg.hangup();
    });
  }

  private onOffer(request: SipRequest, tx: ServerTransaction): void {
    const media = this.media;
    if (!media) return tx.respond(buildResponse(request, 500, { toTag: this.dialog?.localTag ?? '' }));
    // Glare (RFC 3261 §14.2): our own re-INVITE is pending.
    if (this.reinvitePending && request.method === 'INVITE') return tx.respond(buildResponse(request, 491));
    if (request.body.length === 0) {
      // A session refresh or an offer-less re-INVITE: UPDATE gets a plain 200, INVITE an offer whose answer is in ACK.
      if (request.method === 'UPDATE') return tx.respond(buildResponse(request, 200));
      this.answerInAck = true;
      return this.sendInviteOk(tx, this.okWithSdp(request, media.offer(this.ourDirection)));
    }
    let answer: { sdp: string; theirs: string };
    try {
      answer = media.answer(request.body.toString('utf8'), this.ourDirection);
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      return tx.respond(buildResponse(request, 488));
    }
    const ok = this.okWithSdp(request, answer.sdp);
    if (request.method === 'INVITE') this.sendInviteOk(tx, ok);
    else tx.respond(ok);
    const holds = answer.theirs === 'sendonly' || answer.theirs === 'inactive';
    if (holds !== this.phoneHolds) {
      this.phoneHolds = holds;
      this.leg.hold(holds);
    }
  }

  /** Re-INVITEs the phone with our current direction, one at a time; a 491 is retried after the RFC 3261 §14.1 wait. */
  private reinvite(): void {
    const dialog = this.dialog;
    const media = this.media;
    if (!dialog || dialog.state !== 'confirmed' || this.ended || !media) return;
    if (this.answerRetransmission) {
      this.reinviteAfterAck = true;
      return;
    }
    if (this.reinvitePending) {
      this.reinviteAgain = true;
      return;
    }
    this.reinvitePending = true;
    this.reinviteAgain = false;
    const request = inDialogRequest(dialog, 'INVITE', { via: this.sig.via(this.peer), contact: this.sig.contact(this.peer) });
    request.headers.append('Content-Type', 'application/sdp');
    request.body = Buffer.from(media.offer(this.ourDirection));
    this.sendInDialog(request, (response) => this.reinviteAnswered(request, response));
  }

  private reinviteAnswered(request: SipRequest, response: SipResponse | undefined): void {
    if (response && response.status < 200) return;
    if (response && response.status < 300) {
      const dialog = this.dialog;
      if (!dialog || this.ended) return;
      // Retransmitted 2xx get the same ACK again.
      if (!this.ourReinviteAck || cseqOf(this.ourReinviteAck).seq !== cseqOf(request).seq) {
        this.ourReinviteAck = inDialogRequest(dialog, 'ACK', { via: this.sig.via(this.peer), seq: cseqOf(request).seq });
        try {
          if (response.body.length > 0) this.media?.acceptAnswer(response.body.toString('utf8'));
        } catch (error) {
          this.sig.log('SIP phone answered a re-INVITE with SDP that cannot be used', { error: (error as Error).message });
        }
      }
      this.sig.send(this.ourReinviteAck, this.peer);
      if (!this.reinvitePending) return;
    }
    this.reinvitePending = false;
    if (response?.status === 491) {
      const waitMs = this.ownsCallId ? 2100 + Math.random() * 1900 : Math.random() * 2000;
      this.retryTimer = this.sig.clock.setTimeout(() => this.reinvite(), waitMs);
      return;
    }
    if (this.reinviteAgain) this.reinvite();
  }

  /** Starts a client transaction inside the dialog; `answered(undefined)` when it timed out or could not be sent. */
  protected sendInDialog(request: SipRequest, answered: (response: SipResponse | undefined) => void): void {
    try {
      this.sig.layer.sendRequest(request, this.peer, { response: answered, failed: () => answered(undefined) });
    } catch (error) {
      this.sig.log(`cannot send ${request.method} to a SIP phone`, { error: (error as Error).message });
      answered(undefined);
    }
  }
}
