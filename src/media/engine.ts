// The media engine: one 20 ms media clock for every call, a port per Connected participant, a bridge per call.

import type { Clock, TimerHandle } from '../core/clock.js';
import { isCoreError } from '../core/errors.js';
import type { MediaPort } from '../core/media-port.js';
import type { Pbx } from '../core/pbx.js';
import type { ParticipantView, PbxEvent } from '../core/types.js';
import { MAX_KEPT_RECORDINGS, MAX_RECORDING_TOTAL_BYTES, MAX_STREAM_READERS_PER_PARTICIPANT, MEDIA_MAX_CATCHUP_FRAMES, UPLOAD_START_BUFFER_MS } from '../limits.js';
import { ByteQueue } from './byte-queue.js';
import { DtmfDetector } from './dtmf-detector.js';
import { BYTES_PER_SAMPLE, FRAME_BYTES, FRAME_MS, FRAME_SAMPLES, msToSamples } from './format.js';
import { mixFrames } from './mixer.js';
import { PartyMediaStore } from './party-media.js';
import { generatedHoldMusic } from './prompts.js';
import { Recorder } from './recorder.js';
import { PcmSource, type AudioSource } from './source.js';

/** Why a tap stops receiving frames. */
export type TapEndReason = 'left' | 'displaced' | 'stopped';

/**
 * A listener on what a participant hears (a GET .../stream reader, a test probe). Called from the media clock: must
 * not block and must not call back into the engine or the PBX.
 */
export interface MediaTap {
  /** One 20 ms frame (FRAME_SAMPLES). The array is reused by the engine: copy what you keep before returning. */
  frame(samples: Int16Array): void;
  /** Called once after the frames due at one wake-up of the media clock were delivered (one, or several when catching up). */
  flush(): void;
  /** No more frames: the participant left (`left`), a newer reader displaced this one, or the engine stopped. */
  end(reason: TapEndReason): void;
}

/**
 * How an upload ended: its audio played out (`played`, after which the participant got PromptPlaybackFinished),
 * a newer upload replaced it, the participant left, or the engine stopped.
 */
export type UploadOutcome = 'played' | 'replaced' | 'left' | 'stopped';

export interface UploadListener {
  /** Back-pressure released: resume reading the upload. */
  drain(): void;
  /** The upload is over (called once); bytes pushed from now on are ignored. */
  done(outcome: UploadOutcome): void;
}

/** Counters of the media engine (cumulative unless said otherwise). */
export interface MediaStats {
  /** Ports now (Connected participants). */
  ports: number;
  /** Whether the media clock is running now (it sleeps while no port has anything to play or anyone listening). */
  running: boolean;
  framesProcessed: number;
  /** Frames missed because the process was more than MEDIA_MAX_CATCHUP_FRAMES behind. */
  framesSkipped: number;
  /** Frames of silence played because an open upload had run dry (after it had started). */
  uploadUnderrunFrames: number;
  /** Upload bytes waiting to be played now, all participants together. */
  uploadBufferedBytes: number;
  /** Bytes held by recorders of simulated parties, live and kept. */
  recordedBytes: number;
}

/** What sets a port's outgoing audio now, first that applies (see MediaEngine). */
export type StreamSource = 'upload' | 'sim' | 'own' | 'silence';

/** A read-only look at one port for monitoring (the web console): levels are peaks of the latest frame, 0..1. */
export interface StreamView {
  participantId: number;
  dn: string;
  callId: number;
  held: boolean;
  source: StreamSource;
  /** GET .../stream readers and other taps. */
  readers: number;
  /** Peak of what it sends into the call. */
  sentPeak: number;
  /** Peak of what it hears from the call. */
  heardPeak: number;
}

export interface MediaEngineOptions {
  pbx: Pbx;
  clock: Clock;
  /** The store the simulated parties' endpoints choose their media from, reset by resetSimulation (default: a new one). */
  partyMedia?: PartyMediaStore;
  /** Record what every simulated party hears (default true), within MAX_RECORDING_TOTAL_BYTES. */
  recordParties?: boolean;
  onError?: (error: unknown, context: string) => void;
}

