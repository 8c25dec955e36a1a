// One RTP audio stream over UDP as a MediaPort: G.711 out on each 20 ms tick, jitter-buffered audio in, RFC 4733 digits, RTCP.

import type { RemoteInfo } from 'node:dgram';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { RTP_MAX_QUEUED_DIGITS } from '../../limits.js';
import type { MediaPort } from '../../core/media-port.js';
import { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE_HZ } from '../format.js';
import { g711Decode, g711Encode } from './g711.js';
import { JitterBuffer, type JitterBufferCounters } from './jitter-buffer.js';
import { RTP_HEADER_BYTES, decodeRtp, emptyRtpPacket, looksLikeRtcp, writeRtpHeader } from './packet.js';
import type { PortPair, RtpPortPool } from './port-pool.js';
import { RtcpState, parseRtcp, type RtpStats } from './rtcp.js';
import { MAX_PTIME_MS, type Direction, type NegotiatedMedia } from './sdp.js';
import { TELEPHONE_EVENT_BYTES, TelephoneEventReceiver, encodeTelephoneEvent, telephoneEventPackets } from './telephone-event.js';

/** Mean interval between RTCP reports, in ms (RFC 3550 §6.2 minimum; each interval is randomised ×0.5-1.5). */
export const RTCP_INTERVAL_MS = 5000;
/** Send buffers cycled through (a datagram's buffer must stay untouched until the socket has sent it). */
const SEND_BUFFERS = 32;
const MAX_PACKET_SAMPLES = (MAX_PTIME_MS * SAMPLE_RATE_HZ) / 1000;

/** How a session is made. */
export interface RtpSessionOptions {
  pool: RtpPortPool;
  clock: Clock;
  /** A digit received as an RFC 4733 event (reported once, at the start of its event). */
  onDigit?: (digit: string) => void;
  /** RTCP CNAME (default `switchboard@<address>`). */
  cname?: string;
  /** Source of randomness for the SSRC and the initial sequence number and timestamp (RFC 3550 §5.1). */
  random?: () => number;
}

/** Counters of one session beyond RTCP's: what was refused on receipt and what the jitter buffer did. */
export interface RtpSessionStats extends RtpStats {
  /** Audio payload octets received and played into the jitter buffer (one per G.711 sample). */
  octetsReceived: number;
  /** Datagrams on the RTP port that are no valid RTP. */
  invalidPackets: number;
  /** Valid RTP from another source than the one latched, or with a payload type not negotiated. */
  ignoredPackets: number;
  digitsReceived: number;
  /** The far end said BYE in RTCP (it is leaving). */
  byeReceived: boolean;
  jitterBuffer: JitterBufferCounters;
}

/**
 * An RTP session on one port pair (RTP even, RTCP + 1). `apply` a negotiation result to start; the engine then
 * drives it as a MediaPort: `hear` encodes what the leg hears and sends it in packets of the negotiated ptime,
 * `produce` plays the far end's audio out of the jitter buffer. Symmetric RTP: once the far end's packets arrive,
 * they are answered where they come from (the first source is latched until the next `apply`). Direction is
 * respected both ways (sendonly/inactive is hold). `close` sends an RTCP BYE and releases the ports.
 */
