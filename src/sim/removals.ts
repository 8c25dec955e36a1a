// The recent removals of the simulated PBX: which participant left and why, for GET /sim/removals and the console.

import type { Clock } from '../core/clock.js';
import type { Pbx } from '../core/pbx.js';
import type { RemovalCause } from '../core/types.js';
import { SIM_RECENT_REMOVALS } from '../limits.js';

export interface RemovalRecord {
  participantId: number;
  dn: string;
  callId: number;
  legId: number;
  deviceId: string;
  status: string;
  partyCallerId: string;
  cause: RemovalCause;
  at: string;
}

/**
 * Keeps the last SIM_RECENT_REMOVALS removals, oldest dropped. The wire's Remove frame carries no cause (3CX sends
 * none); this is where a test or a person finds out that a makecall's destination was busy or did not answer.
 */
export class RemovalLog {
  private readonly records: RemovalRecord[] = [];
  private readonly unsubscribe: () => void;

  constructor(pbx: Pbx, clock: Clock) {
    this.unsubscribe = pbx.subscribe((event) => {
      if (event.type !== 'participant-removed') return;
      const p = event.participant;
      this.records.push({
        participantId: p.id,
        dn: p.dn,
        callId: p.callId,
        legId: p.legId,
        deviceId: p.deviceId,
        status: p.status,
        partyCallerId: p.partyCallerId,
        cause: event.cause,
        at: new Date(clock.now()).toISOString(),
      });
      // Dropping in halves keeps the cost per removal constant however many calls end at once.
      if (this.records.length > SIM_RECENT_REMOVALS * 2) this.records.splice(0, this.records.length - SIM_RECENT_REMOVALS);
    });
  }

  /** The most recent removals, oldest first, at most SIM_RECENT_REMOVALS. */
  list(): RemovalRecord[] {
    return this.records.slice(-SIM_RECENT_REMOVALS);
  }

  close(): void {
    this.unsubscribe();
  }
}
