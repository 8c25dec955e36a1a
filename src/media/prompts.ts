// Built-in audio of the PBX: the generated IVR prompt and hold music, and WAV files loaded from disk for prompts and parties.

import { readFileSync } from 'node:fs';
import { SAMPLE_RATE_HZ, dbm0ToPeak, msToSamples } from './format.js';
import { WavDecodeError, decodeWavTo8kMono } from './wav.js';

/** A note of a generated melody: a single sine (never two at once, so nothing here can sound like a DTMF key). */
interface Note {
  hz: number;
  ms: number;
}

/** Level of the generated prompt and hold music, in dBm0: clearly audible, well below a DTMF key press. */
const GENERATED_LEVEL_DBM0 = -18;
/** Fade at both ends of each note, in milliseconds: avoids clicks. */
const NOTE_FADE_MS = 8;
/** Silence between notes, in milliseconds. */
const NOTE_GAP_MS = 40;

// A slow C-major arpeggio (about 2.9 s), looped.
const HOLD_MUSIC: readonly Note[] = [
  { hz: 523.25, ms: 320 },
  { hz: 659.25, ms: 320 },
  { hz: 783.99, ms: 320 },
  { hz: 659.25, ms: 320 },
  { hz: 587.33, ms: 320 },
  { hz: 698.46, ms: 320 },
  { hz: 880.0, ms: 320 },
  { hz: 698.46, ms: 320 },
];

// Three rising chimes (about 1 s): "make your choice".
const IVR_PROMPT: readonly Note[] = [
  { hz: 587.33, ms: 220 },
  { hz: 739.99, ms: 220 },
  { hz: 880.0, ms: 440 },
];

function render(notes: readonly Note[]): Int16Array {
  const gap = msToSamples(NOTE_GAP_MS);
  const fade = msToSamples(NOTE_FADE_MS);
  const total = notes.reduce((sum, note) => sum + msToSamples(note.ms) + gap, 0);
  const out = new Int16Array(total);
  const peak = dbm0ToPeak(GENERATED_LEVEL_DBM0);
  let at = 0;
  for (const note of notes) {
    const n = msToSamples(note.ms);
    const step = (2 * Math.PI * note.hz) / SAMPLE_RATE_HZ;
    for (let i = 0; i < n; i++) {
      const envelope = Math.min(1, i / fade, (n - 1 - i) / fade);
      out[at + i] = Math.round(peak * envelope * Math.sin(step * i));
    }
    at += n + gap;
  }
  return out;
}

let holdMusic: Int16Array | undefined;
let ivrPrompt: Int16Array | undefined;

/** The generated hold music (8 kHz mono s16, about 2.9 s; loop it). Rendered once, shared: do not modify. */
export function generatedHoldMusic(): Int16Array {
  holdMusic ??= render(HOLD_MUSIC);
  return holdMusic;
}

/** The generated IVR prompt (8 kHz mono s16, about 1 s). Rendered once, shared: do not modify. */
export function generatedIvrPrompt(): Int16Array {
  ivrPrompt ??= render(IVR_PROMPT);
  return ivrPrompt;
}

/**
 * Reads and decodes a WAV file to 8 kHz mono s16 (any rate, depth, channels). Synchronous: call it at start-up or from
 * a control request, never from the media clock. Throws {@link WavDecodeError} (also for a file that cannot be read).
 */
export function loadWavFile(path: string): Int16Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new WavDecodeError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return decodeWavTo8kMono(bytes);
  } catch (error) {
    if (error instanceof WavDecodeError) throw new WavDecodeError(`${path}: ${error.message}`);
    throw error;
  }
}