export class RtpSession implements MediaPort {
  /** Binds a port pair from `options.pool` and makes a session on it. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    return new RtpSession(await options.pool.allocate(), options);
  }

  readonly localAddress: string;
  readonly localPort: number;
  /** A digit received (RFC 4733); may be set after construction. */
  onDigit: ((digit: string) => void) | undefined;
  /** Resolves once both sockets are closed and the ports are back in the pool. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly ssrc: number;
  private readonly buffer = new JitterBuffer();
  private readonly events = new TelephoneEventReceiver();
  private readonly rtcp: RtcpState;
  private readonly packet = emptyRtpPacket();
  private readonly decoded = new Int16Array(MAX_PACKET_SAMPLES);
  private readonly pending = new Int16Array(MAX_PACKET_SAMPLES); // audio waiting for a whole ptime
  private readonly sendBuffers = Array.from({ length: SEND_BUFFERS }, () => Buffer.alloc(RTP_HEADER_BYTES + MAX_PACKET_SAMPLES));
  private nextBuffer = 0;
  private media: NegotiatedMedia | undefined;
  private direction: Direction = 'inactive';
  private remote: { address: string; port: number } | undefined;
  private remoteRtcp: { address: string; port: number } | undefined;
  private latched: { address: string; port: number } | undefined;
  private sequence: number;
  private timestamp: number; // of the first sample in `pending`
  private pendingSamples = 0;
  private talkspurt = true; // the next audio packet starts one (marker bit)
  private resync = false; // ticks were skipped since the last hear
  private lastHearMs: number | undefined;
  private eventActive = false;
  private readonly digitQueue: { digit: string; durationMs: number | undefined }[] = [];
  private readonly timers = new Set<TimerHandle>();
  private rtcpTimer: TimerHandle | undefined;
  private wake: (() => void) | undefined;
  private lastProduced = false;
  private isClosed = false;
  private invalidPackets = 0;
  private ignoredPackets = 0;
  private byeReceived = false;
  private octetsReceived = 0;

  private constructor(private readonly pair: PortPair, private readonly options: RtpSessionOptions) {
    const random = options.random ?? Math.random;
    this.ssrc = Math.floor(random() * 2 ** 32) >>> 0;
    this.sequence = Math.floor(random() * 65536);
    this.timestamp = Math.floor(random() * 2 ** 32) >>> 0;
    this.localAddress = options.pool.address;
    this.localPort = pair.port;
    this.onDigit = options.onDigit;
    this.rtcp = new RtcpState(this.ssrc, options.cname ?? `switchboard@${this.localAddress}`);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    pair.rtp.on('message', (data: Buffer, from: RemoteInfo) => this.receive(data, from));
    pair.rtcp.on('message', (data: Buffer, from: RemoteInfo) => this.receiveRtcp(data, from));
    // A send to an unreachable port comes back as an error event on some platforms: count it, never crash.
    pair.rtp.on('error', () => this.invalidPackets++);
    pair.rtcp.on('error', () => this.invalidPackets++);
  }

  /** Starts or updates the stream from an offer/answer outcome (a re-INVITE applies a new one; the latch resets). */
  apply(media: NegotiatedMedia): void {
    if (this.isClosed) return;
    this.media = media;
    this.remote = { address: media.remoteAddress, port: media.remotePort };
    this.remoteRtcp = { address: media.remoteAddress, port: media.remoteRtcpPort };
    this.latched = undefined;
    this.pendingSamples = 0;
    this.setDirection(media.direction);
    if (!this.rtcpTimer) this.scheduleRtcp();
  }

  /** Changes what we do without a new negotiation: sendonly or inactive holds, sendrecv resumes. */
  setDirection(direction: Direction): void {
    const resumed = this.direction === 'inactive' && direction !== 'inactive';
    this.direction = direction;
    if (direction === 'sendrecv' || direction === 'sendonly') this.talkspurt = true;
    if (resumed) this.wake?.();
  }

  /** An RTP stream runs continuously while it sends or receives, so the media clock keeps ticking for it. */
  get producing(): boolean {
    return !this.isClosed && this.media !== undefined && this.direction !== 'inactive';
  }

  get sending(): boolean {
    return this.lastProduced;
  }

  start(wake: () => void): void {
    this.wake = wake;
  }

  /** The far end's next 20 ms, out of the jitter buffer; false (silence) while on hold or while nothing plays. */
  produce(frame: Int16Array): boolean {
    this.lastProduced = !this.isClosed && receives(this.direction) && this.buffer.pull(frame);
    return this.lastProduced;
  }

  /** What the leg hears this tick goes out to the far end, in packets of the negotiated ptime. */
  hear(frame: Int16Array): void {
    const media = this.media;
    if (this.isClosed || !media) return;
    const ptimeSamples = (media.ptimeMs * SAMPLE_RATE_HZ) / 1000;
    const now = this.options.clock.now();
    if (this.resync && this.lastHearMs !== undefined) {
      // The clock slept: move the timestamp on by the ticks that went by, so it keeps pace with time (RFC 3550 §5.1).
      const missed = Math.max(0, Math.round((now - this.lastHearMs) / FRAME_MS) - 1);
      this.timestamp = (this.timestamp + missed * FRAME_SAMPLES) >>> 0;
      this.pendingSamples = 0;
    }
    this.resync = false;
    this.lastHearMs = now;
    let taken = 0;
    while (taken < FRAME_SAMPLES) {
      const n = Math.min(FRAME_SAMPLES - taken, ptimeSamples - this.pendingSamples);
      this.pending.set(frame.subarray(taken, taken + n), this.pendingSamples);
      this.pendingSamples += n;
      taken += n;
      if (this.pendingSamples === ptimeSamples) this.flushAudio(media, ptimeSamples);
    }
  }

