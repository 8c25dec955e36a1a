// The media engine: one 20 ms media clock for every call, a port per leg that carries audio, a bridge per call.

import type { Clock } from '../core/clock.js';
import { isCoreError } from '../core/errors.js';
import type { MediaPort } from '../core/media-port.js';
import type { Pbx } from '../core/pbx.js';
import type { ParticipantLink, PbxEvent } from '../core/types.js';
import { MAX_STREAM_READERS_PER_PARTICIPANT } from '../limits.js';
import { DtmfDetector } from './dtmf-detector.js';
import { FRAME_SAMPLES, msToSamples } from './format.js';
import { MediaClock } from './media-clock.js';
import { mixFrames } from './mixer.js';
import { PartyMediaStore } from './party-media.js';
import { Port, PortTable, streamView, type MediaTap, type StreamView } from './ports.js';
import { generatedHoldMusic } from './prompts.js';
import { Recorder } from './recorder.js';
import { Recordings } from './recordings.js';
import { PcmSource, type AudioSource } from './source.js';
import { Upload, type UploadListener, type UploadOutcome } from './uploads.js';

export type { MediaTap, StreamSource, StreamView, TapEndReason } from './ports.js';
export { Upload, type UploadListener, type UploadOutcome } from './uploads.js';

/** Counters of the media engine (cumulative unless said otherwise). */
export interface MediaStats {
  /** Ports now (participants whose leg carries audio). */
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
// The engine of each PBX, for code that holds only the PBX (tests of a running server). Endpoints never look here:
// they hand the engine their own ports.
const engines = new WeakMap<Pbx, MediaEngine>();

/** The participant a port is for: what a participant event names. */
interface LegRef {
  id: number;
  dn: string;
  callId: number;
}

/**
 * Carries the audio of every call on one {@link MediaClock} (a 20 ms grid on the injected clock). Each participant
 * whose leg carries audio (`link.media`) gets a port, with the {@link MediaPort} its endpoint supplies. Who talks to
 * whom is learnt from the PBX's participant events alone: each port keeps the hold state and peer its latest event
 * carried, and its call's bridges are recomputed from those whenever an event touches the call. Each tick:
 *
 * 1. every port fills its outgoing frame: the application's upload, else audio the simulation plane plays from the
 *    party, else the endpoint's own audio (echo, tone, WAV, IVR prompt, hold music), else silence;
 * 2. every port hears its bridge: its peer's outgoing frame, by reference (no copy) when there is one peer, mixed with
 *    clipping when several talk to it, the hold source while it is held (and then nobody hears it), else silence;
 * 3. what it hears goes to its taps, its recorder (endpoints that ask: simulated parties), its DTMF detector (endpoints
 *    that ask: route points and IVRs; a key found in the audio is pressed on the peer's leg, so it arrives as a DTMF
 *    event like a signalled one) and its endpoint's port (an echo returns it).
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
  private readonly ports = new PortTable();
  private readonly holdSource = new PcmSource(generatedHoldMusic(), { loop: true });
  private readonly holdFrame = new Int16Array(FRAME_SAMPLES);
  private holdFrameIndex = -1;
  private readonly pendingDigits: { id: number; digit: string }[] = [];
  private readonly drained: Upload[] = [];
  private readonly finished: Port[] = [];
  private readonly recordings = new Recordings();
  private readonly ticker: MediaClock;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly counters = { framesProcessed: 0, uploadUnderrunFrames: 0 };

  constructor(options: MediaEngineOptions) {
    this.pbx = options.pbx;
    this.clock = options.clock;
    this.partyMedia = options.partyMedia ?? new PartyMediaStore();
    this.recordParties = options.recordParties ?? true;
    this.onError = options.onError ?? ((error, context) => console.error(`switchboard media: ${context}:`, error));
    this.ticker = new MediaClock(this.clock, {
      frame: (index) => this.processFrame(index),
      afterFrame: () => this.afterFrame(),
      flush: () => this.flushTaps(),
      onError: this.onError,
    });
    this.unsubscribe = this.pbx.subscribe((event) => this.onEvent(event));
    // The one read of topology from the core: the calls the PBX already carries when the engine starts (hold state and
    // peer from each ParticipantDetail; it carries no link, so a Connected leg is taken as the one that carries audio).
    // From here on the events say everything.
    for (const call of this.pbx.listCalls()) {
      for (const participant of call.participants) {
        if (participant.status === 'Connected') this.createPort(participant, { media: true, held: participant.held, peerId: participant.peerId });
      }
    }
    for (const callId of this.ports.callIds()) this.bridgeCall(callId);
    engines.set(this.pbx, this);
  }

  // ---------------------------------------------------------------- API for the adapters

  /** Whether the participant has audio now (its leg carries audio). */
  hasPort(participantId: number): boolean {
    return this.ports.get(participantId) !== undefined;
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
    this.ticker.wake();
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
    this.ticker.wake();
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
    this.ticker.wake();
    return true;
  }

