// Micro-benchmark of the per-frame media paths (ns per 20 ms frame, GCs seen); run: node --import tsx bench/media-dsp.ts

import { PerformanceObserver, performance } from 'node:perf_hooks';
import wavefile from 'wavefile';
import { ByteQueue } from '../src/media/byte-queue.js';
import { DtmfSource } from '../src/media/dtmf.js';
import { DtmfDetector } from '../src/media/dtmf-detector.js';
import { EchoSource } from '../src/media/echo.js';
import { FRAME_BYTES, FRAME_SAMPLES, FRAMES_PER_SECOND, dbm0ToPeak } from '../src/media/format.js';
import { mixFrames, mixMinus } from '../src/media/mixer.js';
import { Recorder } from '../src/media/recorder.js';
import { decodeWavTo8kMono, encodeWav8kMono } from '../src/media/wav.js';
import { PcmSource, SilenceSource, ToneSource } from '../src/media/source.js';

// The load the media engine must carry on one core: 1,024 calls, both directions, 50 frames per second each.
const STREAMS = 1024 * 2;
const FRAMES = 200_000;

let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

function bench(name: string, perFrame: (i: number) => void): void {
  for (let i = 0; i < 20_000; i++) perFrame(i); // warm-up: let the JIT settle
  const gcBefore = gcs;
  const start = performance.now();
  for (let i = 0; i < FRAMES; i++) perFrame(i);
  const ns = ((performance.now() - start) * 1e6) / FRAMES;
  // Share of one core for every stream doing this every 20 ms.
  const load = (ns * STREAMS * FRAMES_PER_SECOND) / 1e9;
  console.log(`${name.padEnd(40)} ${ns.toFixed(0).padStart(7)} ns/frame  ${(load * 100).toFixed(1).padStart(6)} % of a core for ${STREAMS} streams  gc events: ${gcs - gcBefore}`);
}

const frame = new Int16Array(FRAME_SAMPLES);
const noise = Int16Array.from({ length: FRAME_SAMPLES * 64 }, () => Math.round((Math.random() - 0.5) * dbm0ToPeak(-10)));
const dtmfPcm = (() => {
  const s = new DtmfSource('0123456789*#ABCD', { toneMs: 100, gapMs: 100 });
  const out = new Int16Array(s.lengthSamples + FRAME_SAMPLES);
  for (let at = 0; at + FRAME_SAMPLES <= out.length; at += FRAME_SAMPLES) {
    s.read(frame);
    out.set(frame, at);
  }
  return out;
})();
const dtmfFrames = Math.floor(dtmfPcm.length / FRAME_SAMPLES);
const frames = Array.from({ length: 4 }, (_, k) => Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => ((i * 31 + k * 977) % 20000) - 10000));
const out = new Int16Array(FRAME_SAMPLES);

console.log(`node ${process.version}, ${FRAMES} frames per case\n`);

const silentDetector = new DtmfDetector();
const silence = new Int16Array(FRAME_SAMPLES);
bench('DtmfDetector.feed (silence)', () => silentDetector.feed(silence));
const noiseDetector = new DtmfDetector();
const noiseFrames = noise.length / FRAME_SAMPLES;
const noiseViews = Array.from({ length: noiseFrames }, (_, k) => noise.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
bench('DtmfDetector.feed (noise, all filters)', (i) => noiseDetector.feed(noiseViews[i % noiseFrames] as Int16Array));
const dtmfDetector = new DtmfDetector();
const dtmfViews = Array.from({ length: dtmfFrames }, (_, k) => dtmfPcm.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
let digits = 0;
bench('DtmfDetector.feed (key presses)', (i) => {
  if (dtmfDetector.feed(dtmfViews[i % dtmfFrames] as Int16Array) !== null) digits++;
});

bench('mixFrames (2 inputs)', () => mixFrames(frames, out, 2));
bench('mixFrames (3 inputs)', () => mixFrames(frames, out, 3));
bench('mixMinus (4 parties, one listener)', () => mixMinus(frames, 1, out, 4));

const tone = new ToneSource({ frequenciesHz: [350, 440] });
bench('ToneSource.read (dual, endless)', () => tone.read(frame));
const silenceSource = new SilenceSource();
bench('SilenceSource.read', () => silenceSource.read(frame));
let dtmfSource = new DtmfSource('0123456789');
bench('DtmfSource.read', () => {
  if (!dtmfSource.read(frame)) dtmfSource = new DtmfSource('0123456789');
});
const pcm = new PcmSource(noise, { loop: true });
bench('PcmSource.read (looping)', () => pcm.read(frame));
const echo = new EchoSource();
bench('EchoSource hear + read (60 ms)', () => {
  echo.hear(frames[0] as Int16Array);
  echo.read(frame);
});
const queue = new ByteQueue();
const chunk = Buffer.alloc(FRAME_BYTES * 5 + 1, 3); // odd-sized chunks, 5 frames each
bench('ByteQueue push (1 in 5) + readFrame', (i) => {
  if (i % 5 === 0) queue.push(chunk);
  if (!queue.readFrame(frame)) queue.clear();
});
let recorder = new Recorder({ maxDurationMs: 60_000 });
bench('Recorder.append (new 1 s block every 50)', () => {
  if (!recorder.append(frame)) recorder = new Recorder({ maxDurationMs: 60_000 });
});

// One-off costs, per second of audio.
const minute = new Int16Array(8000 * 60);
for (let i = 0; i < minute.length; i++) minute[i] = Math.round(10000 * Math.sin(i / 3));
const wav8k = encodeWav8kMono(minute);
let t = performance.now();
decodeWavTo8kMono(wav8k);
console.log(`\ndecodeWavTo8kMono 8 kHz 16-bit mono: ${((performance.now() - t) / 60).toFixed(2)} ms per second of audio`);
const file = new wavefile.WaveFile();
const stereo = new Int16Array(44100 * 20 * 2);
for (let i = 0; i < stereo.length; i++) stereo[i] = Math.round(10000 * Math.sin(i / 7));
file.fromScratch(2, 44100, '16', stereo);
const wav44 = Buffer.from(file.toBuffer());
decodeWavTo8kMono(wav44); // warm-up
t = performance.now();
decodeWavTo8kMono(wav44);
console.log(`decodeWavTo8kMono 44.1 kHz 16-bit stereo: ${((performance.now() - t) / 20).toFixed(2)} ms per second of audio`);
console.log(`(digits detected in the key-press case: ${digits})`);
