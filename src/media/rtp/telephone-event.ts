// RFC 4733 telephone-events for DTMF: the digits in received event packets, and the packets that send a digit.

import { DTMF_TONE_MS, SAMPLE_RATE_HZ } from '../format.js';

/** RFC 4733 §3.2 event codes 0-15, in order: the digit each stands for. */
export const TELEPHONE_EVENT_DIGITS = '0123456789*#ABCD';
/** Interval between the packets of one event while it lasts, in ms (RFC 4733 §2.5.1.2 leaves it to the sender; 50 ms is usual). */
export const TELEPHONE_EVENT_UPDATE_MS = 50;
/** How many times the end packet is sent (RFC 4733 §2.5.1.4: three, for reliability). */
export const TELEPHONE_EVENT_END_PACKETS = 3;
/** Interval between the redundant end packets, in ms. */
export const TELEPHONE_EVENT_END_SPACING_MS = 20;
/** Power level sent with a digit, in -dBm0 (RFC 4733 §2.3.4; 10 is -10 dBm0). */
export const TELEPHONE_EVENT_VOLUME = 10;
/** Bytes of one event block (RFC 4733 §2.3). */
export const TELEPHONE_EVENT_BYTES = 4;

/** One decoded event block. */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  /** Duration so far, in timestamp units (8 kHz samples). */
  duration: number;
}

/** Decodes the first event block of a payload; undefined when it is shorter than 4 bytes. */
export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < TELEPHONE_EVENT_BYTES) return undefined;
  const b1 = payload[1] as number;
  return { event: payload[0] as number, end: (b1 & 0x80) !== 0, volume: b1 & 0x3f, duration: ((payload[2] as number) << 8) | (payload[3] as number) };
}

/** Writes one event block into `out` (4 bytes). */
export function encodeTelephoneEvent(out: Uint8Array, event: TelephoneEvent): void {
  out[0] = event.event;
  out[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  out[2] = (event.duration >> 8) & 0xff;
  out[3] = event.duration & 0xff;
}

/**
 * Turns received telephone-event packets into digits. An event is told by its RTP timestamp (the same on all its
 * packets, RFC 4733 §2.5.1.1); a digit is reported once, at the first packet of its event that arrives (its start,
 * or a later update or end packet when the start was lost), so an IVR hears it as soon as possible. The updates and
 * the three redundant end packets that follow are absorbed; an event ends once however many end packets come.
 */
export class TelephoneEventReceiver {
  private currentTimestamp: number | undefined;
  private currentEnded = false;
  /** Events (digits) reported. */
  events = 0;
  /** Events whose end was seen (counted once per event). */
  ended = 0;
  /** Packets that could not be read (too short, or an event code that is no DTMF digit). */
  ignored = 0;

  /** Feeds one packet; returns the digit when it starts a new event, else undefined. */
  receive(payload: Uint8Array, timestamp: number): string | undefined {
    const block = decodeTelephoneEvent(payload);
    if (!block || block.event >= TELEPHONE_EVENT_DIGITS.length) {
      this.ignored++;
      return undefined;
    }
    if (this.currentTimestamp !== undefined && ((timestamp - this.currentTimestamp) | 0) <= 0) {
      // The current event (an update or a repeated end), or a straggler of an older one.
      if (timestamp === this.currentTimestamp && block.end && !this.currentEnded) {
        this.currentEnded = true;
        this.ended++;
      }
      return undefined;
    }
    this.currentTimestamp = timestamp;
    this.currentEnded = block.end;
    if (block.end) this.ended++;
    this.events++;
    return TELEPHONE_EVENT_DIGITS.charAt(block.event);
  }
}

/** One packet of a digit being sent: when, relative to the start of the event, and what it carries. */
export interface TelephoneEventPacket {
  offsetMs: number;
  /** Set on the first packet of the event only (RFC 4733 §2.5.1.3). */
  marker: boolean;
  event: TelephoneEvent;
}

/** Options of {@link telephoneEventPackets}. */
export interface TelephoneEventOptions {
  /** How long the digit lasts, in ms (default DTMF_TONE_MS, 100). */
  durationMs?: number;
  /** Volume in -dBm0 (default TELEPHONE_EVENT_VOLUME). */
  volume?: number;
}

/**
 * The packets that send `digit` (0-9, *, #, A-D): a start packet with the marker bit, an update every
 * TELEPHONE_EVENT_UPDATE_MS while the digit lasts, then TELEPHONE_EVENT_END_PACKETS end packets. All carry the
 * event's start timestamp (the caller's job). A packet's duration counts to the end of the interval it opens
 * (capped at the digit's length), so it never decreases and the end packets carry the whole length. Throws a
 * RangeError for a character that is not a DTMF digit or a length outside 10 ms to 8 s (the 16-bit duration field).
 */
export function telephoneEventPackets(digit: string, options: TelephoneEventOptions = {}): TelephoneEventPacket[] {
  const event = digit.length === 1 ? TELEPHONE_EVENT_DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (event < 0) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  const durationMs = options.durationMs ?? DTMF_TONE_MS;
  if (!(durationMs >= 10 && durationMs <= 8000)) throw new RangeError(`a digit lasts 10 ms to 8 s, not ${durationMs} ms`);
  const volume = options.volume ?? TELEPHONE_EVENT_VOLUME;
  const units = (ms: number): number => Math.round((ms * SAMPLE_RATE_HZ) / 1000);
  const packets: TelephoneEventPacket[] = [];
  for (let t = 0; t < durationMs; t += TELEPHONE_EVENT_UPDATE_MS) {
    const duration = units(Math.min(t + TELEPHONE_EVENT_UPDATE_MS, durationMs));
    packets.push({ offsetMs: t, marker: t === 0, event: { event, end: false, volume, duration } });
  }
  for (let i = 0; i < TELEPHONE_EVENT_END_PACKETS; i++) {
    packets.push({ offsetMs: durationMs + i * TELEPHONE_EVENT_END_SPACING_MS, marker: false, event: { event, end: true, volume, duration: units(durationMs) } });
  }
  return packets;
}