  /** Everything the simulated party heard (live, or kept after it left), as PCM; undefined when there is no recording. */
  recording(participantId: number): { pcm: Int16Array; droppedSamples: number; live: boolean } | undefined {
    const port = this.ports.get(participantId);
    if (port?.recorder) {
      if (!this.ticker.isRunning) this.catchUp(port, this.ticker.currentFrame() + 1);
      return { pcm: port.recorder.toPcm(), droppedSamples: port.recorder.droppedSamples, live: true };
    }
    const kept = this.recordings.keptOf(participantId);
    return kept ? { pcm: kept.toPcm(), droppedSamples: kept.droppedSamples, live: false } : undefined;
  }

  /** Forgets kept recordings and every media behaviour (the simulation plane's reset). */
  resetSimulation(): void {
    this.recordings.clearKept();
    this.partyMedia.reset();
    for (const port of this.ports.list) port.played = undefined;
  }

  /** Every port now, with the peaks of its latest frame each way (silence while the clock sleeps). Costs a pass over one frame per port. */
  streams(): StreamView[] {
    return this.ports.list.map((port) => streamView(port, this.ticker.isRunning, this.holdFrame));
  }

  stats(): MediaStats {
    let underruns = this.counters.uploadUnderrunFrames;
    let buffered = 0;
    for (const port of this.ports.list) {
      if (!port.upload) continue;
      underruns += port.upload.underrunFrames;
      buffered += port.upload.bufferedBytes;
    }
    return {
      ports: this.ports.list.length,
      running: this.ticker.isRunning,
      framesProcessed: this.counters.framesProcessed,
      framesSkipped: this.ticker.framesSkipped,
      uploadUnderrunFrames: underruns,
      uploadBufferedBytes: buffered,
      recordedBytes: this.recordings.recordedBytes,
    };
  }

  /** Stops the clock and ends every tap and upload (`stopped`). The engine cannot be started again. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    if (engines.get(this.pbx) === this) engines.delete(this.pbx);
    this.ticker.stop();
    for (const port of [...this.ports.list]) {
      for (const tap of port.taps.splice(0)) this.safely(() => tap.end('stopped'), 'ending a tap');
      if (port.upload) this.retireUpload(port.upload, 'stopped');
      port.upload = undefined;
      this.closeMedia(port);
    }
    this.ports.clear();
  }

  // ---------------------------------------------------------------- ports and bridges

  private onEvent(event: PbxEvent): void {
    if (this.stopped) return;
    switch (event.type) {
      case 'participant-upserted':
        this.follow(event.participant, event.link);
        return;
      case 'participant-link':
        this.follow({ id: event.participantId, dn: event.dn, callId: event.callId }, event.link);
        return;
      case 'participant-removed': {
        const port = this.ports.get(event.participant.id);
        if (port) this.destroyPort(port);
        this.bridgeCall(event.participant.callId);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Follows one participant's link: a port while its leg carries audio (created when it starts, destroyed when it
   * stops: early media that ended without an answer), holding the latest hold state and peer; then re-bridges its call.
   */
  private follow(leg: LegRef, link: ParticipantLink): void {
    const port = this.ports.get(leg.id);
    if (!port && link.media) {
      this.createPort(leg, link);
    } else if (port && !link.media) {
      this.destroyPort(port);
    } else if (port) {
      port.held = link.held;
      port.peerId = link.peerId;
    }
    this.bridgeCall(leg.callId);
  }

