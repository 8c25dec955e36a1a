// The engine's side of each participant whose leg carries audio: its outgoing frame, what it hears from, its upload, taps, recorder and detector.

import type { MediaPort } from '../core/media-port.js';
import type { DtmfDetector } from './dtmf-detector.js';
import { FRAME_SAMPLES } from './format.js';
import type { Recorder } from './recorder.js';
import type { AudioSource } from './source.js';
import type { Upload } from './uploads.js';

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

/** What one participant whose leg carries audio sends and hears. All buffers are allocated here, once. */
export class Port {
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

  /**
   * Fills `out` with what the participant sends this tick, first that applies: the application's upload, the audio
   * the simulation plane plays, the endpoint's own audio, else silence. True when the upload has just played out (the
   * engine then retires it and announces PromptPlaybackFinished, after the frame).
   */
  produce(): boolean {
    const out = this.out;
    const upload = this.upload;
    if (upload !== undefined) {
      this.outSilent = false;
      if (upload.read(out)) return false;
      this.outSilent = true; // read() left silence
      return !upload.isDone;
    }
    if (this.played !== undefined) {
      if (this.played.read(out)) {
        this.outSilent = false;
        return false;
      }
      this.played = undefined;
    }
    const media = this.media;
    if (media !== undefined && media.sending && media.produce(out)) {
      this.outSilent = false;
      return false;
    }
    if (!this.outSilent) {
      out.fill(0);
      this.outSilent = true;
    }
    return false;
  }

  /** What it sends now, for monitoring. */
  source(): StreamSource {
    return this.upload ? 'upload' : this.played ? 'sim' : this.media?.sending ? 'own' : 'silence';
  }
}

/**
 * Every port, by participant and by call. The flat list (swap-removed, each port knowing its index) is what the
 * media clock walks every 20 ms: no map iteration, no allocation.
 */
export class PortTable {
  /** Every port, in no particular order. */
  readonly list: Port[] = [];
  private readonly byId = new Map<number, Port>();
  private readonly byCall = new Map<number, Set<Port>>();

  get(participantId: number): Port | undefined {
    return this.byId.get(participantId);
  }

  /** The ports of a call, or undefined when it has none. */
  members(callId: number): ReadonlySet<Port> | undefined {
    return this.byCall.get(callId);
  }

  callIds(): IterableIterator<number> {
    return this.byCall.keys();
  }

  add(port: Port): void {
    port.index = this.list.length;
    this.list.push(port);
    this.byId.set(port.id, port);
    let members = this.byCall.get(port.callId);
    if (!members) {
      members = new Set();
      this.byCall.set(port.callId, members);
    }
    members.add(port);
  }

  /** Removes the port; true when its call has no port left. */
  remove(port: Port): boolean {
    this.byId.delete(port.id);
    const last = this.list.pop() as Port;
    if (last !== port) {
      this.list[port.index] = last;
      last.index = port.index;
    }
    const members = this.byCall.get(port.callId);
    members?.delete(port);
    if (members?.size !== 0) return false;
    this.byCall.delete(port.callId);
    return true;
  }

  clear(): void {
    this.list.length = 0;
    this.byId.clear();
    this.byCall.clear();
  }
}

/**
 * A look at one port for monitoring: `running` says whether the clock runs (else every level is 0), `holdFrame` is
 * what a held port hears. Costs a pass over one frame per level.
 */
export function streamView(port: Port, running: boolean, holdFrame: Int16Array): StreamView {
  const heard = !running ? [] : port.held ? [holdFrame] : port.contributors.map((other) => other.out);
  return {
    participantId: port.id,
    dn: port.dn,
    callId: port.callId,
    held: port.held,
    source: port.source(),
    readers: port.taps.length,
    sentPeak: running && !port.outSilent ? peakOf(port.out) : 0,
    heardPeak: heard.reduce((peak, frame) => Math.max(peak, peakOf(frame)), 0),
  };
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