/** A frame of silence that is never written. */
const SILENCE = new Int16Array(FRAME_SAMPLES);
/** Frames of quiet the clock keeps running before it sleeps, beyond the longest echo delay. */
const LINGER_FRAMES = 2;
const UPLOAD_START_BYTES = Math.max(FRAME_BYTES, msToSamples(UPLOAD_START_BUFFER_MS) * BYTES_PER_SAMPLE);

/**
 * An application's audio upload to one participant (POST .../stream): bytes in, one frame per tick out. Bytes are
 * queued in a {@link ByteQueue}; when it passes high water, push() returns false and the producer must pause until
 * its listener's drain(). A chunk larger than the room left is split, the rest held until the queue drains, so the
 * queue never exceeds its hard limit. Never parses the bytes.
 */
export class Upload {
  private readonly queue: ByteQueue;
  private pending: Uint8Array | undefined; // the part of a chunk that did not fit yet
  private ended = false;
  private playing = false; // false while (re)filling to UPLOAD_START_BYTES
  private started = false;
  private closed = false;
  /** Frames of silence played because the upload had run dry while open. */
  underrunFrames = 0;

  /** @internal the engine creates uploads (openUpload). */
  constructor(
    private readonly listener: UploadListener,
    onQueueDrain: (upload: Upload) => void,
  ) {
    this.queue = new ByteQueue({ onDrain: () => onQueueDrain(this) });
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.queue.totalPushedBytes + (this.pending?.byteLength ?? 0);
  }

  /** Bytes waiting to be played. */
  get bufferedBytes(): number {
    return this.queue.bufferedBytes + (this.pending?.byteLength ?? 0);
  }

  /** True once the upload is over (played, replaced, the participant left, or the engine stopped). */
  get isDone(): boolean {
    return this.closed;
  }

  /** True while the producer should not be reading (back-pressure engaged). */
  get isPaused(): boolean {
    return this.pending !== undefined || this.queue.isBackPressured;
  }

  /** Queues a chunk (not copied until it fits). Returns false when the producer must pause until drain(). */
  push(chunk: Uint8Array): boolean {
    if (this.closed || this.ended || chunk.byteLength === 0) return !this.isPaused;
    // A producer that ignored a false return: keep its bytes (this copies, rarely) rather than lose audio.
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    return this.pump();
  }

  /** No more bytes will come (final chunk, end(), or the socket aborted): what is queued plays out, then `played`. */
  end(): void {
    this.ended = true;
  }

  /** Moves held bytes into the queue as room allows; true when everything fits and the queue is below high water. */
  pump(): boolean {
    const queue = this.queue;
    for (;;) {
      const chunk = this.pending;
      if (chunk === undefined) return !queue.isBackPressured;
      const room = queue.hardLimitBytes - queue.bufferedBytes;
      if (room <= 0) return false;
      if (chunk.byteLength <= room) {
        this.pending = undefined;
        return queue.push(chunk);
      }
      queue.push(chunk.subarray(0, room));
      this.pending = chunk.subarray(room);
    }
  }

  /** Fills `out` with the next frame (silence while filling or dry). False once ended and played out. */
  read(out: Int16Array): boolean {
    const queue = this.queue;
    if (!this.playing) {
      if (queue.bufferedBytes >= UPLOAD_START_BYTES || (this.ended && this.pending === undefined)) {
        this.playing = true;
      } else {
        out.fill(0);
        if (this.started) this.underrunFrames++;
        return true;
      }
    }
    if (queue.readFrame(out)) {
      this.started = true;
      return true;
    }
    if (this.ended && this.pending === undefined) return queue.readFinalFrame(out) > 0;
    out.fill(0);
    this.underrunFrames++;
    this.playing = false;
    return true;
  }

  /** @internal ends the upload once; its listener hears the outcome. */
  finish(outcome: UploadOutcome): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.queue.onDrain = undefined;
    this.queue.clear();
    this.listener.done(outcome);
  }

  /** @internal */
  notifyDrain(): void {
    if (!this.closed && this.pump()) this.listener.drain();
  }
}

