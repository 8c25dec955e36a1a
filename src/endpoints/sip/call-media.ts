// The media of one SIP call: its RTP session from the pool, and the SDP offers and answers written and read for it.

import type { Clock } from '../../core/clock.js';
import type { RtpPortPool } from '../../media/rtp/port-pool.js';
import { answerOffer, createOffer, readAnswer, type Direction, type LocalMedia } from '../../media/rtp/sdp.js';
import { RtpSession } from '../../media/rtp/session.js';

/** What a call's media is made from. */
export interface CallMediaOptions {
  pool: RtpPortPool;
  /** The media clock (the PBX clock): RTCP intervals and RFC 4733 packet pacing. */
  clock: Clock;
}

/**
 * One RTP session and the offer/answer state around it: the o= version goes up with each new description, and
 * the last offer is kept so its answer is read against what was offered.
 */
export class CallMedia {
  /** Binds a port pair and makes the session; rejects when the pool has none left. */
  static async open(options: CallMediaOptions): Promise<CallMedia> {
    return new CallMedia(await RtpSession.open({ pool: options.pool, clock: options.clock }));
  }

  private readonly sessionId = String(Math.floor(Math.random() * 2 ** 31));
  private version = 0;
  private lastOffer: LocalMedia | undefined;
  private closed = false;

  private constructor(readonly session: RtpSession) {}

  /** An SDP offer with `direction` (sendonly holds the far end). */
  offer(direction: Direction = 'sendrecv'): string {
    this.lastOffer = this.local(direction);
    return createOffer(this.lastOffer);
  }

  /** Reads the answer to the last offer and starts sending as it says. Throws SdpError when it cannot be used. */
  acceptAnswer(sdp: string): void {
    if (!this.lastOffer) throw new Error('no offer is pending');
    this.session.apply(readAnswer(sdp, this.lastOffer));
  }

  /**
   * Answers the far end's offer and applies it; `direction` is what we want (sendrecv, or sendonly while we hold).
   * Returns the answer and the direction the far end asked for. Throws SdpError (488) when no codec is in common.
   */
  answer(offerSdp: string, direction: Direction = 'sendrecv'): { sdp: string; theirs: Direction } {
    const { sdp, media } = answerOffer(offerSdp, this.local(direction));
    this.session.apply(media);
    return { sdp, theirs: offeredDirection(offerSdp) };
  }

  /** RTCP BYE, sockets closed, ports back to the pool; once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
  }

  private local(direction: Direction): LocalMedia {
    this.version += 1;
    return { address: this.session.localAddress, port: this.session.localPort, direction, sessionId: this.sessionId, sessionVersion: this.version };
  }
}

/** The direction an offer's audio stream asks for, read from its first audio m= line or the session (RFC 3264 §5.1). */
export function offeredDirection(sdp: string): Direction {
  const lines = sdp.split(/\r?\n/);
  const audio = lines.findIndex((l) => l.startsWith('m=audio'));
  const find = (from: number, to: number): Direction | undefined => {
    for (const line of lines.slice(from, to)) {
      const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(line);
      if (m) return m[1] as Direction;
    }
    return undefined;
  };
  const end = lines.findIndex((l, i) => i > audio && l.startsWith('m='));
  const inMedia = audio >= 0 ? find(audio + 1, end < 0 ? lines.length : end) : undefined;
  const connection = lines.slice(audio >= 0 ? audio : 0).find((l) => l.startsWith('c=')) ?? lines.find((l) => l.startsWith('c='));
  const dir = inMedia ?? find(0, audio < 0 ? lines.length : audio) ?? 'sendrecv';
  // RFC 3264 §8.4: c=0.0.0.0 is the old way of holding.
  if (connection?.trim().endsWith(' 0.0.0.0') && dir === 'sendrecv') return 'sendonly';
  return dir;
}
