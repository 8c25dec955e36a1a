// The non-INVITE server transaction of RFC 3261 §17.2.2: one method per state.

import type { SipRequest, SipResponse } from './message.js';
import { assertNever, isReliable, timerDuration, Timers, type Peer, type TransactionContext } from './transaction.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

type Input =
  | { kind: 'request'; request: SipRequest }
  | { kind: 'respond'; response: SipResponse }
  | { kind: 'timer'; name: 'J' }
  | { kind: 'transportError'; error: unknown };

export interface NonInviteServerEvents {
  transportError?(error: unknown): void;
}

export class NonInviteServerTransaction {
  state: NonInviteServerState = 'trying';
  private readonly timers: Timers<'J'>;
  private readonly reliable: boolean;
  private lastResponse: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    readonly peer: Peer,
    private readonly ctx: TransactionContext,
    private readonly events: NonInviteServerEvents = {},
  ) {
    this.timers = new Timers(ctx.clock);
    this.reliable = isReliable(peer);
  }

  respond(response: SipResponse): void {
    this.input({ kind: 'respond', response });
  }

  /**
   * Sends a final response once and forgets the request at once, absorbing no retransmission (a retransmitted request
   * is a new one): RFC 3261 §26.3.2.4 has servers challenge unauthenticated requests so, which keeps a flood of
   * REGISTERs from holding a transaction per challenge for Timer J.
   */
  respondStatelessly(response: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated' || response.status < 200) return this.respond(response);
    this.lastResponse = response;
    if (this.transmit(response)) this.terminate();
  }

  /** Completed: only absorbing retransmissions until Timer J; the layer may forget it early when its table is full. */
  get absorbing(): boolean {
    return this.state === 'completed';
  }

  /** Ends the transaction now (the layer needs its slot); a later retransmission of the request is a new request. */
  forget(): void {
    this.terminate();
  }

  /** A retransmission of the request. */
  receive(request: SipRequest): void {
    this.input({ kind: 'request', request });
  }

  private input(input: Input): void {
    switch (this.state) {
      case 'trying':
        return this.trying(input);
      case 'proceeding':
        return this.proceeding(input);
      case 'completed':
        return this.completed(input);
      case 'terminated':
        return;
      default:
        assertNever(this.state);
    }
  }

  private trying(input: Input): void {
    switch (input.kind) {
      case 'request':
        // Nothing to resend yet: the TU has not answered.
        return;
      case 'respond':
        return this.send(input.response);
      case 'timer':
        return;
      case 'transportError':
        return this.transportFailed(input.error);
      default:
        assertNever(input);
    }
  }

  private proceeding(input: Input): void {
    switch (input.kind) {
      case 'request':
        if (this.lastResponse) this.transmit(this.lastResponse);
        return;
      case 'respond':
        return this.send(input.response);
      case 'timer':
        return;
      case 'transportError':
        return this.transportFailed(input.error);
      default:
        assertNever(input);
    }
  }

  private completed(input: Input): void {
    switch (input.kind) {
      case 'request':
        if (this.lastResponse) this.transmit(this.lastResponse);
        return;
      case 'respond':
        // The final response is sent; later ones from the TU are dropped (RFC 3261 §17.2.2).
        return;
      case 'timer':
        if (input.name === 'J') this.terminate();
        return;
      case 'transportError':
        return this.transportFailed(input.error);
      default:
        assertNever(input);
    }
  }

  /** Trying and Proceeding send the TU's response the same way. */
  private send(response: SipResponse): void {
    this.lastResponse = response;
    if (!this.transmit(response)) return;
    if (response.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.timers.start('J', timerDuration('J', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'J' }));
  }

  private transmit(response: SipResponse): boolean {
    try {
      this.ctx.send(response, this.peer);
      return true;
    } catch (error) {
      this.input({ kind: 'transportError', error });
      return false;
    }
  }

  private transportFailed(error: unknown): void {
    this.terminate();
    this.events.transportError?.(error);
  }

  private terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.stopAll();
    this.ctx.terminated();
  }
}