  /** Ticks went by unheard (the clock slept): the timestamps jump with them and the next packet starts a talkspurt. */
  skipped(): void {
    this.talkspurt = true;
    this.resync = true;
  }

  /**
   * Sends `digit` as an RFC 4733 event (queued behind one being sent). False when the far end did not negotiate
   * telephone-event, the session is not sending, or RTP_MAX_QUEUED_DIGITS are waiting. Throws a RangeError for a
   * character that is not a DTMF digit.
   */
  sendDigit(digit: string, durationMs?: number): boolean {
    telephoneEventPackets(digit, durationMs === undefined ? {} : { durationMs }); // validates
    if (this.isClosed || this.media?.telephoneEventPayloadType === undefined || !sends(this.direction)) return false;
    if (this.digitQueue.length >= RTP_MAX_QUEUED_DIGITS) return false;
    this.digitQueue.push({ digit, durationMs });
    if (!this.eventActive) this.nextDigit();
    return true;
  }

  /** The negotiation applied last (codec, ptime, the far end's address as signalled), or undefined before any. */
  get negotiated(): NegotiatedMedia | undefined {
    return this.media;
  }

  /** Our current direction (sendonly or inactive while holding or held). */
  get currentDirection(): Direction {
    return this.direction;
  }

  /** Where our packets go now: the latched source once the far end has sent, else the signalled address. */
  get remoteEndpoint(): { address: string; port: number } | undefined {
    return this.remote;
  }

  /** Figures for /metrics and /sim. */
  stats(): RtpSessionStats {
    return {
      ...this.rtcp.stats(this.buffer.reception),
      octetsReceived: this.octetsReceived,
      invalidPackets: this.invalidPackets,
      ignoredPackets: this.ignoredPackets,
      digitsReceived: this.events.events,
      byeReceived: this.byeReceived,
      jitterBuffer: { ...this.buffer.counters },
    };
  }

  /** Stops the stream: an RTCP BYE to the far end, then both sockets close and the ports go back to the pool. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const timer of this.timers) this.options.clock.clearTimeout(timer);
    this.timers.clear();
    this.options.clock.clearTimeout(this.rtcpTimer);
    const release = (): void => void this.options.pool.release(this.pair).then(this.resolveClosed);
    const to = this.remoteRtcp;
    if (!to || !this.media) return release();
    const bye = this.rtcp.report(this.options.clock.now(), this.timestamp, this.reportSource(), true);
    this.pair.rtcp.send(bye, to.port, to.address, () => release());
  }

  private flushAudio(media: NegotiatedMedia, ptimeSamples: number): void {
    const to = this.remote;
    if (to && sends(this.direction) && !this.eventActive) {
      const buf = this.takeBuffer();
      writeRtpHeader(buf, { marker: this.talkspurt, payloadType: media.payloadType, sequence: this.sequence, timestamp: this.timestamp, ssrc: this.ssrc });
      g711Encode(media.codec, this.pending, buf, ptimeSamples, 0, RTP_HEADER_BYTES);
      this.transmit(buf, RTP_HEADER_BYTES + ptimeSamples, ptimeSamples);
      this.talkspurt = false;
    }
    this.timestamp = (this.timestamp + ptimeSamples) >>> 0;
    this.pendingSamples = 0;
  }

  /** Sends the next queued digit: its packets on the clock, all with the timestamp the audio had when it began. */
  private nextDigit(): void {
    const next = this.digitQueue.shift();
    const pt = this.media?.telephoneEventPayloadType;
    if (!next || pt === undefined) {
      this.eventActive = false;
      return;
    }
    this.eventActive = true;
    const packets = telephoneEventPackets(next.digit, next.durationMs === undefined ? {} : { durationMs: next.durationMs });
    const eventTimestamp = this.timestamp;
    packets.forEach((p, index) => {
      const timer = this.options.clock.setTimeout(() => {
        this.timers.delete(timer);
        const to = this.remote;
        if (to && sends(this.direction)) {
          const buf = this.takeBuffer();
          writeRtpHeader(buf, { marker: p.marker, payloadType: pt, sequence: this.sequence, timestamp: eventTimestamp, ssrc: this.ssrc });
          encodeTelephoneEvent(buf.subarray(RTP_HEADER_BYTES), p.event);
          this.transmit(buf, RTP_HEADER_BYTES + TELEPHONE_EVENT_BYTES, TELEPHONE_EVENT_BYTES);
        }
        if (index === packets.length - 1) {
          // Audio (and the next event) resume past the event even if no audio went by meanwhile: a new timestamp.
          const after = (eventTimestamp + (p.offsetMs * SAMPLE_RATE_HZ) / 1000 + FRAME_SAMPLES) >>> 0;
          if (((after - this.timestamp) | 0) > 0) this.timestamp = after;
          this.talkspurt = true;
          this.nextDigit();
        }
      }, p.offsetMs);
      this.timers.add(timer);
    });
  }