/** What one Connected participant sends and hears. All buffers are allocated here, once. */
class Port {
  /** Index in the engine's port list (swap-removed). */
  index = -1;
  /** This tick's outgoing frame: what the others hear from this participant. */
  readonly out = new Int16Array(FRAME_SAMPLES);
  outSilent = true;
  peerId: number | null = null;
  held = false;
  /** Ports whose outgoing audio this one hears: normally its peer; none while held (it hears the hold source). */
  contributors: Port[] = [];
  mixInputs: Int16Array[] = [];
  mix: Int16Array | undefined;
  /** The application's upload (POST .../stream): first choice for outgoing audio. */
  upload: Upload | undefined;
  /** Audio played by the simulation plane from this party (POST /sim/parties/{id}/audio): second choice. */
  played: AudioSource | undefined;
  /** The endpoint's own audio (media behaviour of a simulated party, IVR prompt, queue hold music): third choice. */
  media: MediaPort | undefined;
  taps: MediaTap[] = [];
  recorder: Recorder | undefined;
  detector: DtmfDetector | undefined;
  /** Last frame index delivered to this port. */
  lastFrame: number;

  constructor(
    readonly id: number,
    readonly dn: string,
    readonly callId: number,
    createdAtFrame: number,
  ) {
    this.lastFrame = createdAtFrame;
  }

  /** Needs the media clock: something to play, a hold source to hear, or someone listening in real time. */
  isActive(): boolean {
    return this.upload !== undefined || this.played !== undefined || this.media?.producing === true || this.held || this.taps.length > 0;
  }
}

/**
 * Carries the audio of every call. One timer on the injected clock fires every 20 ms (re-armed with setTimeout and
 * aligned to a fixed grid, so pacing is exact on average; after a stall it processes the frames due, at most
 * MEDIA_MAX_CATCHUP_FRAMES, and skips the rest). Each tick:
 *
 * 1. every port fills its outgoing frame: the application's upload, else audio the simulation plane plays from the
 *    party, else the endpoint's own audio (echo, tone, WAV, IVR prompt, hold music), else silence;
 * 2. every port hears its bridge: its peer's outgoing frame, by reference (no copy) when there is one peer, mixed with
 *    clipping when several talk to it, the hold source while it is held (and then nobody hears it), else silence;
 * 3. what it hears goes to its taps, its recorder (simulated parties), its DTMF detector (route points and IVRs: a
 *    key found in the audio is pressed on the peer's leg, so it arrives as a DTMF event like a signalled one) and
 *    its echo line.
 *
 * While no port has anything to play or anyone listening, every frame would be silence: the clock sleeps and the
 * silence is accounted when it wakes (recorders get it, detectors and echo lines start afresh).
 */
export class MediaEngine {
  readonly partyMedia: PartyMediaStore;
  private readonly pbx: Pbx;
  private readonly clock: Clock;
  private readonly recordParties: boolean;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly epochMs: number;
  private readonly ports = new Map<number, Port>();
  private readonly list: Port[] = [];
  private readonly calls = new Map<number, Set<Port>>();
  private readonly dirtyCalls = new Set<number>();
  private readonly holdSource = new PcmSource(generatedHoldMusic(), { loop: true });
  private readonly holdFrame = new Int16Array(FRAME_SAMPLES);
  private holdFrameIndex = -1;
  private readonly pendingDigits: { id: number; digit: string }[] = [];
  private readonly drained: Upload[] = [];
  private readonly finished: Port[] = [];
  /** Recordings of parties that left, oldest first. */
  private readonly kept = new Map<number, Recorder>();
  private recordedBytes = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = false;
  private nextFrame = 0;
  private quietFrames = 0;
  private lingerFrames = LINGER_FRAMES;
  private readonly unsubscribe: () => void;
  private readonly counters = { framesProcessed: 0, framesSkipped: 0, uploadUnderrunFrames: 0 };

  constructor(options: MediaEngineOptions) {
    this.pbx = options.pbx;
    this.clock = options.clock;
    this.partyMedia = options.partyMedia ?? new PartyMediaStore();
    this.recordParties = options.recordParties ?? true;
    this.onError = options.onError ?? ((error, context) => console.error(`switchboard media: ${context}:`, error));
    this.epochMs = this.clock.now();
    this.unsubscribe = this.pbx.subscribe((event) => this.onEvent(event));
    for (const call of this.pbx.listCalls()) for (const participant of call.participants) if (participant.status === 'Connected') this.createPort(participant);
    for (const callId of this.calls.keys()) this.syncCall(callId);
    engines.set(this.pbx, this);
  }

