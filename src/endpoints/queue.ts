// The built-in call queue: holds callers and rings free agents (all at once or in order) until one answers or the hold time runs out.

import type { QueueConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Endpoint, LegControl, OfferInfo, RejectCause } from '../core/endpoint.js';
import type { MediaPort } from '../core/media-port.js';
import { isCoreError } from '../core/errors.js';
import type { Operation, Pbx } from '../core/pbx.js';
import { SourcePort } from '../media/source-port.js';
import { PcmSource } from '../media/source.js';

interface QueuedCaller {
  holdTimer: TimerHandle | undefined;
  retryTimer: TimerHandle | undefined;
  /** Routes to agents that are ringing now. */
  ringing: Set<Operation>;
  /** in-order: index of the next agent to try. */
  nextAgent: number;
}

/**
 * Each queued caller is a Connected participant of the queue DN; agents are rung with `routeto` on its behalf
 * (their participants carry on_behalf_of = the queue), so the first agent to answer replaces the queue's
 * participant and the others stop ringing. Agents already on a call are skipped. When no agent could be rung the
 * queue tries again after `ringSeconds`. On hold timeout the caller goes to the overflow destination, or is hung up.
 */
export class QueueEndpoint implements Endpoint {
  private readonly callers = new Map<number, QueuedCaller>();

  constructor(
    private readonly pbx: Pbx,
    private readonly clock: Clock,
    private readonly config: QueueConfig,
    /** Hold music the queued callers hear, looped (none: silence). */
    private readonly holdMusic?: Int16Array,
  ) {}

  admit(_offer: OfferInfo): RejectCause | null {
    return null;
  }

  offered(leg: LegControl): void {
    leg.answer();
  }

  connected(leg: LegControl): void {
    const caller: QueuedCaller = { holdTimer: undefined, retryTimer: undefined, ringing: new Set(), nextAgent: 0 };
    this.callers.set(leg.participantId, caller);
    caller.holdTimer = this.clock.setTimeout(() => this.overflow(leg), this.config.holdTimeoutSeconds * 1000);
    this.ringAgents(leg);
  }

  /** The caller hears the hold music from connect until an agent replaces the queue's participant. */
  media(_leg: LegControl): MediaPort | undefined {
    return this.holdMusic ? new SourcePort({ source: new PcmSource(this.holdMusic, { loop: true }) }) : undefined;
  }

  removed(leg: LegControl): void {
    const caller = this.callers.get(leg.participantId);
    if (!caller) return;
    this.clock.clearTimeout(caller.holdTimer);
    this.clock.clearTimeout(caller.retryTimer);
    this.callers.delete(leg.participantId);
  }

  private ringAgents(leg: LegControl): void {
    const caller = this.callers.get(leg.participantId);
    if (!caller) return;
    const agents = this.config.agents;
    if (this.config.strategy === 'ring-all') {
      for (const agent of agents) this.tryAgent(leg, caller, agent);
    } else {
      for (let tried = 0; tried < agents.length && caller.ringing.size === 0; tried++) {
        const agent = agents[caller.nextAgent % agents.length]!;
        caller.nextAgent = (caller.nextAgent + 1) % agents.length;
        this.tryAgent(leg, caller, agent);
      }
    }
    if (caller.ringing.size === 0) {
      caller.retryTimer = this.clock.setTimeout(() => this.ringAgents(leg), this.config.ringSeconds * 1000);
    }
  }

  private tryAgent(leg: LegControl, caller: QueuedCaller, agent: string): void {
    if (this.pbx.hasParticipants(agent)) return; // agent busy on another call
    let operation: Operation;
    try {
      operation = this.pbx.routeTo(leg.dn, leg.participantId, { destination: agent, ringTimeoutSeconds: this.config.ringSeconds }, { onBehalf: true });
    } catch (error) {
      if (!isCoreError(error)) throw error;
      return; // not registered, busy: try the others
    }
    caller.ringing.add(operation);
    operation.onSettled((outcome) => {
      caller.ringing.delete(operation);
      if (outcome.ok || !this.callers.has(leg.participantId)) return;
      if (caller.ringing.size === 0) this.ringAgents(leg);
    });
  }

  private overflow(leg: LegControl): void {
    const caller = this.callers.get(leg.participantId);
    if (!caller) return;
    caller.holdTimer = undefined;
    this.clock.clearTimeout(caller.retryTimer);
    this.callers.delete(leg.participantId); // stop ringing agents when their routes are cancelled below
    this.pbx.cancelRoutes(leg.participantId);
    const destination = this.config.overflowDestination;
    if (destination === null) {
      leg.hangup();
      return;
    }
    try {
      this.pbx.routeTo(leg.dn, leg.participantId, { destination, reason: 'NoAnswer' }).onSettled((outcome) => {
        if (!outcome.ok) leg.hangup();
      });
    } catch (error) {
      if (!isCoreError(error)) throw error;
      leg.hangup();
    }
  }
}
