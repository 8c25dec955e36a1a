// The endpoint of SIP-registered phones: legs offered to a phone become INVITEs, calls a phone places become the core's dialled calls.

import { causeToSipStatus, codeToCause } from '../../core/causes.js';
import type { Endpoint, LegControl, OfferInfo, RejectCause } from '../../core/endpoint.js';
import { CoreError, ErrorCodes, type ErrorCode } from '../../core/errors.js';
import type { MediaPort } from '../../core/media-port.js';
import type { Pbx } from '../../core/pbx.js';
import type { PbxEvent, RemovalCause } from '../../core/types.js';
import type { SipAutoAnswer } from '../../config/types.js';
import type { RtpSessionStats } from '../../media/rtp/session.js';
import type { InviteServerTransaction } from '../../sip/invite-server.js';
import type { SipRequest } from '../../sip/message.js';
import type { Peer } from '../../sip/transaction.js';
import type { CallSignalling } from './call-dialogs.js';
import type { CallMediaOptions } from './call-media.js';
import type { CallSession } from './call-session.js';
import { PhoneCall } from './phone-call.js';
import { PhoneLeg, type PhoneTarget } from './phone-leg.js';

/** A registered phone as the endpoint finds it. */
export interface PhoneDevice {
  extension: string;
  contact: string;
  source: Peer;
}

export interface SipPhoneOptions {
  pbx: Pbx;
  sig: CallSignalling;
  media: CallMediaOptions;
  /** The binding of a device, if it is a registered SIP phone now. */
  device(dn: string, deviceId: string): PhoneDevice | undefined;
  /** How the extension's phones are made to answer by themselves, for a makecall from one of them. */
  autoAnswer(dn: string): SipAutoAnswer;
}

/** One RTP session of a phone leg, for /metrics and /sim. */
export interface PhoneRtpSession {
  participantId: number;
  dn: string;
  deviceId: string;
  stats: RtpSessionStats;
}

/**
 * Every SIP phone's endpoint (one object: it keys its calls by participant). `admit` is availability only (a
 * binding exists); `offered` sends the INVITE; `media` is the leg's RTP session.
 */
