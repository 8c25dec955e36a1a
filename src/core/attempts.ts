// The attempt state machine: an effort to bring a destination into a call, from its ringing candidates to answered, failed or cancelled.

import { causeToCode, codeToCause, describeCause } from './causes.js';
import type { Clock } from './clock.js';
import type { Target } from './dialplan.js';
import { CoreError, ErrorCodes, type ErrorCode } from './errors.js';
import type { Attempt, AttemptKind, AttemptState, Call, DeviceRecord, DnRecord, DnRef, Leg, Outcome, PreparedOffer } from './model.js';
import { dnIdentity, ref, type Offers } from './offers.js';
import { transition } from './participant-state.js';
import type { Runner } from './runner.js';
import type { Topology } from './topology.js';
import type { ParticipantView, RemovalCause } from './types.js';
import { participantView } from './views.js';

/**
 * What can happen to an attempt.
 * - `answer`: candidate `leg` picked up.
 * - `candidate-left`: candidate `leg` stopped ringing (refused, hung up, dropped, unregistered, diverted away).
 * - `ring-timeout`: the attempt's ring timer ran out.
 * - `party-left` / `replaced-left`: the participant it brings someone to, or would replace, left (`view`: as last seen).
 * - `diverted`: the candidates of DN `from.dn` are replaced by the `prepared` destination, ringing `ringMs` anew.
 * - `completed`: a later attempt replaced candidate `by`: this attempt's purpose is fulfilled by it.
 * - `connected-elsewhere`: its party was connected to someone by another attempt.
 * - `cancel`: the route was called off (a queue giving up on its agents).
 * - `reset`: the PBX ends the call.
 */
export type AttemptInput =
  | { kind: 'answer'; leg: Leg }
  | { kind: 'candidate-left'; leg: Leg; cause: RemovalCause }
  | { kind: 'ring-timeout' }
  | { kind: 'party-left'; leg: Leg; view: ParticipantView }
  | { kind: 'replaced-left'; leg: Leg; view: ParticipantView }
  | { kind: 'diverted'; from: Leg; prepared: PreparedOffer; ringMs: number | null }
  | { kind: 'completed'; by: Leg }
  | { kind: 'connected-elsewhere' }
  | { kind: 'cancel' }
  | { kind: 'reset' };

/** Marks the new candidates carry: who referred the call to them, or on whose behalf they ring. */
export interface CandidateMarks {
  referredBy?: DnRef;
  onBehalfOf?: DnRef;
}

function failure(code: ErrorCode, message: string, participant: ParticipantView | undefined): Outcome {
  return { ok: false, code, message, participant };
}

/** Settled attempts take no more input: a late timer, answer or departure is ignored. */
export function isSettled(attempt: Attempt): boolean {
  return attempt.state !== 'ringing' && attempt.state !== 'orphaned';
}

/** Creates attempts, rings their candidates, and moves each through its states as inputs arrive. */
export class AttemptMachine {
  constructor(
    private readonly clock: Clock,
    private readonly runner: Runner,
    private readonly topology: Topology,
    private readonly offers: Offers,
  ) {}

  /** Feeds one input to the attempt: the only way an attempt changes state. */
  input(attempt: Attempt, input: AttemptInput): void {
    const state: AttemptState = attempt.state;
    switch (state) {
      case 'ringing':
        return this.ringing(attempt, input);
      case 'orphaned':
        return this.orphaned(attempt, input);
      case 'answered':
      case 'failed':
      case 'cancelled':
        return;
      default: {
        const unreachable: never = state;
        throw new Error(`unknown attempt state ${String(unreachable)}`);
      }
    }
  }

