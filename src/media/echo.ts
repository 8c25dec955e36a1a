// Echo: a fixed delay line, and the source of an "echo" party that plays back what it hears after that delay.

import { ECHO_DELAY_MS, FRAME_SAMPLES, MAX_ECHO_DELAY_MS, msToSamples } from './format.js';
import type { AudioSource } from './source.js';

/** A fixed delay: every sample fed comes out exactly `delaySamples` samples later (silence before that). */
export class EchoLine {
  /** The delay, in samples (delayMs at 8 kHz, rounded). */
  readonly delaySamples: number;
  private readonly ring: Int16Array; // the last delaySamples samples fed, oldest at `position`
  private position = 0;

  /** `delayMs` from 0 to MAX_ECHO_DELAY_MS; default ECHO_DELAY_MS (60). */
  constructor(delayMs: number = ECHO_DELAY_MS) {
    if (!(delayMs >= 0 && delayMs <= MAX_ECHO_DELAY_MS)) throw new RangeError(`echo delay must be 0-${MAX_ECHO_DELAY_MS} ms, got ${delayMs}`);
    this.delaySamples = msToSamples(delayMs);
    this.ring = new Int16Array(this.delaySamples);
  }

  /** Feeds `input` and writes the delayed signal into `output` (same length; may be the same array). */
  process(input: Int16Array, output: Int16Array): void {
    const ring = this.ring;
    const size = ring.length;
    if (size === 0) {
      if (output !== input) for (let i = 0; i < input.length; i++) output[i] = input[i] as number;
      return;
    }
    let pos = this.position;
    for (let i = 0; i < input.length; i++) {
      const delayed = ring[pos] as number;
      ring[pos] = input[i] as number; // read before write: in-place processing is safe
      output[i] = delayed;
      if (++pos === size) pos = 0;
    }
    this.position = pos;
  }

  /** Forgets everything fed (the line plays silence for the next delaySamples). */
  reset(): void {
    this.ring.fill(0);
    this.position = 0;
  }
}

/**
 * The source of an echo party. Deliver what the party hears with {@link EchoSource.hear} and pull one frame per tick
 * with `read`: each read advances the line by one frame, using the frame heard since the previous read (silence if
 * none). Delivering before reading within a tick gives exactly the line's delay; reading first adds one frame (20 ms).
 * Endless: read always returns true.
 */
export class EchoSource implements AudioSource {
  readonly line: EchoLine;
  private readonly heard = new Int16Array(FRAME_SAMPLES);
  private hasHeard = false;

  constructor(delayMs: number = ECHO_DELAY_MS) {
    this.line = new EchoLine(delayMs);
  }

  /** Delivers one frame the party hears (copied). A second frame before the next read replaces the first. */
  hear(frame: Int16Array): void {
    if (frame.length === FRAME_SAMPLES) {
      this.heard.set(frame); // memcpy: the media clock calls this for every echo party every 20 ms
    } else {
      const n = frame.length < FRAME_SAMPLES ? frame.length : FRAME_SAMPLES;
      for (let i = 0; i < n; i++) this.heard[i] = frame[i] as number;
      if (n < FRAME_SAMPLES) this.heard.fill(0, n);
    }
    this.hasHeard = true;
  }

  read(out: Int16Array): boolean {
    if (!this.hasHeard) this.heard.fill(0);
    this.line.process(this.heard, out);
    this.hasHeard = false;
    return true;
  }
}
