// The media ports of the built-in endpoints: a source to play (a party's behaviour, a prompt, hold music), an echo, flags.

import type { MediaPort } from '../core/media-port.js';
import type { EchoSource } from './echo.js';
import { SAMPLE_RATE_HZ } from './format.js';
import type { PartySource } from './party-media.js';
import type { AudioSource } from './source.js';

/** What a {@link SourcePort} starts with. */
export interface SourcePortOptions {
  /** Played from the start until it ends; none: silent until {@link SourcePort.play}. */
  source?: AudioSource | undefined;
  /** Whether `source` makes sound by itself (default true; false for an echo, which only returns what it hears). */
  produces?: boolean;
  /** Hears what the leg hears, so `source` can return it. */
  echo?: EchoSource | undefined;
  detectsDtmf?: boolean;
  records?: boolean;
}

/**
 * A port that sends one audio source at a time, and silence once it ended or was stopped. The endpoint that owns it
 * may play another source at any time (the IVR restarts its menu); the media engine is woken when it does.
 */
export class SourcePort implements MediaPort {
  readonly detectsDtmf: boolean;
  readonly records: boolean;
  readonly echoDelayMs: number | undefined;
  private source: AudioSource | undefined;
  private sourceProduces: boolean;
  private readonly echo: EchoSource | undefined;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(options: SourcePortOptions = {}) {
    this.source = options.source;
    this.sourceProduces = options.source !== undefined && (options.produces ?? true);
    this.echo = options.echo;
    this.detectsDtmf = options.detectsDtmf ?? false;
    this.records = options.records ?? false;
    this.echoDelayMs = options.echo ? (options.echo.line.delaySamples * 1000) / SAMPLE_RATE_HZ : undefined;
  }

  get sending(): boolean {
    return this.source !== undefined;
  }

  get producing(): boolean {
    return this.sourceProduces;
  }

  /** Plays `source` from now on, in place of what was playing; a no-op once the port is closed. */
  play(source: AudioSource, produces = true): void {
    if (this.closed) return;
    this.source = source;
    this.sourceProduces = produces;
    if (produces) this.wake?.();
  }

  /** Back to silence. */
  stop(): void {
    this.source = undefined;
    this.sourceProduces = false;
  }

  produce(frame: Int16Array): boolean {
    const source = this.source;
    if (source === undefined) return false;
    if (source.read(frame)) return true;
    this.stop(); // ended: silence until something else plays
    return false;
  }

  hear(frame: Int16Array): void {
    this.echo?.hear(frame);
  }

  skipped(): void {
    this.echo?.line.reset();
  }

  start(wake: () => void): void {
    this.wake = wake;
  }

  close(): void {
    this.closed = true;
    this.stop();
    this.wake = undefined;
  }
}

/** The port of a simulated party (phone or external caller): its media behaviour's source, recorded. */
export function partyPort(party: PartySource | undefined): SourcePort {
  return new SourcePort({ source: party?.source, produces: party?.produces ?? true, echo: party?.echo, records: true });
}
