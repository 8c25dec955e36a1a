// The leg topology: calls and their legs, who talks to whom, and the removal cascade when a leg leaves.

import type { AttemptInput } from './attempts.js';
import type { Endpoint, LegControl } from './endpoint.js';
import type { LegIds } from './leg-control.js';
import { CoreError, ErrorCodes } from './errors.js';
import type { Attempt, Call, DeviceRecord, DnRecord, DnRef, Identity, Leg } from './model.js';
import type { Runner } from './runner.js';
import { TYPE_NONE, type ParticipantStatus, type RemovalCause } from './types.js';
import { linkIfChanged, participantLink, participantView, upsertIfChanged } from './views.js';

const NO_DN: DnRef = { dn: '', type: TYPE_NONE };

/** Where a leaving leg's attempts learn of it: the attempt state machine. */
export interface AttemptInputs {
  input(attempt: Attempt, input: AttemptInput): void;
}

/** Every live call and leg, indexed for the reads and the cascades that need them. */
export class Topology {
  readonly legs = new Map<number, Leg>();
  /** The legs of each DN, so per-DN reads cost what that DN holds, not what the PBX holds. */
  readonly legsByDn = new Map<DnRecord, Set<Leg>>();
  readonly calls = new Map<number, Call>();
  private nextParticipantId = 1;
  private nextCallId = 1;
  private attempts: AttemptInputs | undefined;
  private controlOf: ((ids: LegIds, legOf: () => Leg) => LegControl) | undefined;

  constructor(private readonly runner: Runner) {}

  /** Connects the attempt machine (told when a leg leaves) and the maker of each leg's control. */
  bind(attempts: AttemptInputs, controlOf: (ids: LegIds, legOf: () => Leg) => LegControl): void {
    this.attempts = attempts;
    this.controlOf = controlOf;
  }

  legsOf(dn: DnRecord): Leg[] {
    const legs = this.legsByDn.get(dn);
    return legs ? [...legs] : [];
  }

