// Audio for stream cases: a recognisable PCM pattern (s16le, 8 kHz mono) and PBX time driven until something happens.

import type { CallDriver } from './driver.js';

/** 16,000 bytes per second: s16le, 8000 Hz, mono (PROTOCOL.md §6). */
export const BYTES_PER_SECOND = 16_000;

/** `ms` of a never-silent, never-repeating-sample sawtooth, as raw PCM bytes. */
export function pcmPattern(ms: number, seed = 1): Buffer {
  const samples = (ms * BYTES_PER_SECOND) / 2000;
  const bytes = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) bytes.writeInt16LE(((i * 37 * seed) % 4000) + 100 + (i % 7), i * 2);
  return bytes;
}

/** True when `haystack` holds `needle` sample-aligned. */
export function containsPcm(haystack: Buffer, needle: Buffer): boolean {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) if (at % 2 === 0) return true;
  return false;
}

/** The samples that are not zero, in order (the patterns above have none). */
export function nonSilent(pcm: Buffer): Buffer {
  const kept: Buffer[] = [];
  for (let at = 0; at + 1 < pcm.length; at += 2) if (pcm.readInt16LE(at) !== 0) kept.push(pcm.subarray(at, at + 2));
  return Buffer.concat(kept);
}

/**
 * Lets PBX time pass in `stepMs` steps until `done()` holds (checked between steps, after real I/O), at most `maxMs`
 * of PBX time. Fails if it never holds. Not a sleep: each step is one clock advance.
 */
export async function elapseUntil(driver: CallDriver, done: () => boolean, what: string, stepMs = 100, maxMs = 10_000): Promise<void> {
  for (let elapsed = 0; !done(); elapsed += stepMs) {
    if (elapsed >= maxMs) throw new Error(`${what} did not happen within ${maxMs} ms of PBX time`);
    await driver.elapse(stepMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