export class SipPhoneEndpoint implements Endpoint {
  private readonly sessions = new Map<number, { session: CallSession; leg: LegControl }>();
  private readonly inbound = new Map<InviteServerTransaction, PhoneCall>();
  /** A phone's call being dialled now: the core's origin leg of it is the next Dialing leg of that device. */
  private dialling: { call: PhoneCall; dn: string; deviceId: string } | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: SipPhoneOptions) {
    this.unsubscribe = options.pbx.subscribe((event) => this.event(event));
  }

  admit(offer: OfferInfo): RejectCause | null {
    return this.options.device(offer.dn, offer.deviceId) ? null : 'not-registered';
  }

  offered(leg: LegControl): void {
    this.ring(leg, false);
  }

  /** A makecall from a phone with auto-answer: an INVITE it answers by itself, with the headers its setting names. */
  originated(leg: LegControl): void {
    this.ring(leg, true);
  }

  /** The API answers a ringing phone with direct control: the phone is told to pick up (NOTIFY Event: talk). */
  answerRequested(leg: LegControl): void {
    const session = this.sessionOf(leg);
    if (session instanceof PhoneLeg) session.requestAnswer();
  }

  private ring(leg: LegControl, originating: boolean): void {
    const device = this.options.device(leg.dn, leg.deviceId);
    if (!device) return originating ? leg.hangup() : leg.reject('not-registered');
    const headers = originating ? autoAnswerHeaders(this.options.autoAnswer(leg.dn), this.options.sig.host) : [];
    const target: PhoneTarget = { extension: device.extension, contact: device.contact, source: device.source, headers };
    const session = new PhoneLeg(leg, target, this.options.sig, this.options.media, originating);
    this.sessions.set(leg.participantId, { session, leg });
    session.start();
  }

  connected(leg: LegControl): void {
    const entry = this.sessionOf(leg);
    if (entry instanceof PhoneCall) entry.connected();
  }

  held(leg: LegControl, held: boolean): void {
    this.sessionOf(leg)?.held(held);
  }

  dtmf(leg: LegControl, digit: string): void {
    this.sessionOf(leg)?.sendDigit(digit);
  }

  removed(leg: LegControl, cause: RemovalCause): void {
    const session = this.sessionOf(leg);
    this.sessions.delete(leg.participantId);
    if (session instanceof PhoneCall) {
      this.inbound.delete(session.tx);
      session.removed(cause);
    } else if (session instanceof PhoneLeg) {
      session.removed();
    }
  }

  media(leg: LegControl): MediaPort | undefined {
    return this.sessionOf(leg)?.media?.session;
  }

  /**
   * An authenticated INVITE from `device`: RTP is opened and the offer answered, then the Request-URI's user is
   * dialled from the device. Refusals of the dial plan answer 404 (no such number) or the status of their cause.
   */
  async incoming(request: SipRequest, tx: InviteServerTransaction, device: PhoneDevice, destination: string): Promise<void> {
    const call = new PhoneCall(request, tx, device.source, this.options.sig);
    this.inbound.set(tx, call);
    const ready = await call.prepare(this.options.media);
    if (!ready) {
      this.inbound.delete(tx);
      return;
    }
    this.dialling = { call, dn: device.extension, deviceId: device.contact };
    try {
      this.options.pbx.dialFromDevice(device.extension, device.contact, destination);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      this.inbound.delete(tx);
      call.fail(dialRefusalStatus(error.code));
    } finally {
      this.dialling = undefined;
    }
  }

  /** A CANCEL matched a phone's pending INVITE. */
  cancel(tx: InviteServerTransaction): void {
    const call = this.inbound.get(tx);
    this.inbound.delete(tx);
    call?.cancelled();
  }

  /** The live RTP sessions of phone legs. */
  rtpSessions(): PhoneRtpSession[] {
    const list: PhoneRtpSession[] = [];
    for (const [participantId, { session, leg }] of this.sessions) {
      if (session.media && !session.ended) list.push({ participantId, dn: leg.dn, deviceId: leg.deviceId, stats: session.media.session.stats() });
    }
    return list;
  }

  /** Calls in progress (phone legs and phone calls), for leak checks. */
  get liveCalls(): number {
    return this.sessions.size + this.inbound.size;
  }

  stop(): void {
    this.unsubscribe();
  }

  private sessionOf(leg: LegControl): CallSession | undefined {
    const known = this.sessions.get(leg.participantId);
    if (!known) return undefined;
    if (known.leg !== leg && known.session instanceof PhoneCall) {
      // The core's own control replaces the stand-in made when the origin leg appeared.
      known.leg = leg;
      known.session.attach(leg);
    }
    return known.session;
  }

  /** Progress of a phone's call: its destination ringing (180), early media on its origin leg (183). */
  private event(event: PbxEvent): void {
    if (event.type !== 'participant-upserted') return;
    const { participant, link } = event;
    const pending = this.dialling;
    if (pending && pending.call.participantId === undefined && participant.status === 'Dialing' && participant.dn === pending.dn && participant.deviceId === pending.deviceId) {
      // The origin leg of the call being dialled: known by id from now on, before any hook hands over its control.
      const leg = this.standIn(participant.id, participant.dn, participant.deviceId);
      pending.call.attach(leg);
      this.sessions.set(participant.id, { session: pending.call, leg });
    }
    const own = this.sessions.get(participant.id)?.session;
    if (own instanceof PhoneCall && participant.status === 'Dialing' && link.media) own.earlyMedia();
    if (participant.status === 'Ringing' && link.peerId !== null) {
      const origin = this.sessions.get(link.peerId)?.session;
      if (origin instanceof PhoneCall) origin.ringing();
    }
  }

  /** A control of an origin leg through the PBX's endpoint commands, until the core hands over the leg's own. */
  private standIn(participantId: number, dn: string, deviceId: string): LegControl {
    const pbx = this.options.pbx;
    const quietly = (action: () => void): void => {
      try {
        action();
      } catch (error) {
        if (!(error instanceof CoreError)) throw error; // the leg is gone or not in conversation: nothing to do
      }
    };
    return {
      participantId,
      dn,
      deviceId,
      progress: () => undefined,
      answer: () => undefined,
      reject: () => undefined,
      hold: () => undefined,
      hangup: () => quietly(() => pbx.endpointHangup(participantId)),
      dtmf: (digits) => quietly(() => pbx.sendDtmf(participantId, digits)),
      view: () => undefined,
    };
  }
}

/** What asks a phone to answer by itself: Call-Info answer-after=0, or RFC 5373 Answer-Mode: Auto. */
function autoAnswerHeaders(mode: SipAutoAnswer, host: string): Array<[string, string]> {
  if (mode === 'call-info') return [['Call-Info', `<sip:${host}>;answer-after=0`]];
  if (mode === 'answer-mode') return [['Answer-Mode', 'Auto'], ['Supported', 'answermode']];
  return [];
}

/** The final status for a dial the core refused at once: unknown numbers 404, the rest by their cause. */
function dialRefusalStatus(code: ErrorCode): number {
  if (code === ErrorCodes.INVALID_DESTINATION || code === ErrorCodes.DN_NOT_FOUND) return 404;
  if (code === ErrorCodes.DEVICE_NOT_REGISTERED || code === ErrorCodes.DEVICE_NOT_FOUND) return 403;
  if (code === ErrorCodes.NOT_SUPPORTED || code === ErrorCodes.INVALID_ARGUMENT) return 403;
  const cause = codeToCause(code);
  return cause === 'peer-left' ? 503 : causeToSipStatus(cause);
}