  /** Throws ParticipantNotFound (also when the id belongs to another DN). */
  requireLeg(dn: DnRecord, id: number): Leg {
    const leg = this.legs.get(id);
    if (!leg || leg.dn !== dn) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `DN ${dn.number} has no participant ${id}`);
    return leg;
  }

  /** Throws ParticipantNotFound. */
  requireLegAnywhere(id: number): Leg {
    const leg = this.legs.get(id);
    if (!leg) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `participant ${id} does not exist`);
    return leg;
  }

  /** The party a participant's actions concern: its peer, or for a ringing destination the caller. */
  partyOf(leg: Leg): Leg | undefined {
    const party = leg.status === 'Ringing' ? (leg.attempt?.party ?? undefined) : leg.peer;
    return party && !party.removed ? party : undefined;
  }

  /** Refuses to re-route a participant that is transferring its party, or is the party held by a transfer (InvalidState). */
  assertNoTransfer(leg: Leg): void {
    const transfer = [...leg.attemptsReplacing, ...leg.attemptsAsParty].find((a) => a.kind === 'transfer');
    if (!transfer) return;
    const role = transfer.replaced === leg ? 'is transferring its call' : 'is held while its call is being transferred';
    throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${leg.id} ${role}; wait for the transfer to finish`);
  }

  newCall(did: string, originator: DnRef): Call {
    const call: Call = { id: this.nextCallId++, legs: new Set(), nextLegId: 1, did, originator };
    this.calls.set(call.id, call);
    return call;
  }

  createLeg(call: Call, dn: DnRecord, device: DeviceRecord, endpoint: Endpoint, status: ParticipantStatus, self: Identity, party: Identity): Leg {
    if (!this.controlOf) throw new Error('Topology.bind() must be called before legs are created');
    const id = this.nextParticipantId++;
    const isOrigin = call.legs.size === 0;
    const leg: Leg = {
      id,
      call,
      legId: call.nextLegId++,
      dn,
      deviceId: device.id,
      directControl: device.directControl,
      status,
      self,
      party,
      peer: undefined,
      held: false,
      earlyMedia: false,
      attachedData: {},
      originatedBy: isOrigin ? NO_DN : call.originator,
      referredBy: NO_DN,
      onBehalfOf: NO_DN,
      attempt: undefined,
      attemptsAsParty: new Set(),
      attemptsReplacing: new Set(),
      endpoint,
      control: this.controlOf({ participantId: id, dn: dn.number, deviceId: device.id }, () => leg),
      removed: false,
      lastView: undefined,
      lastLink: undefined,
    };
    call.legs.add(leg);
    this.legs.set(id, leg);
    let ofDn = this.legsByDn.get(dn);
    if (!ofDn) {
      ofDn = new Set();
      this.legsByDn.set(dn, ofDn);
    }
    ofDn.add(leg);
    return leg;
  }

  /**
   * Sends an Upsert when what a client sees of the leg changed since the last one; otherwise a link event when only
   * its hold state, audio or peer changed, so listeners (the media engine) learn the topology from events alone.
   */
  emitUpsert(leg: Leg): void {
    if (leg.removed) return;
    const view = upsertIfChanged(leg);
    const link = linkIfChanged(leg);
    if (view) this.runner.emit({ type: 'participant-upserted', participant: view, link: leg.lastLink ?? participantLink(leg) });
    else if (link) this.runner.emit({ type: 'participant-link', dn: leg.dn.number, participantId: leg.id, callId: leg.call.id, link });
  }

  /**
   * Puts a leg on hold or takes it off and tells its endpoint. Announced at once unless `announce` is false: the
   * caller changes more of the leg and announces it all in one event.
   */
  setHeld(leg: Leg, held: boolean, announce = true): void {
    if (leg.held === held) return;
    leg.held = held;
    if (announce) this.emitUpsert(leg);
    this.runner.defer(leg, (endpoint, control) => endpoint.held?.(control, held));
  }

  /** Settles every attempt of the call, then removes its participants (cause `reset`). */
  endCall(call: Call): void {
    const attempts = new Set<Attempt>();
    for (const leg of call.legs) {
      if (leg.attempt) attempts.add(leg.attempt);
      for (const attempt of leg.attemptsAsParty) attempts.add(attempt);
      for (const attempt of leg.attemptsReplacing) attempts.add(attempt);
    }
    for (const attempt of attempts) this.attemptInput(attempt, { kind: 'reset' });
    for (const leg of [...call.legs]) this.removeLeg(leg, 'reset');
  }

  /** Removes a leg and everything that cannot go on without it. */
  removeLeg(leg: Leg, cause: RemovalCause): void {
    if (leg.removed) return;
    const finalView = participantView(leg);
    const finalLink = participantLink(leg);
    leg.removed = true;
    leg.lastView = finalView;
    this.legs.delete(leg.id);
    this.legsByDn.get(leg.dn)?.delete(leg);
    leg.call.legs.delete(leg);
    this.runner.emit({ type: 'participant-removed', participant: finalView, cause, link: finalLink });
    this.runner.defer(leg, (endpoint, control) => endpoint.removed?.(control, cause));

    // 1. It was ringing in an attempt: the attempt decides (it fails when no candidate is left).
    const own = leg.attempt;
    leg.attempt = undefined;
    if (own) this.attemptInput(own, { kind: 'candidate-left', leg, cause });
    // 2. Attempts it was waiting on, or that would replace it.
    for (const attempt of [...leg.attemptsAsParty, ...leg.attemptsReplacing]) {
      this.attemptInput(attempt, { kind: attempt.replaced === leg ? 'replaced-left' : 'party-left', leg, view: finalView });
    }
    // 3. Whoever was talking to it: the call is over for them, unless a transfer is still bringing them someone.
    for (const other of [...leg.call.legs]) {
      if (other.peer !== leg) continue;
      other.peer = undefined;
      if (other.attempt || other.attemptsAsParty.size > 0) {
        // A ringing candidate (its attempt decides), or an attempt is still bringing it someone: it stays, alone.
        this.emitUpsert(other);
        continue;
      }
      this.removeLeg(other, 'peer-left');
    }
    if (leg.call.legs.size === 0) this.calls.delete(leg.call.id);
  }

  private attemptInput(attempt: Attempt, input: AttemptInput): void {
    if (!this.attempts) throw new Error('Topology.bind() must be called before legs are removed');
    this.attempts.input(attempt, input);
  }
}