  // ---------------------------------------------------------------- API for the adapters

  /** Whether the participant has audio now (it is Connected). */
  hasPort(participantId: number): boolean {
    return this.ports.has(participantId);
  }

  /** Taps (readers) on the participant now. */
  tapCount(participantId: number): number {
    return this.ports.get(participantId)?.taps.length ?? 0;
  }

  /**
   * Adds a listener on what the participant hears; returns the function that removes it, or undefined when the
   * participant has no audio. Beyond MAX_STREAM_READERS_PER_PARTICIPANT the oldest tap is ended (`displaced`).
   */
  addTap(participantId: number, tap: MediaTap): (() => void) | undefined {
    const port = this.ports.get(participantId);
    if (!port) return undefined;
    if (port.taps.length >= MAX_STREAM_READERS_PER_PARTICIPANT) port.taps.shift()?.end('displaced');
    port.taps.push(tap);
    this.wake();
    return () => {
      const at = port.taps.indexOf(tap);
      if (at >= 0) port.taps.splice(at, 1);
    };
  }

  /**
   * Starts an upload that the participant sends into the call, replacing the one in progress (which ends `replaced`,
   * without PromptPlaybackFinished). Undefined when the participant has no audio.
   */
  openUpload(participantId: number, listener: UploadListener): Upload | undefined {
    const port = this.ports.get(participantId);
    if (!port) return undefined;
    const previous = port.upload;
    const upload = new Upload(listener, (u) => this.drained.push(u));
    port.upload = upload;
    if (previous) this.retireUpload(previous, 'replaced');
    this.wake();
    return upload;
  }

  /**
   * The simulation plane plays `source` from a simulated party into its call, in place of its media behaviour until
   * it ends (a newer one replaces it). False when the party has no audio.
   */
  playFromParty(participantId: number, source: AudioSource): boolean {
    const port = this.ports.get(participantId);
    if (!port) return false;
    port.played = source;
    this.wake();
    return true;
  }

  /** Everything the simulated party heard (live, or kept after it left), as PCM; undefined when there is no recording. */
  recording(participantId: number): { pcm: Int16Array; droppedSamples: number; live: boolean } | undefined {
    const port = this.ports.get(participantId);
    if (port?.recorder) {
      if (!this.running) this.catchUp(port, this.frameAt(this.clock.now()) + 1);
      return { pcm: port.recorder.toPcm(), droppedSamples: port.recorder.droppedSamples, live: true };
    }
    const kept = this.kept.get(participantId);
    return kept ? { pcm: kept.toPcm(), droppedSamples: kept.droppedSamples, live: false } : undefined;
  }

  /** Forgets kept recordings and every media behaviour (the simulation plane's reset). */
  resetSimulation(): void {
    for (const recorder of this.kept.values()) this.recordedBytes -= recorder.lengthSamples * BYTES_PER_SAMPLE;
    this.kept.clear();
    this.partyMedia.reset();
    for (const port of this.list) port.played = undefined;
  }

  /** Every port now, with the peaks of its latest frame each way (silence while the clock sleeps). Costs a pass over one frame per port. */
  streams(): StreamView[] {
    return this.list.map((port) => {
      const source: StreamSource = port.upload ? 'upload' : port.played ? 'sim' : port.media?.sending ? 'own' : 'silence';
      const heard = !this.running ? [] : port.held ? [this.holdFrame] : port.contributors.map((other) => other.out);
      return {
        participantId: port.id,
        dn: port.dn,
        callId: port.callId,
        held: port.held,
        source,
        readers: port.taps.length,
        sentPeak: this.running && !port.outSilent ? peakOf(port.out) : 0,
        heardPeak: heard.reduce((peak, frame) => Math.max(peak, peakOf(frame)), 0),
      };
    });
  }

  stats(): MediaStats {
    let underruns = this.counters.uploadUnderrunFrames;
    let buffered = 0;
    for (const port of this.list) {
      if (!port.upload) continue;
      underruns += port.upload.underrunFrames;
      buffered += port.upload.bufferedBytes;
    }
    return {
      ports: this.list.length,
      running: this.running,
      framesProcessed: this.counters.framesProcessed,
      framesSkipped: this.counters.framesSkipped,
      uploadUnderrunFrames: underruns,
      uploadBufferedBytes: buffered,
      recordedBytes: this.recordedBytes,
    };
  }