  private transmit(buf: Buffer, length: number, payloadBytes: number): void {
    const to = this.remote;
    if (!to) return;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.rtcp.sent(payloadBytes);
    this.pair.rtp.send(buf, 0, length, to.port, to.address, (error) => {
      if (error) this.invalidPackets++;
    });
  }

  private takeBuffer(): Buffer {
    const buf = this.sendBuffers[this.nextBuffer] as Buffer;
    this.nextBuffer = (this.nextBuffer + 1) % SEND_BUFFERS;
    return buf;
  }

  private receive(data: Buffer, from: RemoteInfo): void {
    const media = this.media;
    if (this.isClosed || !media) return;
    if (looksLikeRtcp(data)) return this.receiveRtcp(data, from); // a far end multiplexing RTCP (RFC 5761)
    if (decodeRtp(data, this.packet) !== undefined) {
      this.invalidPackets++;
      return;
    }
    const p = this.packet;
    const known = p.payloadType === media.payloadType || p.payloadType === media.telephoneEventPayloadType;
    if (!known || !this.latch(from)) {
      this.ignoredPackets++;
      return;
    }
    if (!receives(this.direction)) return;
    if (p.payloadType === media.payloadType) {
      const n = p.payload.length; // one byte per sample
      if (n > MAX_PACKET_SAMPLES) {
        this.buffer.counters.refused++;
        return;
      }
      this.octetsReceived += n;
      g711Decode(media.codec, p.payload, this.decoded, n);
      this.buffer.push(p.sequence, p.timestamp, p.ssrc, p.marker, this.decoded.subarray(0, n), this.options.clock.now());
      return;
    }
    this.buffer.countNonAudio(p.sequence, p.ssrc);
    const digit = this.events.receive(p.payload, p.timestamp);
    if (digit !== undefined) this.onDigit?.(digit);
  }

  /** Symmetric RTP: the first source heard becomes where we send; packets from any other are ignored. */
  private latch(from: RemoteInfo): boolean {
    if (!this.latched) {
      this.latched = { address: from.address, port: from.port };
      this.remote = this.latched;
      return true;
    }
    return this.latched.address === from.address && this.latched.port === from.port;
  }

  private receiveRtcp(data: Buffer, from: RemoteInfo): void {
    if (this.isClosed) return;
    const packets = parseRtcp(data);
    if (typeof packets === 'string') {
      this.invalidPackets++;
      return;
    }
    this.remoteRtcp = { address: from.address, port: from.port }; // symmetric RTCP, as for RTP
    if (this.rtcp.received(packets, this.options.clock.now()).length > 0) this.byeReceived = true;
  }

  private scheduleRtcp(): void {
    const random = this.options.random ?? Math.random;
    this.rtcpTimer = this.options.clock.setTimeout(() => {
      this.rtcpTimer = undefined;
      if (this.isClosed) return;
      const to = this.remoteRtcp;
      if (to && this.direction !== 'inactive') {
        const report = this.rtcp.report(this.options.clock.now(), this.timestamp, this.reportSource());
        this.pair.rtcp.send(report, to.port, to.address, () => undefined);
      }
      this.scheduleRtcp();
    }, RTCP_INTERVAL_MS * (0.5 + random()));
  }

  private reportSource(): { ssrc: number; reception: JitterBuffer['reception'] } | undefined {
    const ssrc = this.buffer.sourceSsrc;
    return ssrc === undefined ? undefined : { ssrc, reception: this.buffer.reception };
  }
}

function sends(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

function receives(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}
