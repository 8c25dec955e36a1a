// Tests of the streaming DTMF detector: every digit once, sequences, repeats, long presses, levels, noise, talk-off.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DTMF_DIGITS, DtmfSource, dtmfFrequencies } from '../../src/media/dtmf.js';
import { DtmfDetector } from '../../src/media/dtmf-detector.js';
import { FRAME_SAMPLES, dbm0ToPeak } from '../../src/media/format.js';
import { addNoise, detectDigits, gaussian, prng, render, sines, toInt16 } from './helpers.js';

/** `ms` of the dual tone of `digit` (levels per tone in dBm0), preceded by `leadSamples` and followed by 200 ms of silence. */
function keyPress(digit: string, ms: number, lowDbm0 = -9, highDbm0 = -7, leadSamples = 0, freqScale = 1): Float64Array {
  const { lowHz, highHz } = dtmfFrequencies(digit) as { lowHz: number; highHz: number };
  const tone = sines(ms / 1000, [
    { hz: lowHz * freqScale, peak: dbm0ToPeak(lowDbm0) },
    { hz: highHz * freqScale, peak: dbm0ToPeak(highDbm0) },
  ]);
  const out = new Float64Array(leadSamples + tone.length + 1600);
  out.set(tone, leadSamples);
  return out;
}

/** Mean power of a sine pair at these levels, in squared 16-bit units. */
function pairPower(lowDbm0: number, highDbm0: number): number {
  return dbm0ToPeak(lowDbm0) ** 2 / 2 + dbm0ToPeak(highDbm0) ** 2 / 2;
}

/** A voiced-speech-like signal: 12 harmonics of a gliding 120-200 Hz fundamental, syllabic envelope, background noise. */
function speechLike(seconds: number, seed: number): Int16Array {
  const rand = prng(seed);
  const out = new Float64Array(seconds * 8000);
  const amps = Array.from({ length: 12 }, (_, k) => (dbm0ToPeak(-10) / (k + 1)) * (0.4 + 1.2 * rand()));
  const glideHz = 0.5 + rand() * 2;
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / 8000;
    const f0 = 160 + 40 * Math.sin(2 * Math.PI * glideHz * t + seed);
    phase += (2 * Math.PI * f0) / 8000;
    const envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t + seed);
    let v = 0;
    for (let k = 0; k < amps.length; k++) v += (amps[k] as number) * Math.sin((k + 1) * phase);
    out[i] = envelope * v + dbm0ToPeak(-40) * gaussian(rand);
  }
  return toInt16(out);
}

describe('DtmfDetector: detection', () => {
  for (const digit of DTMF_DIGITS) {
    test(`digit ${digit} from the generator is detected exactly once, at any block alignment`, () => {
      for (let lead = 0; lead < 205; lead += 41) {
        const pcm = new Int16Array(lead + 800 + 1600);
        pcm.set(render(new DtmfSource(digit)), lead);
        assert.equal(detectDigits(pcm), digit, `lead ${lead} samples`);
      }
    });
  }

  test('"123#*0" typed as key presses is detected in order', () => {
    assert.equal(detectDigits(render(new DtmfSource('123#*0'))), '123#*0');
  });

  test('the same digit twice with a gap gives two digits; with a 40 ms gap too, at any alignment', () => {
    assert.equal(detectDigits(render(new DtmfSource('55'))), '55');
    for (let lead = 0; lead < 205; lead += 17) {
      const pcm = new Int16Array(lead + 2000 + 1600);
      pcm.set(render(new DtmfSource('55', { toneMs: 100, gapMs: 40 })), lead);
      assert.equal(detectDigits(pcm), '55', `lead ${lead}`);
    }
  });

  test('a long press (1 s) gives one digit; with no gap, two equal digits merge into one press', () => {
    assert.equal(detectDigits(render(new DtmfSource('8', { toneMs: 1000 }))), '8');
    assert.equal(detectDigits(render(new DtmfSource('88', { gapMs: 0 }))), '8');
  });

  test('a change of key without a gap is a new press', () => {
    assert.equal(detectDigits(render(new DtmfSource('12', { gapMs: 0 }))), '12');
  });

  test('still detects at -20 dBm0 per tone', () => {
    for (const digit of DTMF_DIGITS) assert.equal(detectDigits(toInt16(keyPress(digit, 100, -20, -20))), digit);
  });

  test('still detects with white noise 15 dB below the tones, also at -20 dBm0 (10 seeds each)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      for (const [low, high] of [[-9, -7], [-20, -18]] as const) {
        const noiseRms = Math.sqrt(pairPower(low, high) / 10 ** (15 / 10));
        const signal = addNoise(keyPress('0', 100, low, high, 1000), noiseRms, seed);
        const rand = prng(seed + 100); // noise before the press too
        for (let i = 0; i < 1000; i++) signal[i] = noiseRms * gaussian(rand);
        assert.equal(detectDigits(toInt16(signal)), '0', `seed ${seed} at ${low}/${high} dBm0`);
      }
    }
  });

  test('accepts tones 1.5 % off frequency, as ITU-T Q.24 requires', () => {
    for (const scale of [0.985, 1.015]) {
      for (const digit of DTMF_DIGITS) assert.equal(detectDigits(toInt16(keyPress(digit, 100, -9, -7, 0, scale))), digit, `${digit} x${scale}`);
    }
  });

  test('accepts twist within the limits: high group 7 dB below or 3 dB above the low group', () => {
    assert.equal(detectDigits(toInt16(keyPress('9', 100, -5, -12))), '9');
    assert.equal(detectDigits(toInt16(keyPress('9', 100, -10, -7))), '9');
  });

  test('reports through onDigit and from feed, once per press, and feed returns null otherwise', () => {
    const seen: string[] = [];
    const detector = new DtmfDetector({ onDigit: (d) => seen.push(d) });
    const pcm = render(new DtmfSource('4B'));
    const returned: (string | null)[] = [];
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
      frame.set(pcm.subarray(i, i + FRAME_SAMPLES));
      returned.push(detector.feed(frame));
    }
    assert.deepEqual(seen, ['4', 'B']);
    assert.deepEqual(
      returned.filter((d) => d !== null),
      ['4', 'B'],
    );
    assert.equal(detector.digitsDetected, 2);
    // Reported on the second block of the press: 2 x 205 samples after it starts, in the third 20 ms frame.
    assert.equal(returned.indexOf('4'), 2);
  });

  test('frames of any length give the same digits (1-sample and 1000-sample frames)', () => {
    const pcm = render(new DtmfSource('7*9D', { toneMs: 70, gapMs: 60 }));
    assert.equal(detectDigits(pcm), '7*9D');
    assert.equal(detectDigits(pcm, new DtmfDetector(), 1), '7*9D');
    assert.equal(detectDigits(pcm, new DtmfDetector(), 1000), '7*9D');
  });

  test('reset forgets a press in progress', () => {
    const detector = new DtmfDetector();
    const pcm = render(new DtmfSource('3', { toneMs: 1000 }));
    const frame = new Int16Array(FRAME_SAMPLES);
    let count = 0;
    for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
      if (i === 4000) detector.reset();
      frame.set(pcm.subarray(i, i + FRAME_SAMPLES));
      if (detector.feed(frame) !== null) count++;
    }
    assert.equal(count, 2, 'the press is seen again after the reset');
  });

  test('ten minutes of one key press per second gives exactly 600 digits (one reused frame buffer)', () => {
    const detector = new DtmfDetector();
    const second = new Int16Array(8000); // a 100 ms press, then 900 ms of silence
    second.set(render(new DtmfSource('6')));
    const frame = new Int16Array(FRAME_SAMPLES);
    let count = 0;
    for (let s = 0; s < 600; s++) {
      for (let i = 0; i < 8000; i += FRAME_SAMPLES) {
        frame.set(second.subarray(i, i + FRAME_SAMPLES));
        if (detector.feed(frame) === '6') count++;
      }
    }
    assert.equal(count, 600);
  });
});