  /** Stops the clock and ends every tap and upload (`stopped`). The engine cannot be started again. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    if (engines.get(this.pbx) === this) engines.delete(this.pbx);
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.running = false;
    for (const port of [...this.list]) {
      for (const tap of port.taps.splice(0)) this.safely(() => tap.end('stopped'), 'ending a tap');
      if (port.upload) this.retireUpload(port.upload, 'stopped');
      port.upload = undefined;
      this.closeMedia(port);
    }
    this.list.length = 0;
    this.ports.clear();
    this.calls.clear();
  }

  // ---------------------------------------------------------------- ports and bridges

  private onEvent(event: PbxEvent): void {
    if (this.stopped) return;
    switch (event.type) {
      case 'participant-upserted': {
        const participant = event.participant;
        if (!this.ports.has(participant.id) && participant.status === 'Connected') this.createPort(participant);
        if (this.calls.has(participant.callId)) this.touchCall(participant.callId);
        return;
      }
      case 'participant-removed': {
        const port = this.ports.get(event.participant.id);
        if (port) this.destroyPort(port);
        if (this.calls.has(event.participant.callId)) this.touchCall(event.participant.callId);
        return;
      }
      default:
        return;
    }
  }

  private createPort(participant: ParticipantView): void {
    const port = new Port(participant.id, participant.dn, participant.callId, this.frameAt(this.clock.now()));
    const media = this.endpointPort(participant.id);
    if (media) {
      port.media = media;
      if (media.detectsDtmf) port.detector = new DtmfDetector({ onDigit: (digit) => this.pendingDigits.push({ id: port.id, digit }) });
      if (media.records && this.recordParties) port.recorder = new Recorder();
      if (media.echoDelayMs !== undefined) this.lingerFrames = Math.max(this.lingerFrames, Math.ceil(msToSamples(media.echoDelayMs) / FRAME_SAMPLES) + LINGER_FRAMES);
    }
    port.index = this.list.length;
    this.list.push(port);
    this.ports.set(port.id, port);
    let members = this.calls.get(port.callId);
    if (!members) {
      members = new Set();
      this.calls.set(port.callId, members);
    }
    members.add(port);
    port.media?.start?.(this.wakeUp);
    if (port.isActive()) this.wake();
  }

  /** The port the participant's endpoint supplies, asked once; none when it has no audio of its own or failed. */
  private endpointPort(participantId: number): MediaPort | undefined {
    try {
      return this.pbx.mediaPortOf(participantId);
    } catch (error) {
      this.onError(error, 'an endpoint failed to supply its audio');
      return undefined;
    }
  }

  private closeMedia(port: Port): void {
    const media = port.media;
    port.media = undefined;
    if (media) this.safely(() => media.close(), 'closing an endpoint port');
  }

  private destroyPort(port: Port): void {
    this.ports.delete(port.id);
    const last = this.list.pop() as Port;
    if (last !== port) {
      this.list[port.index] = last;
      last.index = port.index;
    }
    const members = this.calls.get(port.callId);
    members?.delete(port);
    if (members?.size === 0) {
      this.calls.delete(port.callId);
      this.dirtyCalls.delete(port.callId);
    }
    for (const tap of port.taps.splice(0)) this.safely(() => tap.end('left'), 'ending a tap');
    if (port.upload) this.retireUpload(port.upload, 'left');
    port.upload = undefined;
    this.closeMedia(port);
    if (port.recorder) {
      if (!this.running) this.catchUp(port, this.frameAt(this.clock.now()) + 1);
      this.keep(port.id, port.recorder);
    }
  }

  /**
   * Re-reads who talks to whom in a call now, and again before the next frame: a command may change `held` after
   * the last event it emits (a failed transfer returns the held party after its ringing legs left).
   */
  private touchCall(callId: number): void {
    this.dirtyCalls.add(callId);
    this.syncCall(callId);
  }

