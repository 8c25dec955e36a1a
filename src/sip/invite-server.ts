// The INVITE server transaction of RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §7.1: one method per state.

import { buildResponse } from './builders.js';
import type { SipRequest, SipResponse } from './message.js';
import { assertNever, isReliable, timerDuration, Timers, type Peer, type TransactionContext } from './transaction.js';

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

type Input =
  | { kind: 'request'; request: SipRequest }
  | { kind: 'ack'; request: SipRequest }
  | { kind: 'respond'; response: SipResponse }
  | { kind: 'timer'; name: 'G' | 'H' | 'I' | 'L' }
  | { kind: 'transportError'; error: unknown };

export interface InviteServerEvents {
  /** An ACK that reached the transaction in Accepted (RFC 6026): the TU's 2xx was acknowledged. */
  ack?(ack: SipRequest): void;
  /** Timer H fired: the failure response was never acknowledged. */
  ackTimeout?(): void;
  transportError?(error: unknown): void;
}

export class InviteServerTransaction {
  state: InviteServerState = 'proceeding';
  private readonly timers: Timers<'G' | 'H' | 'I' | 'L'>;
  private readonly reliable: boolean;
  private lastResponse: SipResponse | undefined;
  private intervalG: number;

  constructor(
    readonly request: SipRequest,
    readonly peer: Peer,
    private readonly ctx: TransactionContext,
    private readonly events: InviteServerEvents = {},
  ) {
    this.timers = new Timers(ctx.clock);
    this.reliable = isReliable(peer);
    this.intervalG = timerDuration('G', this.reliable, ctx.timers);
  }

  /** Answers 100 Trying at once (RFC 3261 §17.2.1: unless the TU answers within 200 ms; answering at once is always allowed). */
  start(): void {
    this.input({ kind: 'respond', response: buildResponse(this.request, 100) });
  }

  /** The TU's response. After a final response only 2xx retransmissions from the TU are sent (RFC 6026). */
  respond(response: SipResponse): void {
    this.input({ kind: 'respond', response });
  }

  /** A retransmitted INVITE or an ACK matched to this transaction. */
  receive(request: SipRequest): void {
    this.input(request.method === 'ACK' ? { kind: 'ack', request } : { kind: 'request', request });
  }

  private input(input: Input): void {
    switch (this.state) {
      case 'proceeding':
        return this.proceeding(input);
      case 'completed':
        return this.completed(input);
      case 'confirmed':
        return this.confirmed(input);
      case 'accepted':
        return this.accepted(input);
      case 'terminated':
        return;
      default:
        assertNever(this.state);
    }
  }

  private proceeding(input: Input): void {
    switch (input.kind) {
      case 'request':
        if (this.lastResponse) this.transmit(this.lastResponse);
        return;
      case 'ack':
        return;
      case 'respond': {
        const status = input.response.status;
        this.lastResponse = input.response;
        if (!this.transmit(input.response)) return;
        if (status >= 200 && status < 300) {
          this.state = 'accepted';
          this.timers.start('L', timerDuration('L', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'L' }));
        } else if (status >= 300) {
          this.state = 'completed';
          if (!this.reliable) this.startG();
          this.timers.start('H', timerDuration('H', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'H' }));
        }
        return;
      }
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
      case 'ack':
        this.state = 'confirmed';
        this.timers.stop('G');
        this.timers.stop('H');
        this.timers.start('I', timerDuration('I', this.reliable, this.ctx.timers), () => this.input({ kind: 'timer', name: 'I' }));
        return;
      case 'respond':
        return;
      case 'timer':
        if (input.name === 'G' && this.lastResponse) {
          // G doubles up to T2 while H bounds the wait for the ACK.
          this.intervalG = Math.min(this.intervalG * 2, this.ctx.timers.t2Ms);
          if (this.transmit(this.lastResponse)) this.startG();
        } else if (input.name === 'H') {
          this.terminate();
          this.events.ackTimeout?.();
        }
        return;
      case 'transportError':
        return this.transportFailed(input.error);
      default:
        assertNever(input);
    }
  }

  private confirmed(input: Input): void {
    switch (input.kind) {
      case 'request':
      case 'ack':
      case 'respond':
        // Absorbed: ACK retransmissions are what Timer I waits out.
        return;
      case 'timer':
        if (input.name === 'I') this.terminate();
        return;
      case 'transportError':
        return;
      default:
        assertNever(input);
    }
  }

  private accepted(input: Input): void {
    switch (input.kind) {
      case 'request':
        // RFC 6026 §7.1: INVITE retransmissions are absorbed; the TU retransmits its 2xx itself.
        return;
      case 'ack':
        this.events.ack?.(input.request);
        return;
      case 'respond':
        if (input.response.status >= 200 && input.response.status < 300) this.transmit(input.response);
        return;
      case 'timer':
        if (input.name === 'L') this.terminate();
        return;
      case 'transportError':
        // The TU learns of it through its own 2xx retransmissions; the transaction waits out L.
        return;
      default:
        assertNever(input);
    }
  }

  private startG(): void {
    this.timers.start('G', this.intervalG, () => this.input({ kind: 'timer', name: 'G' }));
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
