// Audio test helpers: a recognisable PCM pattern and a search for it in what a party heard.

/** A recognisable, never-silent sequence: no run of equal samples, no zeros. */
export function pattern(samples: number, seed = 1): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = (((i * 7919 + seed * 104_729) % 20_000) - 10_000) | 1;
  return out;
}

/** Index of `needle` inside `hay`, or -1. */
export function indexOf(hay: Int16Array, needle: Int16Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