  private syncCall(callId: number): void {
    const members = this.calls.get(callId);
    if (!members) return;
    let anyHeld = false;
    for (const port of members) {
      const detail = this.pbx.participantLink(port.id);
      if (!detail) continue; // leaving: its Remove is on the way
      port.held = detail.held;
      port.peerId = detail.peerId;
      if (port.held) anyHeld = true;
    }
    for (const port of members) {
      const contributors: Port[] = [];
      for (const other of members) if (other !== port && other.peerId === port.id && !other.held) contributors.push(other);
      port.contributors = contributors;
      port.mixInputs = contributors.map((other) => other.out);
      if (contributors.length > 1) port.mix ??= new Int16Array(FRAME_SAMPLES);
    }
    if (anyHeld) this.wake();
  }

  private keep(id: number, recorder: Recorder): void {
    this.kept.set(id, recorder);
    while (this.kept.size > MAX_KEPT_RECORDINGS) {
      const [oldestId, oldest] = this.kept.entries().next().value as [number, Recorder];
      this.kept.delete(oldestId);
      this.recordedBytes -= oldest.lengthSamples * BYTES_PER_SAMPLE;
    }
  }

  private retireUpload(upload: Upload, outcome: UploadOutcome): void {
    this.counters.uploadUnderrunFrames += upload.underrunFrames;
    this.safely(() => upload.finish(outcome), 'ending an upload');
  }

  // ---------------------------------------------------------------- the media clock

  /** Index of the last frame due at `ms`: frame k is due at epoch + k·20 ms. */
  private frameAt(ms: number): number {
    return Math.floor((ms - this.epochMs) / FRAME_MS);
  }

  /** {@link wake} for endpoint ports: they start producing (an IVR restarts its prompt) outside the media clock. */
  private readonly wakeUp = (): void => this.wake();

  /** Starts the clock if it sleeps; keeps it awake for at least the linger time if it runs. */
  private wake(): void {
    this.quietFrames = 0;
    if (this.running || this.stopped) return;
    this.running = true;
    this.nextFrame = this.frameAt(this.clock.now()) + 1;
    this.arm();
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(this.onTimer, this.epochMs + this.nextFrame * FRAME_MS - this.clock.now());
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const due = this.frameAt(this.clock.now());
    try {
      let processed = 0;
      while (this.nextFrame <= due && processed < MEDIA_MAX_CATCHUP_FRAMES) {
        this.processFrame(this.nextFrame);
        this.nextFrame++;
        processed++;
        if (this.stopped) return;
      }
      if (this.nextFrame <= due) {
        this.counters.framesSkipped += due - this.nextFrame + 1;
        this.nextFrame = due + 1;
      }
      const list = this.list;
      for (let i = 0; i < list.length; i++) {
        const taps = (list[i] as Port).taps;
        for (let t = 0; t < taps.length; t++) (taps[t] as MediaTap).flush();
      }
    } catch (error) {
      this.onError(error, 'media tick failed');
    }
    if (this.stopped) return;
    if (this.quietFrames > this.lingerFrames) {
      this.running = false;
      return;
    }
    this.arm();
  };

  private processFrame(frame: number): void {
    if (this.dirtyCalls.size > 0) {
      for (const callId of this.dirtyCalls) this.syncCall(callId);
      this.dirtyCalls.clear();
    }
    const list = this.list;
    let active = 0;
    for (let i = 0; i < list.length; i++) {
      const port = list[i] as Port;
      if (port.lastFrame !== frame - 1) this.catchUp(port, frame);
      if (port.isActive()) active++;
      this.produce(port);
    }
    for (let i = 0; i < list.length; i++) {
      const port = list[i] as Port;
      const heard = this.hearing(port, frame);
      const taps = port.taps;
      for (let t = 0; t < taps.length; t++) (taps[t] as MediaTap).frame(heard);
      if (port.recorder) this.record(port.recorder, heard);
      if (port.detector) port.detector.feed(heard);
      const media = port.media;
      if (media !== undefined && media.hear !== undefined) media.hear(heard);
      port.lastFrame = frame;
    }
    this.counters.framesProcessed++;
    this.quietFrames = active === 0 ? this.quietFrames + 1 : 0;
    if (this.drained.length > 0 || this.pendingDigits.length > 0 || this.finished.length > 0) this.afterFrame();
  }

