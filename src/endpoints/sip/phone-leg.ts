// A call the PBX offers to one registered phone: INVITE with an SDP offer, progress, answer and ACK, refusal, CANCEL and its races.

import { sipStatusToCause } from '../../core/causes.js';
import type { LegControl } from '../../core/endpoint.js';
import { formatNameAddr } from '../../sip/address.js';
import { buildCancel, newBranch, randomToken } from '../../sip/builders.js';
import type { SipTimerHandle } from '../../sip/clock.js';
import { confirmUac, inDialogRequest, uacDialog, type Dialog } from '../../sip/dialog.js';
import { SipHeaders } from '../../sip/headers.js';
import { tagOf, toOf, type SipRequest, type SipResponse } from '../../sip/message.js';
import type { Peer } from '../../sip/transaction.js';
import type { InviteClientTransaction } from '../../sip/invite-client.js';
import { parseUri, type Uri } from '../../sip/uri.js';
import type { CallSignalling } from './call-dialogs.js';
import { CallMedia, type CallMediaOptions } from './call-media.js';
import { CallSession } from './call-session.js';

/** The phone a leg rings: where its binding says it is. */
export interface PhoneTarget {
  extension: string;
  /** The registered Contact: the Request-URI. */
  contact: string;
  /** Where the REGISTER came from: INVITEs go there (the phone may be behind NAT). */
  source: Peer;
  /** Extra headers of this INVITE (auto-answer). */
  headers?: Array<[string, string]>;
}

/**
 * One INVITE transaction to one phone for one ringing leg, and the dialog it makes. 180 is progress, 183 with SDP
 * early media, 2xx the answer (ACKed, every retransmission too), 3xx-6xx a refusal with the cause of the table.
 * The leg leaving while it rings sends CANCEL once the phone has sent a provisional response; a 2xx that crosses
 * the CANCEL is ACKed and hung up with BYE (RFC 3261 §9.1, §15).
 */
export class PhoneLeg extends CallSession {
  protected readonly ownsCallId = true;
  private invite: SipRequest | undefined;
  private tx: InviteClientTransaction | undefined;
  private ack: SipRequest | undefined;
  private provisional = false;
  /** The leg left while ringing: cancel the INVITE (or hang up a 2xx that crosses). */
  private withdrawn = false;
  private cancelled = false;
  private earlyApplied = false;
  private cancelTimer: SipTimerHandle | undefined;

  private answerWanted = false;

  /** `originating`: the leg is Dialing (a makecall the phone answers by itself), so a refusal hangs it up. */
  constructor(leg: LegControl, private readonly target: PhoneTarget, sig: CallSignalling, private readonly mediaOptions: CallMediaOptions, private readonly originating = false) {
    super(leg, target.source, sig);
  }

  /** The API answers for the user: NOTIFY Event: talk inside the early dialog (once the phone has made one). */
  requestAnswer(): void {
    if (this.ended || this.ack) return;
    this.answerWanted = true;
    const dialog = this.dialog;
    if (!dialog) return; // sent when the phone's first provisional response makes the early dialog
    this.answerWanted = false;
    const notify = inDialogRequest(dialog, 'NOTIFY', { via: this.sig.via(this.peer), contact: this.sig.contact(this.peer) });
    notify.headers.append('Event', 'talk');
    notify.headers.append('Subscription-State', 'active');
    this.sendInDialog(notify, (response) => {
      if (response && response.status >= 300) this.sig.log('SIP phone refused to answer when told to', { status: response.status });
    });
  }

  /** The phone refused or failed: a ringing leg is rejected, a Dialing one (makecall) hung up. */
  private refused(cause: ReturnType<typeof sipStatusToCause>): void {
    if (this.originating) this.leg.hangup();
    else this.leg.reject(cause);
  }

  /** Opens the RTP session, then sends the INVITE; a session that cannot be opened refuses the leg as unreachable. */
  start(): void {
    CallMedia.open(this.mediaOptions).then(
      (media) => {
        this.media = media;
        if (this.withdrawn) return this.finish();
        media.session.onDigit = (digit) => this.leg.dtmf(digit);
        this.sendInvite(media);
      },
      (error: Error) => {
        this.sig.log('no RTP port for a call to a SIP phone', { error: error.message });
        this.ended = true;
        this.refused('unreachable');
      },
    );
  }

  /** The core removed the leg. */
  removed(): void {
    if (this.ended) return;
    if (this.dialog?.state === 'confirmed') return this.bye();
    this.withdrawn = true;
    if (this.provisional) this.cancel();
  }

