// The control an endpoint holds for its leg: late verdicts (answer, reject), progress, hold, keys, hanging up.

import { MAX_DTMF_DIGITS } from '../limits.js';
import type { AttemptMachine } from './attempts.js';
import type { LegControl, ProgressKind, RejectCause } from './endpoint.js';
import { CoreError, ErrorCodes } from './errors.js';
import type { Leg } from './model.js';
import type { Runner } from './runner.js';
import type { Topology } from './topology.js';
import type { ParticipantView } from './types.js';
import { participantView } from './views.js';

const DTMF_DIGITS = /^[0-9*#A-D]+$/;

/** What a control acts on. */
export interface ControlCore {
  runner: Runner;
  topology: Topology;
  attempts: AttemptMachine;
}

/** The names a control carries, fixed when its leg is created. */
export interface LegIds {
  participantId: number;
  dn: string;
  deviceId: string;
}

/**
 * The control of the leg `legOf` returns (made while the leg itself is being built). An endpoint's verdict may arrive
 * after the leg moved on: each method runs as a command of its own, and whatever no longer fits (the leg is gone, no
 * longer ringing, not in conversation) is ignored, never thrown. A class, so that a leg costs one small object rather
 * than a closure per method (calls are created and ended by the thousand).
 */
class Control implements LegControl {
  readonly participantId: number;
  readonly dn: string;
  readonly deviceId: string;

  constructor(
    ids: LegIds,
    private readonly legOf: () => Leg,
    private readonly core: ControlCore,
  ) {
    this.participantId = ids.participantId;
    this.dn = ids.dn;
    this.deviceId = ids.deviceId;
  }

  progress(kind: ProgressKind): void {
    this.guard((leg) => progress(this.core.topology, leg, kind));
  }

  answer(): void {
    this.guard((leg) => {
      if (leg.status === 'Ringing') this.core.attempts.answer(leg);
    });
  }

  reject(cause: RejectCause): void {
    this.guard((leg) => {
      if (leg.status === 'Ringing') this.core.topology.removeLeg(leg, cause);
    });
  }

  hangup(): void {
    this.guard((leg) => this.core.topology.removeLeg(leg, 'hangup'));
  }

  hold(on: boolean): void {
    this.guard((leg) => holdPeer(this.core.topology, leg, on));
  }

  dtmf(digits: string): void {
    this.guard((leg) => {
      if (!dtmfRefusal(leg, digits)) deliverDtmf(this.core.runner, leg, digits);
    });
  }

  view(): ParticipantView | undefined {
    const leg = this.legOf();
    return leg.removed ? undefined : participantView(leg);
  }

  private guard(action: (leg: Leg) => void): void {
    const leg = this.legOf();
    if (leg.removed) return;
    this.core.runner.run(() => {
      if (!leg.removed) action(leg);
    });
  }
}

/** The control of the leg `legOf` returns; see {@link Control}. */
export function legControl(ids: LegIds, legOf: () => Leg, core: ControlCore): LegControl {
  return new Control(ids, legOf, core);
}

/** Why the party on `leg` cannot send `digits` now (InvalidArgument, InvalidState), or undefined when it can. */
export function dtmfRefusal(leg: Leg, digits: string): CoreError | undefined {
  if (digits.length === 0 || digits.length > MAX_DTMF_DIGITS || !DTMF_DIGITS.test(digits)) {
    return new CoreError(ErrorCodes.INVALID_ARGUMENT, `digits must be 1-${MAX_DTMF_DIGITS} of 0-9 * # A-D, got '${digits}'`);
  }
  const peer = leg.peer;
  if (leg.status !== 'Connected' || !peer || peer.removed || peer.peer !== leg || leg.held || peer.held) {
    return new CoreError(ErrorCodes.INVALID_STATE, `participant ${leg.id} is not in conversation with anyone`);
  }
  return undefined;
}

/** Each digit reaches the participant `leg` talks to as its own DTMF event and through its endpoint's dtmf hook. */
export function deliverDtmf(runner: Runner, leg: Leg, digits: string): void {
  const peer = leg.peer;
  if (!peer) return;
  for (const digit of digits) {
    runner.emit({ type: 'dtmf', dn: peer.dn.number, participantId: peer.id, digits: digit });
    runner.defer(peer, (endpoint, control) => endpoint.dtmf?.(control, digit));
  }
}

/** A ringing leg's far end reports progress; early media is announced on the leg and on the party hearing it. */
function progress(topology: Topology, leg: Leg, kind: ProgressKind): void {
  if (kind === 'ringing' || leg.status !== 'Ringing' || leg.earlyMedia) return;
  leg.earlyMedia = true;
  topology.emitUpsert(leg);
  const party = leg.attempt?.party;
  if (party && !party.removed) topology.emitUpsert(party);
}

/**
 * A Connected leg's own side holds its peer or takes it off hold. A peer held by a pending transfer stays held on
 * `false`: the transfer holds it until it settles, and its failure (or success) takes it off hold.
 */
function holdPeer(topology: Topology, leg: Leg, on: boolean): void {
  const peer = leg.peer;
  if (leg.status !== 'Connected' || !peer || peer.removed) return;
  if (!on && [...peer.attemptsAsParty].some((attempt) => attempt.kind === 'transfer')) return;
  topology.setHeld(peer, on);
}
