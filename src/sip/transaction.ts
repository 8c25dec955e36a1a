// What every transaction shares: where a message goes, the timer table of RFC 3261 §17 / RFC 6026, and a set of named timers on the clock.

import type { SipClock, SipTimerHandle } from './clock.js';
import { SIP_T1_MS, SIP_T2_MS, SIP_T4_MS } from './limits.js';
import type { SipMessage } from './message.js';

/** Where to send, or where a message came from. UDP is the one unreliable transport: only it retransmits. */
export interface Peer {
  transport: 'UDP' | 'TCP' | 'TLS';
  host: string;
  port: number;
}

export function isReliable(peer: Peer): boolean {
  return peer.transport !== 'UDP';
}

/** Hands a message to the transport layer; it throws (or reports through onTransportError) when it cannot. */
export type SendFn = (msg: SipMessage, peer: Peer) => void;

export interface TimerValues {
  t1Ms: number;
  t2Ms: number;
  t4Ms: number;
}

export const DEFAULT_TIMERS: TimerValues = { t1Ms: SIP_T1_MS, t2Ms: SIP_T2_MS, t4Ms: SIP_T4_MS };

export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

/**
 * Initial durations (RFC 3261 Table 4, RFC 6026 §8.4): the retransmission timers A, E and G start at T1 and
 * only run over UDP; the wait timers D, I, J and K are zero over reliable transports.
 */
export function timerDuration(name: TimerName, reliable: boolean, t: TimerValues): number {
  switch (name) {
    case 'A':
    case 'E':
    case 'G':
      return t.t1Ms;
    case 'B':
    case 'F':
    case 'H':
    case 'L':
    case 'M':
      return 64 * t.t1Ms;
    case 'D':
      return reliable ? 0 : Math.max(32_000, 64 * t.t1Ms);
    case 'I':
    case 'K':
      return reliable ? 0 : t.t4Ms;
    case 'J':
      return reliable ? 0 : 64 * t.t1Ms;
  }
}

/** Named one-shot timers on the injected clock; starting a running name restarts it. */
export class Timers<N extends string> {
  private readonly handles = new Map<N, SipTimerHandle>();

  constructor(private readonly clock: SipClock) {}

  start(name: N, delayMs: number, fire: () => void): void {
    this.stop(name);
    this.handles.set(name, this.clock.setTimeout(() => {
      this.handles.delete(name);
      fire();
    }, delayMs));
  }

  stop(name: N): void {
    const handle = this.handles.get(name);
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this.handles.delete(name);
  }

  stopAll(): void {
    for (const name of [...this.handles.keys()]) this.stop(name);
  }

  running(name: N): boolean {
    return this.handles.has(name);
  }
}

/** What a transaction needs from the layer that owns it. */
export interface TransactionContext {
  clock: SipClock;
  send: SendFn;
  timers: TimerValues;
  /** Called once when the transaction reaches Terminated, so the layer can drop it from its table. */
  terminated: () => void;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected input ${JSON.stringify(value)}`);
}
