// The PBX facade: every command that changes DNs, devices, calls and participants, each validated before it acts.

import { MAX_ACTIVE_CALLS } from '../limits.js';
import { validateAttachedData } from './attached-data.js';
import { AttemptMachine, isSettled } from './attempts.js';
import type { Clock } from './clock.js';
import { resolveDestination, type OutboundRule, type Target } from './dialplan.js';
import type { EndpointDirectory, RejectCause } from './endpoint.js';
import { CoreError, ErrorCodes } from './errors.js';
import { deliverDtmf, dtmfRefusal, legControl } from './leg-control.js';
import type { DnRecord, Identity, InboundCallRequest, Leg, MakeCallRequest, Operation, RouteRequest } from './model.js';
import { dnIdentity, Offers, ref } from './offers.js';
import { AttemptOperation, done } from './operations.js';
import { assertActionAllowed, parseReason } from './participant-state.js';
import { PbxRegistrations } from './registrations.js';
import { firstDevice, Registry, type PbxPlan } from './registry.js';
import { Runner } from './runner.js';
import { Topology } from './topology.js';
import { DN_TYPE_NAMES, type ParticipantView, type PbxListener } from './types.js';
import { participantView } from './views.js';

export type { DeviceRecord, DnRecord, InboundCallRequest, MakeCallRequest, Operation, Outcome, RouteRequest } from './model.js';

export interface PbxOptions {
  clock: Clock;
  config: PbxPlan;
  /** Called when an endpoint hook or event listener throws; the PBX carries on. */
  onInternalError?: (error: unknown, context: string) => void;
  /** Which trunk each external number leaves through; absent: every number through the first trunk. */
  outboundRules?: readonly OutboundRule[];
}

const EXTERNAL_NUMBER = /^\+?[0-9]{1,32}$/;

/**
 * The telephony core. Commands validate fully before changing anything, so a refused command leaves no trace.
 * Every change is announced as a {@link PbxEvent}, in order, to subscribers. Attempts to bring a destination into a
 * call live in attempts.ts, the legs and their removal in topology.ts; this class only runs commands.
 */
export class Pbx extends PbxRegistrations {
  readonly clock: Clock;
  private readonly offers: Offers;
  private readonly attempts: AttemptMachine;
  private readonly outboundRules: readonly OutboundRule[] | undefined;

  constructor(options: PbxOptions) {
    const runner = new Runner(options.onInternalError ?? ((error, context) => console.error(`switchboard: ${context}:`, error)));
    const topology = new Topology(runner);
    super(new Registry(options.config), topology, runner);
    this.clock = options.clock;
    this.outboundRules = options.outboundRules;
    this.offers = new Offers(options.config.server);
    const attempts = new AttemptMachine(options.clock, runner, topology, this.offers);
    this.attempts = attempts;
    topology.bind(attempts, (ids, legOf) => legControl(ids, legOf, { runner, topology, attempts }));
  }

  /** Connects the endpoints; must be called once before calls are placed. */
  attachEndpoints(directory: EndpointDirectory): void {
    this.offers.attach(directory);
  }

  subscribe(listener: PbxListener): () => void {
    return this.runner.subscribe(listener);
  }

  // ---------------------------------------------------------------- application commands