  /** A ringing candidate was picked up (Pbx.answer, the endpoint's control). Throws InvalidState if none is offered. */
  answer(leg: Leg): void {
    const attempt = leg.attempt;
    if (!attempt || isSettled(attempt)) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${leg.id} is not being offered a call`);
    this.input(attempt, { kind: 'answer', leg });
  }

  private ringing(attempt: Attempt, input: AttemptInput): void {
    switch (input.kind) {
      case 'answer':
        if (attempt.kind === 'origin') this.pickedUp(attempt, input.leg);
        else this.succeed(attempt, input.leg);
        return;
      case 'candidate-left':
        return this.candidateLeft(attempt, input.leg, input.cause);
      case 'ring-timeout':
        return this.fail(attempt, ErrorCodes.NO_ANSWER, 'the destination did not answer in time', 'no-answer');
      case 'replaced-left':
        // The transferring participant may leave: the held party waits for the destination (a blind transfer).
        if (attempt.kind === 'transfer') {
          attempt.state = 'orphaned';
          return;
        }
        return this.settle(attempt, 'cancelled', failure(ErrorCodes.PARTICIPANT_LEFT, `participant ${input.leg.id} left before the destination answered`, input.view), 'cancelled');
      case 'party-left':
        return this.settle(attempt, 'cancelled', failure(ErrorCodes.PARTICIPANT_LEFT, `participant ${input.leg.id} left before the destination answered`, input.view), 'cancelled');
      case 'diverted':
        return this.diverted(attempt, input.from, input.prepared, input.ringMs);
      case 'completed':
        return this.settle(attempt, 'answered', { ok: true, participant: participantView(attempt.replaced ?? input.by) }, 'answered-elsewhere', input.by);
      case 'connected-elsewhere': {
        const party = attempt.party;
        const message = `participant ${party?.id ?? 0} was connected elsewhere`;
        return this.settle(attempt, 'cancelled', failure(ErrorCodes.PARTICIPANT_LEFT, message, party && participantView(party)), 'answered-elsewhere');
      }
      case 'cancel':
        return this.settle(attempt, 'cancelled', failure(ErrorCodes.PARTICIPANT_LEFT, 'route cancelled', attempt.replaced && participantView(attempt.replaced)), 'cancelled');
      case 'reset':
        return this.settle(attempt, 'cancelled', failure(ErrorCodes.PARTICIPANT_LEFT, 'the PBX was reset', undefined), 'reset');
      default: {
        const unreachable: never = input;
        throw new Error(`unknown attempt input ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** A transfer whose transferring participant left: it rings on as before; only its failure differs (see fail). */
  private orphaned(attempt: Attempt, input: AttemptInput): void {
    switch (input.kind) {
      case 'replaced-left':
        return; // it has left already
      case 'answer':
      case 'candidate-left':
      case 'ring-timeout':
      case 'party-left':
      case 'diverted':
      case 'completed':
      case 'connected-elsewhere':
      case 'cancel':
      case 'reset':
        return this.ringing(attempt, input);
      default: {
        const unreachable: never = input;
        throw new Error(`unknown attempt input ${JSON.stringify(unreachable)}`);
      }
    }
  }

  // ---------------------------------------------------------------- starting attempts

  create(kind: AttemptKind, call: Call, party: Leg | undefined, replaced: Leg | undefined): Attempt {
    const attempt: Attempt = {
      kind,
      state: 'ringing',
      call,
      party,
      replaced,
      legs: new Set(),
      timer: undefined,
      dialTarget: undefined,
      dialRingMs: null,
      outcome: undefined,
      settledCallbacks: [],
    };
    party?.attemptsAsParty.add(attempt);
    replaced?.attemptsReplacing.add(attempt);
    return attempt;
  }

  /** Starts an attempt of `kind` with the prepared destination ringing. */
  place(kind: AttemptKind, call: Call, prepared: PreparedOffer, party: Leg | undefined, replaced: Leg | undefined, ringMs: number | null, marks: CandidateMarks): Attempt {
    const attempt = this.create(kind, call, party, replaced);
    this.addCandidates(attempt, prepared, marks);
    this.startTimer(attempt, ringMs);
    return attempt;
  }

  /**
   * makecall from devices rung first (no direct control, or a DN with several devices): an `origin` attempt whose
   * candidate that is picked up dials `target`. Throws the most telling refusal when no device admits the call.
   */
  ringOrigin(dn: DnRecord, devices: DeviceRecord[], target: Target, ringMs: number | null, attachedData: Record<string, string>): Attempt {
    const targetIdentity = this.offers.targetIdentity(target);
    const entries = devices.map((device) => ({ dn, device, endpoint: this.offers.endpointForDevice(dn.number, device.id) }));
    const admitted = this.offers.admitAll(entries, { dn: dn.number, calledNumber: dn.number, callerNumber: targetIdentity.callerId, callerName: targetIdentity.name });
    const call = this.topology.newCall('', ref(dn));
    const attempt = this.create('origin', call, undefined, undefined);
    attempt.dialTarget = target;
    attempt.dialRingMs = ringMs;
    for (const entry of admitted) {
      const leg = this.topology.createLeg(call, dn, entry.device, entry.endpoint, 'Ringing', dnIdentity(dn), targetIdentity);
      leg.attachedData = { ...attachedData };
      leg.attempt = attempt;
      attempt.legs.add(leg);
      this.topology.emitUpsert(leg);
      this.runner.defer(leg, (endpoint, control) => endpoint.offered?.(control));
    }
    this.startTimer(attempt, this.offers.ringTimeoutMs(undefined));
    return attempt;
  }

  /** Rings the prepared destination's devices as candidates of the attempt, offered by its party. */
  addCandidates(attempt: Attempt, prepared: PreparedOffer, marks: CandidateMarks): void {
    const party = attempt.party;
    if (!party) throw new Error('only attempts with a party offer a destination');
    for (const entry of prepared.entries) {
      const self = prepared.target.kind === 'external' ? prepared.identity : dnIdentity(entry.dn);
      const leg = this.topology.createLeg(attempt.call, entry.dn, entry.device, entry.endpoint, 'Ringing', self, party.self);
      leg.peer = party;
      leg.attempt = attempt;
      if (marks.referredBy) leg.referredBy = marks.referredBy;
      if (marks.onBehalfOf) leg.onBehalfOf = marks.onBehalfOf;
      attempt.legs.add(leg);
      this.topology.emitUpsert(leg);
      this.runner.defer(leg, (endpoint, control) => endpoint.offered?.(control));
    }
  }

  /** (Re)starts the ring timer: when it runs out, the attempt takes `ring-timeout`. Null: no timer. */
  startTimer(attempt: Attempt, ringMs: number | null): void {
    this.clock.clearTimeout(attempt.timer);
    attempt.timer = undefined;
    if (ringMs === null) return;
    attempt.timer = this.clock.setTimeout(() => {
      attempt.timer = undefined;
      this.runner.run(() => this.input(attempt, { kind: 'ring-timeout' }));
    }, ringMs);
  }

  /**
   * A Dialing participant calls `target`. The call has started, so a destination that refuses (busy, rejected,
   * unreachable, not registered) ends the participant with that cause instead of failing the command: `later`
   * removes it once the running command has finished (makecall answers with the participant first, as 3CX does
   * when a trunk's busy answer comes after the INVITE left), `now` removes it within the command.
   */
  dialOut(origin: Leg, target: Target, ringMs: number | null, when: 'now' | 'later'): void {
    let prepared: PreparedOffer;
    try {
      prepared = this.offers.prepareOffer(target, origin.self);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      const cause = codeToCause(error.code);
      if (when === 'now') this.topology.removeLeg(origin, cause);
      else this.runner.later(() => this.runner.run(() => this.topology.removeLeg(origin, cause)));
      return;
    }
    origin.party = prepared.identity;
    this.topology.emitUpsert(origin);
    this.place('call', origin.call, prepared, origin, undefined, ringMs, {});
  }

  // ---------------------------------------------------------------- transitions

  /** A device rung to place a call was picked up: it now dials the destination. */
  private pickedUp(attempt: Attempt, leg: Leg): void {
    leg.status = transition(leg.status, 'origin-picked-up');
    leg.earlyMedia = false;
    this.settle(attempt, 'answered', { ok: true, participant: participantView(leg) }, 'answered-elsewhere', leg);
    leg.attempt = undefined;
    const target = attempt.dialTarget;
    if (target) this.dialOut(leg, target, attempt.dialRingMs, 'now');
  }

  private succeed(attempt: Attempt, answered: Leg): void {
    const party = attempt.party;
    const replaced = attempt.replaced;
    // Settle first: the removals below must not read as this attempt failing.
    this.settle(attempt, 'answered', { ok: true, participant: undefined }, 'answered-elsewhere', answered);
    answered.attempt = undefined;
    answered.earlyMedia = false;
    answered.status = transition(answered.status, 'answer');
    this.topology.emitUpsert(answered);
    if (party && !party.removed) {
      answered.peer = party;
      party.peer = answered;
      party.party = answered.self;
      this.topology.setHeld(party, false, false);
      if (party.status === 'Dialing') party.status = transition(party.status, 'far-answer');
      this.topology.emitUpsert(party);
    }
    // The replaced participant may itself be a ringing candidate of an earlier attempt (a routeto of a ringing
    // route point, or of an agent a queue is ringing): that attempt is completed by this one, not failed, and what
    // it would have replaced is replaced too, along the whole chain.
    for (let current = replaced; current && !current.removed; ) {
      const earlier = current.attempt;
      if (earlier) this.input(earlier, { kind: 'completed', by: current });
      this.topology.removeLeg(current, 'replaced');
      current = earlier?.replaced;
    }
    // The party now talks to `answered`: nothing else may still be offering it elsewhere.
    if (party) for (const other of [...party.attemptsAsParty]) this.input(other, { kind: 'connected-elsewhere' });
    this.runner.defer(answered, (endpoint, control) => endpoint.connected?.(control));
    if (party && !party.removed && party.status === 'Connected') this.runner.defer(party, (endpoint, control) => endpoint.connected?.(control));
    const finalView = participantView(answered);
    attempt.outcome = { ok: true, participant: replaced ? (replaced.lastView ?? finalView) : finalView };
  }

  private candidateLeft(attempt: Attempt, leg: Leg, cause: RemovalCause): void {
    attempt.legs.delete(leg);
    if (attempt.legs.size === 0) this.fail(attempt, causeToCode(cause), `the destination ${describeCause(cause)}`, 'cancelled');
    if (leg.earlyMedia && attempt.party) this.topology.emitUpsert(attempt.party); // the party no longer hears its early media
  }

  /** The candidates of the diverting DN make way for the new destination, which rings for a fresh ring timeout. */
  private diverted(attempt: Attempt, from: Leg, prepared: PreparedOffer, ringMs: number | null): void {
    const old = [...attempt.legs].filter((candidate) => candidate.dn === from.dn);
    this.clock.clearTimeout(attempt.timer);
    this.addCandidates(attempt, prepared, { referredBy: ref(from.dn) });
    for (const candidate of old) this.topology.removeLeg(candidate, 'diverted');
    const caller = attempt.party;
    if (caller && attempt.kind === 'call') {
      caller.party = prepared.identity;
      this.topology.emitUpsert(caller);
    }
    this.startTimer(attempt, ringMs);
  }

  /**
   * Settles the attempt in `state`, stops its timer and removes its remaining ringing legs (except `keep`).
   * Callbacks run after the current command.
   */
  private settle(attempt: Attempt, state: AttemptState, outcome: Outcome, legCause: RemovalCause, keep?: Leg): void {
    if (isSettled(attempt)) return;
    attempt.state = state;
    attempt.outcome = outcome;
    attempt.party?.attemptsAsParty.delete(attempt);
    attempt.replaced?.attemptsReplacing.delete(attempt);
    this.clock.clearTimeout(attempt.timer);
    attempt.timer = undefined;
    const hadEarlyMedia = [...attempt.legs].some((leg) => leg.earlyMedia);
    for (const leg of [...attempt.legs]) {
      if (leg === keep) continue;
      leg.attempt = undefined;
      this.topology.removeLeg(leg, legCause);
    }
    attempt.legs.clear();
    // The party no longer hears the early media. With `keep` the caller connects the party itself next.
    if (hadEarlyMedia && !keep && attempt.party) this.topology.emitUpsert(attempt.party);
    const callbacks = attempt.settledCallbacks.splice(0);
    this.runner.later(() => {
      for (const callback of callbacks) callback(attempt.outcome ?? outcome);
    });
  }

  /** Nobody answered or every candidate refused: settles as failed, then what the attempt's kind requires. */
  private fail(attempt: Attempt, code: ErrorCode, message: string, legCause: RemovalCause): void {
    const orphaned = attempt.state === 'orphaned';
    const subject = attempt.replaced ?? attempt.party;
    this.settle(attempt, 'failed', failure(code, message, subject ? (subject.removed ? subject.lastView : participantView(subject)) : undefined), legCause);
    const party = attempt.party;
    switch (attempt.kind) {
      case 'origin':
      case 'routeto':
        return;
      case 'call':
        if (party && !party.removed) this.topology.removeLeg(party, codeToCause(code));
        return;
      case 'transfer': {
        if (!party || party.removed) return;
        this.topology.setHeld(party, false);
        const transferrer = attempt.replaced;
        if (transferrer && !transferrer.removed && !orphaned) return;
        if (transferrer) this.recall(party, transferrer);
        else this.topology.removeLeg(party, codeToCause(code));
        return;
      }
      default: {
        const unreachable: never = attempt.kind;
        throw new Error(`unknown attempt kind ${String(unreachable)}`);
      }
    }
  }

  /** A transfer failed after the transferring participant left: ring its device back with the held party. */
  private recall(party: Leg, transferrer: Leg): void {
    const dn = transferrer.dn;
    try {
      if (!dn.devices.has(transferrer.deviceId)) throw new CoreError(ErrorCodes.DESTINATION_NOT_REGISTERED, 'the transferring device is gone');
      const target: Target = { kind: 'dn', dn, deviceId: transferrer.deviceId };
      const prepared = this.offers.prepareOffer(target, party.self);
      this.place('call', party.call, prepared, party, undefined, this.offers.ringTimeoutMs(undefined, target), {});
      party.party = prepared.identity;
      this.topology.emitUpsert(party);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      this.topology.removeLeg(party, codeToCause(error.code));
    }
  }
}