describe('DtmfDetector: rejection', () => {
  test('silence', () => {
    assert.equal(detectDigits(new Int16Array(8000 * 10)), '');
  });

  test('a single 697 Hz or 1209 Hz tone, even loud', () => {
    for (const hz of [697, 1209, 941, 1633]) {
      for (const level of [-7, 0]) assert.equal(detectDigits(toInt16(sines(1, [{ hz, peak: dbm0ToPeak(level) }]))), '', `${hz} Hz`);
    }
  });

  test('white noise at -30, -20, -10 and 0 dBm0 (seeded)', () => {
    for (const [i, level] of [-30, -20, -10, 0].entries()) {
      const noise = addNoise(new Float64Array(8000 * 10), dbm0ToPeak(level) / Math.SQRT2, 42 + i);
      assert.equal(detectDigits(toInt16(noise)), '', `${level} dBm0`);
    }
  });

  test('speech-like signals: harmonics of a gliding 120-200 Hz fundamental plus noise (20 seeds x 5 s)', () => {
    for (let seed = 1; seed <= 20; seed++) assert.equal(detectDigits(speechLike(5, seed)), '', `seed ${seed}`);
  });

  test('twist beyond the limits: high group 10 dB below (normal) or 6 dB above (reverse) the low group', () => {
    const normal = toInt16(keyPress('9', 200, -5, -15));
    const reverse = toInt16(keyPress('9', 200, -12, -6));
    assert.equal(detectDigits(normal), '');
    assert.equal(detectDigits(reverse), '');
    // The twist rule is what rejects them: relaxed, the same signals are keys.
    assert.equal(detectDigits(normal, new DtmfDetector({ maxNormalTwistDb: 12 })), '9');
    assert.equal(detectDigits(reverse, new DtmfDetector({ maxReverseTwistDb: 8 })), '9');
  });

  test('a tone too short: 20 ms at every block alignment, and 30 ms', () => {
    for (let lead = 0; lead < 205; lead += 5) {
      assert.equal(detectDigits(toInt16(keyPress('5', 20, -9, -7, lead))), '', `20 ms, lead ${lead}`);
      assert.equal(detectDigits(toInt16(keyPress('5', 30, -9, -7, lead))), '', `30 ms, lead ${lead}`);
    }
  });

  test('tones too weak: -35 dBm0 per tone (the floor is -30)', () => {
    assert.equal(detectDigits(toInt16(keyPress('1', 200, -35, -35))), '');
  });

  test('tones 3.5 % off frequency, which Q.24 says must not be accepted', () => {
    for (const scale of [0.965, 1.035]) {
      for (const digit of DTMF_DIGITS) assert.equal(detectDigits(toInt16(keyPress(digit, 100, -9, -7, 0, scale))), '', `${digit} x${scale}`);
    }
  });

  test('two tones of the same group (not a key)', () => {
    assert.equal(detectDigits(toInt16(sines(0.2, [{ hz: 697, peak: dbm0ToPeak(-9) }, { hz: 852, peak: dbm0ToPeak(-9) }, { hz: 1336, peak: dbm0ToPeak(-7) }]))), '');
  });
});