  /**
   * makecall. Device form (or a DN with exactly one device): the response names the originating participant,
   * Dialing when the device goes off-hook by itself (direct control, route point, IVR, queue), Ringing when the
   * device is rung first and dials once picked up. DN form with several devices: every device rings, the first to
   * pick up dials, and the operation has no participant.
   * Errors: DnNotFound, DeviceNotFound, DeviceNotRegistered, InvalidDestination, InvalidArgument,
   * DestinationBusy/Rejected/Unreachable/NotRegistered (the destination refused at once).
   */
  makeCall(request: MakeCallRequest): Operation {
    return this.runner.run(() => {
      const dn = this.registry.require(request.dn);
      if (dn.kind === 'externalline') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `calls cannot be made from external line ${dn.number}`);
      const attachedData = validateAttachedData(request.attachedData);
      const target = this.resolve(request.destination);
      const ringMs = this.offers.ringTimeoutMs(request.timeoutSeconds, target);
      if (target.kind === 'dn' && target.dn === dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `DN ${dn.number} cannot call itself`);
      this.assertCapacity();
      const devices = request.deviceId !== undefined ? [this.registry.requireOriginDevice(dn, request.deviceId)] : [...dn.devices.values()];
      if (devices.length === 0) throw new CoreError(ErrorCodes.DEVICE_NOT_REGISTERED, `DN ${dn.number} has no registered device to call from`);
      const [single] = devices;
      if (devices.length === 1 && single && (single.directControl || dn.kind !== 'extension')) {
        // The device goes off-hook by itself: the call has started, and the destination is offered now.
        const call = this.topology.newCall('', ref(dn));
        const origin = this.topology.createLeg(call, dn, single, this.offers.endpointForDevice(dn.number, single.id), 'Dialing', dnIdentity(dn), this.offers.targetIdentity(target));
        origin.attachedData = attachedData;
        this.topology.emitUpsert(origin);
        const view = participantView(origin);
        this.runner.defer(origin, (endpoint, control) => endpoint.originated?.(control));
        this.attempts.dialOut(origin, target, ringMs, 'later');
        return done(view);
      }
      // The device(s) ring first; whichever is picked up dials the destination.
      const attempt = this.attempts.ringOrigin(dn, devices, target, ringMs, attachedData);
      const [firstLeg] = attempt.legs;
      if (devices.length === 1 && firstLeg) return done(participantView(firstLeg));
      return new AttemptOperation(undefined, attempt);
    });
  }

  /** drop: the participant leaves the call. Accepted in every state. Errors: DnNotFound, ParticipantNotFound. */
  drop(dn: string, id: number): Operation {
    return this.runner.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('drop', leg.status, id);
      const view = participantView(leg);
      this.topology.removeLeg(leg, 'dropped');
      return done(view);
    });
  }

  /**
   * answer: a Ringing participant picks up. Only for participants with direct control or on a route point.
   * Errors: DnNotFound, ParticipantNotFound, InvalidState (not Ringing), NotSupported (no direct control).
   */
  answer(dn: string, id: number): Operation {
    return this.runner.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('answer', leg.status, id);
      if (!leg.directControl && leg.dn.kind !== 'routepoint') {
        throw new CoreError(ErrorCodes.NOT_SUPPORTED, `participant ${id} is on a device without direct control: only the phone's user can answer it`);
      }
      if (leg.endpoint.answerRequested && leg.dn.kind !== 'routepoint') {
        // The device answers when told to, seconds later; the leg connects through its endpoint's control.
        this.runner.defer(leg, (endpoint, control) => endpoint.answerRequested?.(control));
        return done(participantView(leg));
      }
      this.attempts.answer(leg);
      return done(leg.removed ? leg.lastView : participantView(leg));
    });
  }

  /**
   * divert: replaces a Ringing participant with a new destination. Every ringing leg of the same DN in that call
   * leaves; the outcome is known once the new destination rings.
   * Errors: InvalidState (not Ringing, or not being offered a call), InvalidReason, InvalidDestination,
   * Destination* (the new destination refused; the participant keeps ringing).
   */
  divert(dn: string, id: number, request: RouteRequest): Operation {
    return this.runner.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('divert', leg.status, id);
      parseReason(request.reason); // checked as 3CX checks it; the core does not act on the reason
      const attempt = leg.attempt;
      if (!attempt || isSettled(attempt) || attempt.kind === 'origin') {
        throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} is ringing to place a call, not being offered one: it cannot be diverted`);
      }
      const target = this.resolve(request.destination);
      if (target.kind === 'dn' && target.dn === leg.dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `participant ${id} is already ringing at DN ${dn}`);
      const prepared = this.offers.prepareOffer(target, attempt.party ? attempt.party.self : dnIdentity(leg.dn));
      const view = participantView(leg);
      const ringMs = this.offers.ringTimeoutMs(request.ringTimeoutSeconds, target);
      this.attempts.input(attempt, { kind: 'diverted', from: leg, prepared, ringMs });
      return done(view);
    });
  }

  /**
   * routeto: offers the call to an alternative destination while the participant stays (Ringing or Connected).
   * Success (the destination answers) replaces the participant; failure leaves it in place; if it leaves first
   * the route is cancelled. Errors: InvalidState, InvalidReason, InvalidDestination, Destination* (refused at once).
   */
  routeTo(dn: string, id: number, request: RouteRequest, options: { onBehalf?: boolean } = {}): Operation {
    return this.runner.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('routeto', leg.status, id);
      this.topology.assertNoTransfer(leg);
      parseReason(request.reason); // checked as 3CX checks it; the core does not act on the reason
      const party = this.topology.partyOf(leg);
      if (!party) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} has no other party to route`);
      const target = this.resolve(request.destination);
      if (target.kind === 'dn' && target.dn === leg.dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `participant ${id} is already at DN ${dn}`);
      const prepared = this.offers.prepareOffer(target, party.self);
      const ringMs = this.offers.ringTimeoutMs(request.ringTimeoutSeconds, target);
      const marks = options.onBehalf ? { onBehalfOf: ref(leg.dn) } : { referredBy: ref(leg.dn) };
      return new AttemptOperation(participantView(leg), this.attempts.place('routeto', leg.call, prepared, party, leg, ringMs, marks));
    });
  }

  /**
   * transferto: the other party is held while the destination rings. Success replaces the participant; failure
   * returns the call to it, or (if it left meanwhile) rings its device back.
   * Errors: InvalidState (not Connected, or a transfer already pending), InvalidReason, InvalidDestination, Destination*.
   */
  transferTo(dn: string, id: number, request: RouteRequest): Operation {
    return this.runner.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('transferto', leg.status, id);
      this.topology.assertNoTransfer(leg);
      parseReason(request.reason); // checked as 3CX checks it; the core does not act on the reason
      const party = leg.peer;
      if (!party || party.removed) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} has no other party to transfer`);
      const target = this.resolve(request.destination);
      if (target.kind === 'dn' && target.dn === leg.dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `participant ${id} is already at DN ${dn}`);
      const prepared = this.offers.prepareOffer(target, party.self);
      const ringMs = this.offers.ringTimeoutMs(request.ringTimeoutSeconds, target);
      const attempt = this.attempts.create('transfer', leg.call, party, leg);
      this.topology.setHeld(party, true);
      this.attempts.addCandidates(attempt, prepared, { referredBy: ref(leg.dn) });
      this.attempts.startTimer(attempt, ringMs);
      return new AttemptOperation(participantView(leg), attempt);
    });
  }

  /** attach_participant_data: merges key/values into this participant's connection data. Errors: InvalidArgument. */
  attachParticipantData(dn: string, id: number, data: unknown): Operation {
    return this.runner.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('attach_participant_data', leg.status, id);
      this.attachData(leg, validateAttachedData(data, leg.attachedData));
      return done(participantView(leg));
    });
  }

  /**
   * attach_party_data: merges key/values into the other party's connection data.
   * Errors: InvalidArgument, InvalidState (no other party yet).
   */
  attachPartyData(dn: string, id: number, data: unknown): Operation {
    return this.runner.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('attach_party_data', leg.status, id);
      const party = this.topology.partyOf(leg);
      if (!party) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} has no other party yet`);
      this.attachData(party, validateAttachedData(data, party.attachedData));
      return done(participantView(leg));
    });
  }

  // ---------------------------------------------------------------- simulated world

  /**
   * An external number calls in through a trunk, to a DID or an internal number. Returns the caller's
   * participant (on the trunk DN, Dialing). Errors: InvalidArgument, InvalidDestination, Destination*.
   */
  placeInboundCall(request: InboundCallRequest): ParticipantView {
    return this.runner.run(() => {
      const from = request.from.trim();
      if (!EXTERNAL_NUMBER.test(from)) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `caller number must be digits with an optional leading +, got '${request.from}'`);
      const to = request.to.trim();
      const did = this.registry.didRoutes.get(to);
      let trunk: DnRecord | undefined;
      if (request.trunk !== undefined) {
        trunk = this.registry.require(request.trunk);
        if (trunk.kind !== 'externalline') throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `DN ${trunk.number} is not a trunk`);
      } else {
        trunk = did?.trunk ?? this.registry.firstTrunk();
      }
      if (!trunk) throw new CoreError(ErrorCodes.DESTINATION_UNREACHABLE, 'no trunk is configured for external calls');
      const destination = this.registry.dns.get(did ? did.destination : to);
      if (!destination || destination.kind === 'externalline') {
        throw new CoreError(ErrorCodes.INVALID_DESTINATION, `'${request.to}' is neither a DID nor an internal DN`);
      }
      this.assertCapacity();
      const trunkDevice = firstDevice(trunk);
      const directory = this.offers.directoryOrThrow();
      const self: Identity = { dn: trunk.number, type: DN_TYPE_NAMES.externalline, name: request.callerName ?? directory.externalCallerName(from), callerId: from };
      const prepared = this.offers.prepareOffer({ kind: 'dn', dn: destination }, self);
      const call = this.topology.newCall(did ? to : '', { dn: trunk.number, type: DN_TYPE_NAMES.externalline });
      const origin = this.topology.createLeg(call, trunk, trunkDevice, directory.external(from), 'Dialing', self, prepared.identity);
      this.topology.emitUpsert(origin);
      this.attempts.place('call', call, prepared, origin, undefined, this.offers.ringTimeoutMs(undefined, prepared.target), {});
      return participantView(origin);
    });
  }

  /** A user dials on a phone: the device is off-hook, so the destination is offered at once. */
  dialFromDevice(dn: string, deviceId: string, destination: string): ParticipantView {
    return this.runner.run(() => {
      const record = this.registry.require(dn);
      if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `only extension phones dial; DN ${dn} is a ${record.kind}`);
      const device = this.registry.requireOriginDevice(record, deviceId);
      const target = this.resolve(destination);
      if (target.kind === 'dn' && target.dn === record) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `DN ${dn} cannot call itself`);
      this.assertCapacity();
      const identity = dnIdentity(record);
      const prepared = this.offers.prepareOffer(target, identity);
      const call = this.topology.newCall('', ref(record));
      const origin = this.topology.createLeg(call, record, device, this.offers.endpointForDevice(dn, device.id), 'Dialing', identity, prepared.identity);
      this.topology.emitUpsert(origin);
      this.attempts.place('call', call, prepared, origin, undefined, this.offers.ringTimeoutMs(undefined, target), {});
      return participantView(origin);
    });
  }

  /** The endpoint at the end of a ringing leg picks up. Errors: ParticipantNotFound, InvalidState. */
  endpointAnswer(id: number): void {
    this.runner.run(() => this.attempts.answer(this.requireRinging(id)));
  }

  /** The endpoint at the end of a ringing leg refuses it. Errors: ParticipantNotFound, InvalidState. */
  endpointReject(id: number, cause: RejectCause): void {
    this.runner.run(() => this.topology.removeLeg(this.requireRinging(id), cause));
  }

  /** The endpoint at the end of a leg hangs up. Errors: ParticipantNotFound. */
  endpointHangup(id: number): void {
    this.runner.run(() => this.topology.removeLeg(this.topology.requireLegAnywhere(id), 'hangup'));
  }

  /**
   * The party on leg `id` presses keys: each digit reaches the participant it is talking to as its own DTMF event.
   * Errors: ParticipantNotFound, InvalidArgument (not DTMF digits), InvalidState (not in conversation).
   */
  sendDtmf(id: number, digits: string): void {
    this.runner.run(() => {
      const leg = this.topology.requireLegAnywhere(id);
      const refusal = dtmfRefusal(leg, digits);
      if (refusal) throw refusal;
      deliverDtmf(this.runner, leg, digits);
    });
  }

  /** Announces that a prompt or stream finished playing on a participant (used by the media layer). */
  playbackFinished(id: number): void {
    const leg = this.topology.legs.get(id);
    if (leg) this.runner.emit({ type: 'playback-finished', dn: leg.dn.number, participantId: id });
  }

  /** Cancels every pending route of a participant (a queue giving up on its agents); the participant stays. */
  cancelRoutes(id: number): void {
    this.runner.run(() => {
      const leg = this.topology.requireLegAnywhere(id);
      for (const attempt of [...leg.attemptsReplacing].filter((a) => a.kind === 'routeto')) this.attempts.input(attempt, { kind: 'cancel' });
    });
  }

  // ---------------------------------------------------------------- ending calls

  /**
   * Ends every call, then puts devices (registrations, user agents, direct control) and route point auto-answer
   * back as configured, announcing every device that comes or goes.
   */
  reset(): void {
    this.runner.run(() => {
      this.endAllCalls();
      this.resetDevices();
    });
  }

  /** Ends every call (each participant removed with cause `reset`). */
  endAllCalls(): void {
    this.endCalls(Number.POSITIVE_INFINITY);
  }

  /**
   * Ends up to `maxCalls` calls, oldest first (their pending attempts settled, each participant removed with cause
   * `reset`), and returns how many calls are left. Each call costs what it holds: nothing scans every call.
   */
  endCalls(maxCalls: number): number {
    return this.runner.run(() => {
      let ended = 0;
      for (const call of this.topology.calls.values()) {
        if (ended >= maxCalls) break;
        this.topology.endCall(call);
        ended++;
      }
      return this.topology.calls.size;
    });
  }

  /**
   * Ends every call `sliceCalls` at a time, awaiting `pause` between slices so that requests, media frames and
   * socket writes go on while a PBX carrying thousands of calls is reset or shut down. Calls placed meanwhile are
   * ended too; after a bounded number of slices whatever is left is ended at once.
   */
  async endAllCallsInSlices(sliceCalls: number, pause: () => Promise<void>): Promise<void> {
    const slices = Math.ceil(this.topology.calls.size / sliceCalls) + 1;
    for (let slice = 0; slice < slices; slice++) {
      if (this.endCalls(sliceCalls) === 0) return;
      await pause();
    }
    this.endAllCalls();
  }

  // ---------------------------------------------------------------- checks

  private requireLeg(dn: string, id: number): Leg {
    return this.topology.requireLeg(this.registry.require(dn), id);
  }

  private requireRinging(id: number): Leg {
    const leg = this.topology.requireLegAnywhere(id);
    if (leg.status !== 'Ringing') throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} is ${leg.status}, not Ringing`);
    return leg;
  }

  private resolve(destination: string): Target {
    return resolveDestination(destination, this.registry.dns, this.outboundRules);
  }

  private assertCapacity(): void {
    if (this.topology.calls.size >= MAX_ACTIVE_CALLS) throw new CoreError(ErrorCodes.DESTINATION_UNREACHABLE, `the PBX is carrying its maximum of ${MAX_ACTIVE_CALLS} calls`);
  }

  private attachData(leg: Leg, data: Record<string, string>): void {
    leg.attachedData = data;
    this.runner.emit({ type: 'participant-data', dn: leg.dn.number, participantId: leg.id, attachedData: { ...data } });
  }
}
