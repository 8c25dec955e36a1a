// How many audio streams are open, per application and per direction: the concurrency limits of GET/POST .../stream.

import { MAX_STREAM_READERS_PER_PARTICIPANT, MAX_STREAMS_PER_APPLICATION } from '../limits.js';
import { ApiError, ApiErrorCodes } from './errors.js';

export type StreamDirection = 'read' | 'write';

export interface StreamLimits {
  /** Readers (GET .../stream) one participant may have at once. */
  readersPerParticipant: number;
  /** Readers plus uploads one application may have open at once. */
  perApplication: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  readersPerParticipant: MAX_STREAM_READERS_PER_PARTICIPANT,
  perApplication: MAX_STREAMS_PER_APPLICATION,
};

/** Counts open streams; `acquire` refuses one over a limit with 429 TooManyStreams, before anything is opened. */
export class StreamQuota {
  private readonly perApplication = new Map<string, number>();
  private readonly open: Record<StreamDirection, number> = { read: 0, write: 0 };

  constructor(private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {}

  /**
   * Takes one stream slot for `application`; `readersOnParticipant` is how many readers the participant has now
   * (only checked for reads). Returns the release function, which is safe to call more than once.
   */
  acquire(application: string, direction: StreamDirection, readersOnParticipant: number): () => void {
    if (direction === 'read' && readersOnParticipant >= this.limits.readersPerParticipant) {
      throw new ApiError(ApiErrorCodes.TOO_MANY_STREAMS, `the participant already has ${readersOnParticipant} readers, the most allowed (${this.limits.readersPerParticipant})`);
    }
    const held = this.perApplication.get(application) ?? 0;
    if (held >= this.limits.perApplication) {
      throw new ApiError(ApiErrorCodes.TOO_MANY_STREAMS, `application ${application} already has ${held} audio streams open, the most allowed (${this.limits.perApplication})`);
    }
    this.perApplication.set(application, held + 1);
    this.open[direction]++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open[direction]--;
      const left = (this.perApplication.get(application) ?? 1) - 1;
      if (left === 0) this.perApplication.delete(application);
      else this.perApplication.set(application, left);
    };
  }

  /** Streams open now in one direction, across applications (for metrics). */
  count(direction: StreamDirection): number {
    return this.open[direction];
  }
}
