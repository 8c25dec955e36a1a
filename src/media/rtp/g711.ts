// G.711 µ-law and A-law (ITU-T G.711, bit-exact with the ITU-T G.191 reference coder), table-driven both ways.

/** µ-law byte → linear sample (16-bit scale, ±32124). */
export const ULAW_DECODE: Int16Array = buildDecode(ulawExpand);
/** A-law byte → linear sample (16-bit scale, ±32256). */
export const ALAW_DECODE: Int16Array = buildDecode(alawExpand);
/** Linear sample (as `sample & 0xffff`) → µ-law byte. */
const ULAW_ENCODE: Uint8Array = buildEncode(ulawCompress);
/** Linear sample (as `sample & 0xffff`) → A-law byte. */
const ALAW_ENCODE: Uint8Array = buildEncode(alawCompress);

/** The two G.711 laws, by their RTP names (RFC 3551: PCMU = payload type 0, PCMA = 8). */
export type G711Law = 'PCMU' | 'PCMA';

/** Encodes `n` samples of `pcm` from `pcmOffset` into `out` from `outOffset` (one byte per sample). */
export function g711Encode(law: G711Law, pcm: Int16Array, out: Uint8Array, n = pcm.length, pcmOffset = 0, outOffset = 0): void {
  const table = law === 'PCMU' ? ULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < n; i++) out[outOffset + i] = table[(pcm[pcmOffset + i] as number) & 0xffff] as number;
}

/** Decodes `n` bytes of `bytes` into `out` from `outOffset`. */
export function g711Decode(law: G711Law, bytes: Uint8Array, out: Int16Array, n = bytes.length, outOffset = 0): void {
  const table = law === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < n; i++) out[outOffset + i] = table[bytes[i] as number] as number;
}

/** One µ-law byte for one sample (G.191 ulaw_compress: 14 most significant bits, bias 33). */
export function ulawCompress(sample: number): number {
  let absno = sample < 0 ? (~sample >> 2) + 33 : (sample >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let segno = 1;
  for (let i = absno >> 6; i !== 0; i >>= 1) segno++;
  const high = 8 - segno;
  const low = 0x0f - ((absno >> segno) & 0x0f);
  const byte = (high << 4) | low;
  return sample >= 0 ? byte | 0x80 : byte;
}

/** The sample one µ-law byte stands for (G.191 ulaw_expand). */
export function ulawExpand(byte: number): number {
  const sign = byte < 0x80 ? -1 : 1;
  const inverted = ~byte;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

/** One A-law byte for one sample (G.191 alaw_compress: 12 most significant bits, even bits inverted). */
export function alawCompress(sample: number): number {
  let ix = sample < 0 ? ~sample >> 4 : sample >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix = ix - 16 + (iexp << 4);
  }
  if (sample >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

/** The sample one A-law byte stands for (G.191 alaw_expand). */
export function alawExpand(byte: number): number {
  const ix = (byte ^ 0x55) & 0x7f;
  const iexp = ix >> 4;
  let mant = ix & 0x0f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 8;
  if (iexp > 1) mant <<= iexp - 1;
  return byte > 127 ? mant : -mant;
}

function buildDecode(expand: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = expand(b);
  return table;
}

function buildEncode(compress: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let s = -32768; s < 32768; s++) table[s & 0xffff] = compress(s);
  return table;
}
