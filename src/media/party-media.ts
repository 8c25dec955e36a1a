// What simulated parties send into a call: silence, echo, a tone or a WAV file, per external number and per phone.

import { EchoSource } from './echo.js';
import { ECHO_DELAY_MS, MAX_ECHO_DELAY_MS, TONE_LEVEL_DBM0 } from './format.js';
import { loadWavFile } from './prompts.js';
import { PcmSource, ToneSource, type AudioSource } from './source.js';
import { MAX_SIM_MEDIA_ENTRIES, MAX_SIM_MEDIA_WAV_FILES } from '../limits.js';

/** A simulated party's media behaviour, as the /sim plane reads and writes it. */
export type PartyMedia =
  | { kind: 'silence' }
  | { kind: 'echo'; delayMs: number }
  | { kind: 'tone'; frequenciesHz: number[]; levelDbm0: number }
  | { kind: 'wav'; path: string; loop: boolean };

/** A behaviour as a request gives it: optional fields take their defaults (echo 60 ms, tone -13 dBm0, wav once). */
export type PartyMediaInput =
  | { kind: 'silence' }
  | { kind: 'echo'; delayMs?: number }
  | { kind: 'tone'; frequenciesHz: number | readonly number[]; levelDbm0?: number }
  | { kind: 'wav'; path: string; loop?: boolean };

/** What a party's port plays: the source, and whether it makes sound by itself (an echo only returns what it hears). */
export interface PartySource {
  source: AudioSource;
  /** False for an echo: it needs no media clock of its own while nobody talks to it. */
  produces: boolean;
  echo: EchoSource | undefined;
}

/** A behaviour refused by {@link PartyMediaStore}: bad values, an unreadable WAV, or a store limit. */
export class PartyMediaError extends Error {
  override readonly name = 'PartyMediaError';
}

const SILENCE: PartyMedia = { kind: 'silence' };

/**
 * Media behaviours of simulated parties: one default, then per external number and per extension device. WAV files are
 * read and decoded when the behaviour is set (so a bad file is refused then, and nothing reads files while calls run)
 * and shared by every behaviour naming the same path. Changes apply to calls connected from then on.
 */
export class PartyMediaStore {
  private fallback: PartyMedia = SILENCE;
  private readonly numbers = new Map<string, PartyMedia>();
  private readonly devices = new Map<string, PartyMedia>();
  private readonly wavs = new Map<string, Int16Array>();

  /** The behaviour of parties without one of their own. */
  get default(): PartyMedia {
    return this.fallback;
  }

  setDefault(media: PartyMediaInput): PartyMedia {
    this.fallback = this.check(media);
    this.releaseUnusedWavs();
    return this.fallback;
  }

  setNumber(number: string, media: PartyMediaInput): PartyMedia {
    if (!this.numbers.has(number)) this.checkRoom();
    const checked = this.check(media);
    this.numbers.set(number, checked);
    this.releaseUnusedWavs();
    return checked;
  }

  setDevice(dn: string, deviceId: string, media: PartyMediaInput): PartyMedia {
    const key = deviceKey(dn, deviceId);
    if (!this.devices.has(key)) this.checkRoom();
    const checked = this.check(media);
    this.devices.set(key, checked);
    this.releaseUnusedWavs();
    return checked;
  }

  /** The behaviour of an external number. */
  forNumber(number: string): PartyMedia {
    return this.numbers.get(number) ?? this.fallback;
  }

  /** The behaviour of an extension's phone. */
  forDevice(dn: string, deviceId: string): PartyMedia {
    return this.devices.get(deviceKey(dn, deviceId)) ?? this.fallback;
  }

  /** Everything set, for the /sim plane. */
  describe(): { default: PartyMedia; numbers: Record<string, PartyMedia>; devices: { dn: string; deviceId: string; media: PartyMedia }[] } {
    return {
      default: this.fallback,
      numbers: Object.fromEntries(this.numbers),
      devices: [...this.devices].map(([key, media]) => {
        const [dn = '', deviceId = ''] = key.split('\u0000');
        return { dn, deviceId, media };
      }),
    };
  }

  /** Back to silence for everyone; decoded files are released. */
  reset(): void {
    this.fallback = SILENCE;
    this.numbers.clear();
    this.devices.clear();
    this.wavs.clear();
  }

  /** A fresh source playing `media` (each port gets its own: sources keep their position). Undefined for silence. */
  createSource(media: PartyMedia): PartySource | undefined {
    switch (media.kind) {
      case 'silence':
        return undefined;
      case 'echo': {
        const echo = new EchoSource(media.delayMs);
        return { source: echo, produces: false, echo };
      }
      case 'tone':
        return { source: new ToneSource({ frequenciesHz: media.frequenciesHz, levelDbm0: media.levelDbm0 }), produces: true, echo: undefined };
      case 'wav': {
        const pcm = this.wavs.get(media.path);
        if (pcm === undefined) return undefined; // released by a reset while the behaviour was in use
        return { source: new PcmSource(pcm, { loop: media.loop }), produces: true, echo: undefined };
      }
      default: {
        const unreachable: never = media;
        throw new Error(`unknown party media ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private check(media: PartyMediaInput): PartyMedia {
    switch (media.kind) {
      case 'silence':
        return SILENCE;
      case 'echo': {
        const delayMs = media.delayMs ?? ECHO_DELAY_MS;
        if (!(delayMs >= 0 && delayMs <= MAX_ECHO_DELAY_MS)) throw new PartyMediaError(`echo delay must be 0-${MAX_ECHO_DELAY_MS} ms, got ${delayMs}`);
        return { kind: 'echo', delayMs };
      }
      case 'tone': {
        const levelDbm0 = media.levelDbm0 ?? TONE_LEVEL_DBM0;
        try {
          new ToneSource({ frequenciesHz: media.frequenciesHz, levelDbm0 }); // validates
        } catch (error) {
          throw new PartyMediaError((error as Error).message);
        }
        return { kind: 'tone', frequenciesHz: typeof media.frequenciesHz === 'number' ? [media.frequenciesHz] : [...media.frequenciesHz], levelDbm0 };
      }
      case 'wav': {
        if (!this.wavs.has(media.path)) {
          if (this.wavs.size >= MAX_SIM_MEDIA_WAV_FILES) this.releaseUnusedWavs();
          if (this.wavs.size >= MAX_SIM_MEDIA_WAV_FILES) throw new PartyMediaError(`at most ${MAX_SIM_MEDIA_WAV_FILES} different WAV files can be in use at once`);
          try {
            this.wavs.set(media.path, loadWavFile(media.path));
          } catch (error) {
            throw new PartyMediaError((error as Error).message);
          }
        }
        return { kind: 'wav', path: media.path, loop: media.loop ?? false };
      }
      default: {
        const unreachable: never = media;
        throw new PartyMediaError(`unknown media kind ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private checkRoom(): void {
    if (this.numbers.size + this.devices.size >= MAX_SIM_MEDIA_ENTRIES) throw new PartyMediaError(`at most ${MAX_SIM_MEDIA_ENTRIES} numbers and devices can have their own media behaviour`);
  }

  // Decoded files no behaviour names any more (sources already playing keep their own reference).
  private releaseUnusedWavs(): void {
    const used = new Set<string>();
    for (const media of [this.fallback, ...this.numbers.values(), ...this.devices.values()]) if (media.kind === 'wav') used.add(media.path);
    for (const path of [...this.wavs.keys()]) if (!used.has(path)) this.wavs.delete(path);
  }
}

function deviceKey(dn: string, deviceId: string): string {
  return `${dn}\u0000${deviceId}`;
}
