// The one media clock: a timer on the injected Clock aligned to a 20 ms grid, catching up after a stall, asleep while all is quiet.

import type { Clock, TimerHandle } from '../core/clock.js';
import { MEDIA_MAX_CATCHUP_FRAMES } from '../limits.js';
import { FRAME_MS } from './format.js';

/** Frames of quiet the clock keeps running before it sleeps, beyond the longest echo delay. */
const LINGER_FRAMES = 2;

/** What the clock drives, frame by frame. */
export interface FrameHandler {
  /** Makes frame `index`; true when anything was active in it (quiet frames count toward sleeping). Must not call into the PBX. */
  frame(index: number): boolean;
  /** After each frame, once its quiet was counted: effects that may call into the PBX (and so wake or stop the clock). */
  afterFrame(): void;
  /** The frames due at one wake-up were all made (one, or several when catching up). */
  flush(): void;
  onError(error: unknown, context: string): void;
}

/**
 * Frame k is due at start + k·20 ms. Each wake-up makes the frames due and re-arms with setTimeout for the next, so
 * timer jitter never accumulates; after a stall it makes at most MEDIA_MAX_CATCHUP_FRAMES and skips the rest
 * (counted). Once more than the linger time of frames went by with nothing active it stops until woken.
 */
export class MediaClock {
  /** Frames skipped because the process was more than MEDIA_MAX_CATCHUP_FRAMES behind. */
  framesSkipped = 0;
  private readonly epochMs: number;
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = false;
  private nextFrame = 0;
  private quietFrames = 0;
  private lingerFrames = LINGER_FRAMES;

  constructor(
    private readonly clock: Clock,
    private readonly handler: FrameHandler,
  ) {
    this.epochMs = clock.now();
  }

  /** Whether the clock runs now (it sleeps while all is quiet). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Index of the last frame due now. */
  currentFrame(): number {
    return this.frameAt(this.clock.now());
  }

  /** Keeps running at least `frames` quiet frames past the last sound (so an echo finishes); never shortens. */
  lingerAtLeast(frames: number): void {
    this.lingerFrames = Math.max(this.lingerFrames, frames + LINGER_FRAMES);
  }

  /** Starts the clock if it sleeps; keeps it awake for at least the linger time if it runs. */
  wake(): void {
    this.quietFrames = 0;
    if (this.running || this.stopped) return;
    this.running = true;
    this.nextFrame = this.currentFrame() + 1;
    this.arm();
  }

  /** Stops for good. */
  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.running = false;
  }

  private frameAt(ms: number): number {
    return Math.floor((ms - this.epochMs) / FRAME_MS);
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(this.onTimer, this.epochMs + this.nextFrame * FRAME_MS - this.clock.now());
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const due = this.currentFrame();
    try {
      let processed = 0;
      while (this.nextFrame <= due && processed < MEDIA_MAX_CATCHUP_FRAMES) {
        const active = this.handler.frame(this.nextFrame);
        this.quietFrames = active ? 0 : this.quietFrames + 1;
        this.handler.afterFrame();
        this.nextFrame++;
        processed++;
        if (this.stopped) return;
      }
      if (this.nextFrame <= due) {
        this.framesSkipped += due - this.nextFrame + 1;
        this.nextFrame = due + 1;
      }
      this.handler.flush();
    } catch (error) {
      this.handler.onError(error, 'media tick failed');
    }
    if (this.stopped) return;
    if (this.quietFrames > this.lingerFrames) {
      this.running = false;
      return;
    }
    this.arm();
  };
}