  /** Effects that may call into the PBX (and so create or remove ports): run after the frame, never inside it. */
  private afterFrame(): void {
    for (let i = 0; i < this.drained.length; i++) (this.drained[i] as Upload).notifyDrain();
    this.drained.length = 0;
    for (let i = 0; i < this.finished.length; i++) {
      const port = this.finished[i] as Port;
      const upload = port.upload;
      if (!upload) continue;
      port.upload = undefined;
      this.safely(() => this.pbx.playbackFinished(port.id), 'announcing a finished upload');
      this.retireUpload(upload, 'played');
    }
    this.finished.length = 0;
    const digits = this.pendingDigits.splice(0);
    for (const { id, digit } of digits) {
      const peerId = this.ports.get(id)?.peerId;
      if (peerId === null || peerId === undefined) continue;
      try {
        this.pbx.sendDtmf(peerId, digit); // the far party "pressed" it: a DTMF event on this participant
      } catch (error) {
        if (!isCoreError(error)) throw error; // not in conversation any more: the key is lost, as on a real line
      }
    }
  }

  private produce(port: Port): void {
    const out = port.out;
    const upload = port.upload;
    if (upload !== undefined) {
      port.outSilent = false;
      if (upload.read(out)) return;
      if (!upload.isDone) this.finished.push(port);
      port.outSilent = true; // read() left silence
      return;
    }
    if (port.played !== undefined) {
      if (port.played.read(out)) {
        port.outSilent = false;
        return;
      }
      port.played = undefined;
    }
    const media = port.media;
    if (media !== undefined && media.sending && media.produce(out)) {
      port.outSilent = false;
      return;
    }
    if (!port.outSilent) {
      out.fill(0);
      port.outSilent = true;
    }
  }

  private hearing(port: Port, frame: number): Int16Array {
    if (port.held) {
      if (this.holdFrameIndex !== frame) {
        this.holdSource.read(this.holdFrame);
        this.holdFrameIndex = frame;
      }
      return this.holdFrame;
    }
    const contributors = port.contributors;
    if (contributors.length === 0) return SILENCE;
    if (contributors.length === 1) return (contributors[0] as Port).out; // straight through, no copy
    const mix = port.mix as Int16Array;
    mixFrames(port.mixInputs, mix);
    return mix;
  }

  private record(recorder: Recorder, frame: Int16Array): void {
    if (this.recordedBytes + FRAME_BYTES > MAX_RECORDING_TOTAL_BYTES) return;
    const before = recorder.lengthSamples;
    recorder.append(frame);
    this.recordedBytes += (recorder.lengthSamples - before) * BYTES_PER_SAMPLE;
  }

  /** The port missed frames up to `frame` (the clock slept, or skipped): it heard silence meanwhile. */
  private catchUp(port: Port, frame: number): void {
    const missed = frame - 1 - port.lastFrame;
    if (missed <= 0) return;
    const recorder = port.recorder;
    if (recorder) {
      const room = Math.ceil((recorder.maxSamples - recorder.lengthSamples) / FRAME_SAMPLES);
      for (let i = Math.min(missed, room); i > 0; i--) this.record(recorder, SILENCE);
    }
    port.detector?.reset();
    port.media?.skipped?.();
    port.lastFrame = frame - 1;
  }

  private safely(action: () => void, context: string): void {
    try {
      action();
    } catch (error) {
      this.onError(error, context);
    }
  }
}

/** The largest absolute sample of a frame, as a fraction of full scale (0..1). */
function peakOf(frame: Int16Array): number {
  let peak = 0;
  for (let i = 0; i < frame.length; i++) {
    const magnitude = Math.abs(frame[i] as number);
    if (magnitude > peak) peak = magnitude;
  }
  return Math.min(1, peak / 32768);
}

// The engine of each PBX, for code that holds only the PBX (tests of a running server). Endpoints never look here:
// they hand the engine their own ports.
const engines = new WeakMap<Pbx, MediaEngine>();

/** The media engine carrying `pbx`'s audio (for composition code and tests), or undefined. */
export function mediaEngineOf(pbx: Pbx): MediaEngine | undefined {
  return engines.get(pbx);
}