  private createPort(leg: LegRef, link: ParticipantLink): void {
    const port = new Port(leg.id, leg.dn, leg.callId, this.ticker.currentFrame());
    port.held = link.held;
    port.peerId = link.peerId;
    const media = this.endpointPort(leg.id);
    if (media) {
      port.media = media;
      if (media.detectsDtmf) port.detector = new DtmfDetector({ onDigit: (digit) => this.pendingDigits.push({ id: port.id, digit }) });
      if (media.records && this.recordParties) port.recorder = new Recorder();
      if (media.echoDelayMs !== undefined) this.ticker.lingerAtLeast(Math.ceil(msToSamples(media.echoDelayMs) / FRAME_SAMPLES));
    }
    this.ports.add(port);
    port.media?.start?.(this.wakeUp);
    if (port.isActive()) this.ticker.wake();
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
    this.ports.remove(port);
    for (const tap of port.taps.splice(0)) this.safely(() => tap.end('left'), 'ending a tap');
    if (port.upload) this.retireUpload(port.upload, 'left');
    port.upload = undefined;
    this.closeMedia(port);
    if (port.recorder) {
      if (!this.ticker.isRunning) this.catchUp(port, this.ticker.currentFrame() + 1);
      this.recordings.keep(port.id, port.recorder);
    }
  }

  /**
   * Recomputes who hears whom in a call from its ports' hold states and peers: each port hears the ports whose peer
   * it is, unless they are held (a held port hears the hold source and nobody hears it).
   */
  private bridgeCall(callId: number): void {
    const members = this.ports.members(callId);
    if (!members) return;
    let anyHeld = false;
    for (const port of members) {
      if (port.held) anyHeld = true;
      const contributors: Port[] = [];
      for (const other of members) if (other !== port && other.peerId === port.id && !other.held) contributors.push(other);
      port.contributors = contributors;
      port.mixInputs = contributors.map((other) => other.out);
      if (contributors.length > 1) port.mix ??= new Int16Array(FRAME_SAMPLES);
    }
    if (anyHeld) this.ticker.wake();
  }

  private retireUpload(upload: Upload, outcome: UploadOutcome): void {
    this.counters.uploadUnderrunFrames += upload.underrunFrames;
    this.safely(() => upload.finish(outcome), 'ending an upload');
  }

  // ---------------------------------------------------------------- one frame

  /** {@link MediaClock.wake} for endpoint ports: they start producing (an IVR restarts its prompt) outside the media clock. */
  private readonly wakeUp = (): void => this.ticker.wake();

  /** Taps hear the end of a wake-up's frames. */
  private flushTaps(): void {
    const list = this.ports.list;
    for (let i = 0; i < list.length; i++) {
      const taps = (list[i] as Port).taps;
      for (let t = 0; t < taps.length; t++) (taps[t] as MediaTap).flush();
    }
  }

  /** Every port sends, then every port hears; true when any port was active. */
  private processFrame(frame: number): boolean {
    const list = this.ports.list;
    let active = 0;
    for (let i = 0; i < list.length; i++) {
      const port = list[i] as Port;
      if (port.lastFrame !== frame - 1) this.catchUp(port, frame);
      if (port.isActive()) active++;
      if (port.produce()) this.finished.push(port);
    }
    for (let i = 0; i < list.length; i++) {
      const port = list[i] as Port;
      const heard = this.hearing(port, frame);
      const taps = port.taps;
      for (let t = 0; t < taps.length; t++) (taps[t] as MediaTap).frame(heard);
      if (port.recorder) this.recordings.record(port.recorder, heard);
      if (port.detector) port.detector.feed(heard);
      const media = port.media;
      if (media !== undefined && media.hear !== undefined) media.hear(heard);
      port.lastFrame = frame;
    }
    this.counters.framesProcessed++;
    return active > 0;
  }

  /** Effects that may call into the PBX (and so create or remove ports): run after the frame, never inside it. */
  private afterFrame(): void {
    if (this.drained.length === 0 && this.pendingDigits.length === 0 && this.finished.length === 0) return;
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

  /** The port missed frames up to `frame` (the clock slept, or skipped): it heard silence meanwhile. */
  private catchUp(port: Port, frame: number): void {
    const missed = frame - 1 - port.lastFrame;
    if (missed <= 0) return;
    if (port.recorder) this.recordings.recordSilence(port.recorder, missed);
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

/** The media engine carrying `pbx`'s audio (for composition code and tests), or undefined. */
export function mediaEngineOf(pbx: Pbx): MediaEngine | undefined {
  return engines.get(pbx);
}
