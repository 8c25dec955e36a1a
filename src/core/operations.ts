// Operations: what a command returns, settled at once or when its attempt settles.

import type { Attempt, Operation, Outcome } from './model.js';
import type { ParticipantView } from './types.js';

/** A command whose effect is known at once. */
export class SettledOperation implements Operation {
  constructor(
    readonly participant: ParticipantView | undefined,
    readonly outcome: Outcome,
  ) {}
  onSettled(callback: (outcome: Outcome) => void): void {
    callback(this.outcome);
  }
  settled(): Promise<Outcome> {
    return Promise.resolve(this.outcome);
  }
}

/** A command whose effect is known when its attempt settles (a route or transfer still ringing). */
export class AttemptOperation implements Operation {
  constructor(
    readonly participant: ParticipantView | undefined,
    private readonly attempt: Attempt,
  ) {}
  get outcome(): Outcome | undefined {
    return this.attempt.outcome;
  }
  onSettled(callback: (outcome: Outcome) => void): void {
    if (this.attempt.outcome) callback(this.attempt.outcome);
    else this.attempt.settledCallbacks.push(callback);
  }
  settled(): Promise<Outcome> {
    return new Promise((resolve) => this.onSettled(resolve));
  }
}

/** An operation settled with `participant` as its subject. */
export function done(participant: ParticipantView | undefined): SettledOperation {
  return new SettledOperation(participant, { ok: true, participant });
}
