// The INVITE client transaction of RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §8.4: one method per state.

import { buildAckForFailure } from './builders.js';
import type { SipRequest, SipResponse } from './message.js';
import { assertNever, isReliable, timerDuration, Timers, type Peer, type TransactionContext } from './transaction.js';

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

type Input =
  | { kind: 'response'; response: SipResponse }
  | { kind: 'timer'; name: 'A' | 'B' | 'D' | 'M' }
  | { kind: 'transportError'; error: unknown };

/** What the transaction user hears. Every response but retransmitted failures is passed up; a 2xx retransmission too (the TU sends its ACK again). */
export interface InviteClientEvents {
  response(response: SipResponse): void;
  /** Timer B fired with no response, or the transport failed: the TU treats it as 408 / 503 (RFC 3261 §8.1.3.1). */
  failed(reason: 'timeout' | 'transport', error?: unknown): void;
}

export class InviteClientTransaction {
  state: InviteClientState = 'calling';
  private readonly timers: Timers<'A' | 'B' | 'D' | 'M'>;
  private intervalA: number;
  private readonly reliable: boolean;

  constructor(
    readonly request: SipRequest,
    readonly peer: Peer,
    private readonly ctx: TransactionContext,
    private readonly events: InviteClientEvents,
  ) {
    this.timers = new Timers(ctx.clock);
    this.reliable = isReliable(peer);
    this.intervalA = timerDuration('A', this.reliable, ctx.timers);
  }

  /** Sends the INVITE and starts timers A (UDP only) and B. */
  start(): void {
    if (!this.transmit(this.request)) return;
    if (!this.reliable) this.timers.start('A', this.intervalA, () => this.input({ kind: 'timer', name: 'A' }));
    this.timers.start('B', timerDuration('B', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'B' }));
  }

  receive(response: SipResponse): void {
    this.input({ kind: 'response', response });
  }

  /**
   * Gives up on a pending INVITE (RFC 3261 §9.1: no final response came within 64*T1 of its CANCEL): the
   * transaction ends without telling the TU, which decided this itself.
   */
  abandon(): void {
    this.terminate();
  }

  private input(input: Input): void {
    switch (this.state) {
      case 'calling':
        return this.calling(input);
      case 'proceeding':
        return this.proceeding(input);
      case 'completed':
        return this.completed(input);
      case 'accepted':
        return this.accepted(input);
      case 'terminated':
        return;
      default:
        assertNever(this.state);
    }
  }

  private calling(input: Input): void {
    switch (input.kind) {
      case 'response':
        return this.onResponse(input.response);
      case 'timer':
        if (input.name === 'A') {
          // Timer A doubles each time; timer B bounds the whole attempt.
          this.intervalA *= 2;
          if (this.transmit(this.request)) this.timers.start('A', this.intervalA, () => this.input({ kind: 'timer', name: 'A' }));
        } else if (input.name === 'B') {
          this.terminate();
          this.events.failed('timeout');
        }
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
        // A retransmitted failure: the ACK was lost, send it again; the TU heard it already.
        if (input.response.status >= 300) this.transmit(buildAckForFailure(this.request, input.response));
        return;
      case 'timer':
        if (input.name === 'D') this.terminate();
        return;
      case 'transportError':
        return this.transportFailed(input.error);
      default:
        assertNever(input);
    }
  }

  private accepted(input: Input): void {
    switch (input.kind) {
      case 'response':
        // RFC 6026: further 2xx (retransmissions or other forks) go to the TU, which ACKs them itself.
        if (input.response.status >= 200 && input.response.status < 300) this.events.response(input.response);
        return;
      case 'timer':
        if (input.name === 'M') this.terminate();
        return;
      case 'transportError':
        return;
      default:
        assertNever(input);
    }
  }

  /** The response handling Calling and Proceeding share. */
  private onResponse(response: SipResponse): void {
    const status = response.status;
    this.timers.stop('A');
    if (status < 200) {
      this.timers.stop('B');
      this.state = 'proceeding';
      this.events.response(response);
    } else if (status < 300) {
      this.timers.stop('B');
      this.state = 'accepted';
      this.timers.start('M', timerDuration('M', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'M' }));
      this.events.response(response);
    } else {
      this.timers.stop('B');
      this.state = 'completed';
      this.transmit(buildAckForFailure(this.request, response));
      this.timers.start('D', timerDuration('D', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'D' }));
      this.events.response(response);
    }
  }

  private transmit(msg: SipRequest): boolean {
    try {
      this.ctx.send(msg, this.peer);
      return true;
    } catch (error) {
      this.input({ kind: 'transportError', error });
      return false;
    }
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