  private sendInvite(media: CallMedia): void {
    const view = this.leg.view();
    if (!view) return this.finish();
    const host = this.sig.host;
    const headers = new SipHeaders();
    headers.append('Via', `${this.sig.via(this.peer)};branch=${newBranch()};rport`);
    headers.append('Max-Forwards', '70');
    const caller = view.partyCallerId || 'anonymous';
    headers.append('From', formatNameAddr({ ...(view.partyCallerName ? { displayName: view.partyCallerName } : {}), uri: sipUri(caller, host), params: new Map([['tag', randomToken()]]) }));
    headers.append('To', formatNameAddr({ uri: sipUri(this.target.extension, host), params: new Map() }));
    headers.append('Call-ID', `${randomToken(12)}@${host}`);
    headers.append('CSeq', '1 INVITE');
    headers.append('Contact', formatNameAddr(this.sig.contact(this.peer)));
    headers.append('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, NOTIFY');
    for (const [name, value] of this.target.headers ?? []) headers.append(name, value);
    headers.append('Content-Type', 'application/sdp');
    let uri: Uri;
    try {
      uri = parseUri(this.target.contact);
    } catch {
      this.finish();
      return this.refused('unreachable');
    }
    const invite: SipRequest = { type: 'request', method: 'INVITE', uri, headers, body: Buffer.from(media.offer()) };
    this.invite = invite;
    try {
      this.tx = this.sig.layer.sendRequest(invite, this.peer, { response: (r) => this.response(r), failed: (reason) => this.failed(reason) }) as InviteClientTransaction;
    } catch (error) {
      this.sig.log('cannot send INVITE to a SIP phone', { error: (error as Error).message });
      this.finish();
      this.refused('unreachable');
    }
  }

  private response(response: SipResponse): void {
    const status = response.status;
    if (status < 200) return this.provisionalResponse(response);
    if (status < 300) return this.accepted(response);
    this.sig.clock.clearTimeout(this.cancelTimer);
    if (this.ended) return;
    this.finish();
    if (!this.withdrawn) this.refused(sipStatusToCause(status));
  }

  private provisionalResponse(response: SipResponse): void {
    if (response.status === 100 || this.ended) return;
    this.provisional = true;
    if (this.withdrawn) return this.cancel();
    if (!this.dialog && this.invite) this.dialog = uacDialog(this.invite, response);
    if (this.answerWanted) this.requestAnswer();
    if (response.status === 183 && response.body.length > 0 && !this.earlyApplied) {
      try {
        this.media?.acceptAnswer(response.body.toString('utf8'));
        this.earlyApplied = true;
        return this.leg.progress('early-media');
      } catch (error) {
        this.sig.log('SIP phone sent early media SDP that cannot be used', { error: (error as Error).message });
      }
    }
    this.leg.progress('ringing');
  }

  /** A 2xx: ACK it (again for a retransmission); the first one answers the leg, or is hung up if the leg left. */
  private accepted(response: SipResponse): void {
    const invite = this.invite;
    if (!invite) return;
    this.sig.clock.clearTimeout(this.cancelTimer);
    const tag = tagOf(toOf(response));
    if (this.ack && this.dialog && tag === this.dialog.remoteTag) return this.sig.send(this.ack, this.peer);
    const dialog = uacDialog(invite, response);
    if (!dialog) return;
    if (this.ack) return this.ackAndBye(dialog); // a second fork's 2xx: the call already has its phone
    if (this.dialog && this.dialog.remoteTag === dialog.remoteTag) confirmUac(this.dialog, response);
    this.dialog = dialog;
    this.ack = inDialogRequest(dialog, 'ACK', { via: this.sig.via(this.peer), seq: 1 });
    this.sig.send(this.ack, this.peer);
    if (this.withdrawn || this.ended) return this.ackAndBye(dialog, true);
    this.sig.dialogs.add(dialog, this);
    try {
      if (response.body.length > 0) this.media?.acceptAnswer(response.body.toString('utf8'));
    } catch (error) {
      this.sig.log('SIP phone answered with SDP that cannot be used; hanging up', { error: (error as Error).message });
      this.bye();
      return this.refused('unreachable');
    }
    this.leg.answer();
  }

  /** Hangs up a dialog that answered too late (`acked`: its ACK went already). */
  private ackAndBye(dialog: Dialog, acked = false): void {
    if (!acked) this.sig.send(inDialogRequest(dialog, 'ACK', { via: this.sig.via(this.peer), seq: 1 }), this.peer);
    const bye = inDialogRequest(dialog, 'BYE', { via: this.sig.via(this.peer) });
    this.sendInDialog(bye, () => undefined);
    if (dialog === this.dialog) this.finish();
  }

  private failed(reason: 'timeout' | 'transport'): void {
    if (this.ended) return;
    this.finish();
    if (!this.withdrawn) this.refused(reason === 'timeout' ? sipStatusToCause(408) : 'unreachable');
  }

  /** CANCEL once; if no final response comes within 64*T1, the INVITE is given up (RFC 3261 §9.1). */
  private cancel(): void {
    if (this.cancelled || !this.invite) return;
    this.cancelled = true;
    this.media?.close();
    try {
      this.sig.layer.sendRequest(buildCancel(this.invite), this.peer, { response: () => undefined, failed: () => undefined });
    } catch (error) {
      this.sig.log('cannot send CANCEL to a SIP phone', { error: (error as Error).message });
    }
    this.cancelTimer = this.sig.clock.setTimeout(() => {
      this.tx?.abandon();
      this.finish();
    }, 64 * this.sig.timers.t1Ms);
  }
}

function sipUri(user: string, host: string): Uri {
  return parseUri(`sip:${user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}@${host}`);
}
