// The non-INVITE client transaction of RFC 3261 §17.1.2: one method per state.

import type { SipRequest, SipResponse } from './message.js';
import { assertNever, isReliable, timerDuration, Timers, type Peer, type TransactionContext } from './transaction.js';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

type Input =
  | { kind: 'response'; response: SipResponse }
  | { kind: 'timer'; name: 'E' | 'F' | 'K' }
  | { kind: 'transportError'; error: unknown };

export interface NonInviteClientEvents {
  /** Provisional responses and the first final response; retransmitted finals are absorbed. */
  response(response: SipResponse): void;
  failed(reason: 'timeout' | 'transport', error?: unknown): void;
}

export class NonInviteClientTransaction {
  state: NonInviteClientState = 'trying';
  private readonly timers: Timers<'E' | 'F' | 'K'>;
  private intervalE: number;
  private readonly reliable: boolean;

  constructor(
    readonly request: SipRequest,
    readonly peer: Peer,
    private readonly ctx: TransactionContext,
    private readonly events: NonInviteClientEvents,
  ) {
    this.timers = new Timers(ctx.clock);
    this.reliable = isReliable(peer);
    this.intervalE = timerDuration('E', this.reliable, ctx.timers);
  }

  /** Sends the request and starts timers E (UDP only) and F. */
  start(): void {
    if (!this.transmit()) return;
    if (!this.reliable) this.startE();
    this.timers.start('F', timerDuration('F', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'F' }));
  }

  receive(response: SipResponse): void {
    this.input({ kind: 'response', response });
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
      case 'response':
        return this.onResponse(input.response);
      case 'timer':
        if (input.name === 'E') {
          // In Trying, E doubles up to T2.
          this.intervalE = Math.min(this.intervalE * 2, this.ctx.timers.t2Ms);
          if (this.transmit()) this.startE();
        } else if (input.name === 'F') this.timedOut();
        return;
      case 'transportError':
        return this.transportFailed(input.error);
      default:
        assertNever(input);
    }
  }

  private proceeding(input: Input): void {
    switch (input.kind) {
      case 'response':
        return this.onResponse(input.response);
      case 'timer':
        if (input.name === 'E') {
          // In Proceeding, E retransmits every T2.
          this.intervalE = this.ctx.timers.t2Ms;
          if (this.transmit()) this.startE();
        } else if (input.name === 'F') this.timedOut();
        return;
      case 'transportError':
        return this.transportFailed(input.error);
      default:
        assertNever(input);
    }
  }

  private completed(input: Input): void {
    switch (input.kind) {
      case 'response':
        return;
      case 'timer':
        if (input.name === 'K') this.terminate();
        return;
      case 'transportError':
        return;
      default:
        assertNever(input);
    }
  }

  private onResponse(response: SipResponse): void {
    if (response.status < 200) {
      this.state = 'proceeding';
      this.events.response(response);
      return;
    }
    this.state = 'completed';
    this.timers.stop('E');
    this.timers.stop('F');
    this.timers.start('K', timerDuration('K', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'K' }));
    this.events.response(response);
  }

  private startE(): void {
    this.timers.start('E', this.intervalE, () => this.input({ kind: 'timer', name: 'E' }));
  }

  private transmit(): boolean {
    try {
      this.ctx.send(this.request, this.peer);
      return true;
    } catch (error) {
      this.input({ kind: 'transportError', error });
      return false;
    }
  }

  private timedOut(): void {
    this.terminate();
    this.events.failed('timeout');
  }

  private transportFailed(error: unknown): void {
    this.terminate();
    this.events.failed('transport', error);
  }

  private terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.stopAll();
    this.ctx.terminated();
  }
}
