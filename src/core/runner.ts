// The command runner: runs core commands, holds endpoint hooks until the outermost command is done, announces events.

import type { Endpoint, LegControl } from './endpoint.js';
import type { Leg } from './model.js';
import type { PbxEvent, PbxListener } from './types.js';

/**
 * Runs commands so that endpoint hooks (and settled callbacks) never run in the middle of a state change: they wait
 * in a queue until the outermost command has finished, then run in order. Events go to listeners at once.
 */
export class Runner {
  private readonly listeners = new Set<PbxListener>();
  /** Hooks wait here until the running command has finished changing state. */
  private readonly deferred: (() => void)[] = [];
  private depth = 0;

  constructor(private readonly onInternalError: (error: unknown, context: string) => void) {}

  subscribe(listener: PbxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a command; the hooks it queued run once the outermost command is done. */
  run<T>(command: () => T): T {
    this.depth++;
    try {
      return command();
    } finally {
      this.depth--;
      if (this.depth === 0) this.drainDeferred();
    }
  }

  /** Queues an endpoint hook of `leg`, to run after the running command. */
  defer(leg: Leg, hook: (endpoint: Endpoint, control: LegControl) => void): void {
    this.deferred.push(() => hook(leg.endpoint, leg.control));
  }

  /** Queues any work to run after the running command (settled callbacks, a removal that must follow the response). */
  later(work: () => void): void {
    this.deferred.push(work);
  }

  emit(event: PbxEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onInternalError(error, 'event listener failed');
      }
    }
  }

  private drainDeferred(): void {
    this.depth++;
    // Read by index, cleared once: shift() moves the whole queue each time, so ending N calls (several hooks each)
    // would cost N² moves. Hooks queued meanwhile are appended and run in the same pass.
    const queue = this.deferred;
    let next = 0;
    try {
      for (; next < queue.length; next++) {
        try {
          (queue[next] as () => void)();
        } catch (error) {
          this.onInternalError(error, 'endpoint hook failed');
        }
      }
    } finally {
      queue.splice(0, next);
      this.depth--;
    }
  }
}
