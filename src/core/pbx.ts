// The PBX: DNs, devices, calls and participants, and every command that changes them.

import { MAX_ACTIVE_CALLS, MAX_DTMF_DIGITS, MAX_TIMEOUT_SECONDS } from '../limits.js';
import { validateAttachedData } from './attached-data.js';
import { causeToCode, codeToCause, describeCause, describeRefusal, REJECT_PRIORITY } from './causes.js';
import type { Clock } from './clock.js';
import { resolveDestination, type OutboundRule, type Target } from './dialplan.js';
import type { Endpoint, EndpointDirectory, LegControl, OfferInfo, ProgressKind, RejectCause } from './endpoint.js';
import type { MediaPort } from './media-port.js';
import { CoreError, ErrorCodes, type ErrorCode } from './errors.js';
import type { Attempt, AttemptKind, Call, DeviceRecord, DnRecord, DnRef, Identity, InboundCallRequest, Leg, MakeCallRequest, Operation, Outcome, PreparedOffer, RouteRequest } from './model.js';
import { deviceView, dnView, linkIfChanged, participantDetail, participantLink, participantView, upsertIfChanged } from './views.js';
import { Registry, type DeviceBinding, type PbxPlan } from './registry.js';
import { assertActionAllowed, transition, type ParticipantInput } from './participant-state.js';
import {
  DN_TYPE_NAMES,
  REASONS,
  TYPE_NONE,
  type CallView,
  type DeviceView,
  type DnKind,
  type DnView,
  type ParticipantDetail,
  type ParticipantLink,
  type ParticipantStatus,
  type ParticipantView,
  type PbxEvent,
  type PbxListener,
  type Reason,
  type RemovalCause,
} from './types.js';

export type { DeviceRecord, DnRecord, InboundCallRequest, MakeCallRequest, Operation, Outcome, RouteRequest } from './model.js';

const NO_DN: DnRef = { dn: '', type: TYPE_NONE };

export interface PbxOptions {
  clock: Clock;
  config: PbxPlan;
  /** Called when an endpoint hook or event listener throws; the PBX carries on. */
  onInternalError?: (error: unknown, context: string) => void;
  /** Which trunk each external number leaves through; absent: every number through the first trunk. */
  outboundRules?: readonly OutboundRule[];
}

const EXTERNAL_NUMBER = /^\+?[0-9]{1,32}$/;
const DTMF_DIGITS = /^[0-9*#A-D]+$/;

function failure(code: ErrorCode, message: string, participant: ParticipantView | undefined): Outcome {
  return { ok: false, code, message, participant };
}

class SettledOperation implements Operation {
  constructor(
    readonly participant: ParticipantView | undefined,
    readonly outcome: Outcome,
  ) {}
  onSettled(callback: (outcome: Outcome) => void): void {
    callback(this.outcome);
  }
  settled(): Promise<Outcome> {
    return Promise.resolve(this.outcome);
  }
}

class AttemptOperation implements Operation {
  constructor(
    readonly participant: ParticipantView | undefined,
    private readonly attempt: Attempt,
  ) {}
  get outcome(): Outcome | undefined {
    return this.attempt.outcome;
  }
  onSettled(callback: (outcome: Outcome) => void): void {
    if (this.attempt.outcome) callback(this.attempt.outcome);
    else this.attempt.settledCallbacks.push(callback);
  }
  settled(): Promise<Outcome> {
    return new Promise((resolve) => this.onSettled(resolve));
  }
}

/**
 * The telephony core. Commands validate fully before changing anything, so a refused command leaves no trace.
 * Every change is announced as a {@link PbxEvent}, in order, to subscribers.
 */
export class Pbx {
  readonly clock: Clock;
  private readonly config: PbxPlan;
  private readonly registry: Registry;
  private readonly legs = new Map<number, Leg>();
  /** The legs of each DN, so per-DN reads cost what that DN holds, not what the PBX holds. */
  private readonly legsByDn = new Map<DnRecord, Set<Leg>>();
  private readonly calls = new Map<number, Call>();
  private readonly attempts = new Set<Attempt>();
  private readonly listeners = new Set<PbxListener>();
  private readonly onInternalError: (error: unknown, context: string) => void;
  private readonly outboundRules: readonly OutboundRule[] | undefined;
  private directory: EndpointDirectory | undefined;
  private nextParticipantId = 1;
  private nextCallId = 1;
  /** Endpoint hooks wait here until the running command has finished changing state. */
  private readonly deferred: (() => void)[] = [];
  private depth = 0;

  constructor(options: PbxOptions) {
    this.clock = options.clock;
    this.config = options.config;
    this.onInternalError = options.onInternalError ?? ((error, context) => console.error(`switchboard: ${context}:`, error));
    this.outboundRules = options.outboundRules;
    this.registry = new Registry(options.config);
  }

  /** Connects the endpoints; must be called once before calls are placed. */
  attachEndpoints(directory: EndpointDirectory): void {
    this.directory = directory;
  }

  subscribe(listener: PbxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- queries

  listDns(): DnView[] {
    return [...this.dns.values()].map((dn) => dnView(dn, this.legsOf(dn)));
  }

  /** Throws DnNotFound. */
  getDn(number: string): DnView {
    const dn = this.requireDn(number);
    return dnView(dn, this.legsOf(dn));
  }

  hasDn(number: string): boolean {
    return this.dns.has(number);
  }

  dnKind(number: string): DnKind | undefined {
    return this.dns.get(number)?.kind;
  }

  /** Throws DnNotFound. */
  listDevices(dn: string): DeviceView[] {
    return [...this.requireDn(dn).devices.values()].map(deviceView);
  }

  /** Throws DnNotFound or DeviceNotFound. */
  getDevice(dn: string, deviceId: string): DeviceView {
    const device = this.requireDn(dn).devices.get(deviceId);
    if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no registered device '${deviceId}'`);
    return deviceView(device);
  }

  /** Throws DnNotFound. */
  listParticipants(dn: string): ParticipantView[] {
    return this.legsOf(this.requireDn(dn)).map((leg) => participantView(leg));
  }

  /** Whether any participant is on DN `dn` now (false for an unknown DN). */
  hasParticipants(dn: string): boolean {
    const record = this.dns.get(dn);
    return record !== undefined && (this.legsByDn.get(record)?.size ?? 0) > 0;
  }

  /** Participants on every DN together, counted without building their views. */
  participantCount(): number {
    return this.legs.size;
  }

  /** Throws DnNotFound or ParticipantNotFound (also when the id belongs to another DN). */
  getParticipant(dn: string, id: number): ParticipantView {
    return participantView(this.requireLeg(dn, id));
  }

  /** The participant with this id on any DN, with what the wire does not carry; undefined when gone. */
  participantDetail(id: number): ParticipantDetail | undefined {
    const leg = this.legs.get(id);
    return leg ? participantDetail(leg) : undefined;
  }

  /** Whether a participant is held and whom it talks to, without building its view (the media engine asks per event). */
  participantLink(id: number): ParticipantLink | undefined {
    const leg = this.legs.get(id);
    return leg ? participantLink(leg) : undefined;
  }

  /**
   * The audio port the endpoint of a participant supplies for its leg (`Endpoint.media`), or undefined when the
   * participant is gone or its endpoint has none. The media engine asks once per leg, when the leg needs audio.
   */
  mediaPortOf(id: number): MediaPort | undefined {
    const leg = this.legs.get(id);
    if (!leg || leg.removed) return undefined;
    return leg.endpoint.media?.(leg.control);
  }

  listCalls(): CallView[] {
    return [...this.calls.values()].map((call) => ({ callId: call.id, did: call.did, participants: [...call.legs].map((leg) => participantDetail(leg)) }));
  }

  activeCallCount(): number {
    return this.calls.size;
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
    return this.run(() => {
      const dn = this.requireDn(request.dn);
      if (dn.kind === 'externalline') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `calls cannot be made from external line ${dn.number}`);
      const attachedData = validateAttachedData(request.attachedData);
      const target = resolveDestination(request.destination, this.dns, this.outboundRules);
      const ringMs = this.ringTimeoutMs(request.timeoutSeconds, target);
      if (target.kind === 'dn' && target.dn === dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `DN ${dn.number} cannot call itself`);
      this.assertCapacity();

      let devices: DeviceRecord[];
      if (request.deviceId !== undefined) {
        devices = [this.requireOriginDevice(dn, request.deviceId)];
      } else {
        devices = [...dn.devices.values()];
        if (devices.length === 0) throw new CoreError(ErrorCodes.DEVICE_NOT_REGISTERED, `DN ${dn.number} has no registered device to call from`);
      }

      const originIdentity = this.dnIdentity(dn);
      const [single] = devices;
      if (devices.length === 1 && single && (single.directControl || dn.kind !== 'extension')) {
        // The device goes off-hook by itself: the call has started, and the destination is offered now.
        const call = this.newCall('', this.ref(dn));
        const origin = this.createLeg(call, dn, single, this.endpointForDevice(dn.number, single.id), 'Dialing', originIdentity, this.targetIdentity(target));
        origin.attachedData = attachedData;
        this.emitUpsert(origin);
        const view = participantView(origin);
        this.dialOut(origin, target, ringMs, 'later');
        return new SettledOperation(view, { ok: true, participant: view });
      }

      // The device(s) ring first; whichever is picked up dials the destination.
      const targetIdentity = this.targetIdentity(target);
      const entries = devices.map((device) => ({ dn, device, endpoint: this.endpointForDevice(dn.number, device.id) }));
      const admitted = this.admitAll(entries, { dn: dn.number, calledNumber: dn.number, callerNumber: targetIdentity.callerId, callerName: targetIdentity.name });
      const call = this.newCall('', this.ref(dn));
      const attempt = this.newAttempt('origin', call, undefined, undefined, target, 'None');
      attempt.dialTarget = target;
      attempt.dialRingMs = ringMs;
      for (const entry of admitted) {
        const leg = this.createLeg(call, dn, entry.device, entry.endpoint, 'Ringing', originIdentity, targetIdentity);
        leg.attachedData = { ...attachedData };
        leg.attempt = attempt;
        attempt.legs.add(leg);
        this.emitUpsert(leg);
        this.defer(leg, (endpoint, control) => endpoint.offered?.(control));
      }
      this.startAttemptTimer(attempt, this.ringTimeoutMs(undefined));
      const [firstLeg] = attempt.legs;
      if (devices.length === 1 && firstLeg) return new SettledOperation(participantView(firstLeg), { ok: true, participant: participantView(firstLeg) });
      return new AttemptOperation(undefined, attempt);
    });
  }

  /** drop: the participant leaves the call. Accepted in every state. Errors: DnNotFound, ParticipantNotFound. */
  drop(dn: string, id: number): Operation {
    return this.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('drop', leg.status, id);
      const view = participantView(leg);
      this.removeLeg(leg, 'dropped');
      return new SettledOperation(view, { ok: true, participant: view });
    });
  }

  /**
   * answer: a Ringing participant picks up. Only for participants with direct control or on a route point.
   * Errors: DnNotFound, ParticipantNotFound, InvalidState (not Ringing), NotSupported (no direct control).
   */
  answer(dn: string, id: number): Operation {
    return this.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('answer', leg.status, id);
      if (!leg.directControl && leg.dn.kind !== 'routepoint') {
        throw new CoreError(ErrorCodes.NOT_SUPPORTED, `participant ${id} is on a device without direct control: only the phone's user can answer it`);
      }
      this.answerLeg(leg);
      const view = this.legs.has(id) ? participantView(leg) : leg.lastView;
      return new SettledOperation(view, { ok: true, participant: view });
    });
  }

  /**
   * divert: replaces a Ringing participant with a new destination. Every ringing leg of the same DN in that call
   * leaves; the outcome is known once the new destination rings.
   * Errors: InvalidState (not Ringing, or not being offered a call), InvalidReason, InvalidDestination,
   * Destination* (the new destination refused; the participant keeps ringing).
   */
  divert(dn: string, id: number, request: RouteRequest): Operation {
    return this.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('divert', leg.status, id);
      const reason = parseReason(request.reason);
      const attempt = leg.attempt;
      if (!attempt || attempt.outcome || attempt.kind === 'origin') {
        throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} is ringing to place a call, not being offered one: it cannot be diverted`);
      }
      const target = resolveDestination(request.destination, this.dns, this.outboundRules);
      if (target.kind === 'dn' && target.dn === leg.dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `participant ${id} is already ringing at DN ${dn}`);
      const caller = attempt.party;
      const prepared = this.prepareOffer(target, caller ? caller.self : this.dnIdentity(leg.dn));
      const view = participantView(leg);
      const old = [...attempt.legs].filter((candidate) => candidate.dn === leg.dn);
      attempt.target = target;
      attempt.reason = reason;
      this.clock.clearTimeout(attempt.timer);
      this.addCandidates(attempt, prepared, { referredBy: this.ref(leg.dn) });
      for (const candidate of old) this.removeLeg(candidate, 'diverted');
      if (caller && attempt.kind === 'call') {
        caller.party = prepared.identity;
        this.emitUpsert(caller);
      }
      this.startAttemptTimer(attempt, this.ringTimeoutMs(request.ringTimeoutSeconds, target));
      return new SettledOperation(view, { ok: true, participant: view });
    });
  }

  /**
   * routeto: offers the call to an alternative destination while the participant stays (Ringing or Connected).
   * Success (the destination answers) replaces the participant; failure leaves it in place; if it leaves first
   * the route is cancelled. Errors: InvalidState, InvalidReason, InvalidDestination, Destination* (refused at once).
   */
  routeTo(dn: string, id: number, request: RouteRequest, options: { onBehalf?: boolean } = {}): Operation {
    return this.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('routeto', leg.status, id);
      this.assertNoTransfer(leg);
      const reason = parseReason(request.reason);
      const party = this.partyOf(leg);
      if (!party) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} has no other party to route`);
      const target = resolveDestination(request.destination, this.dns, this.outboundRules);
      if (target.kind === 'dn' && target.dn === leg.dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `participant ${id} is already at DN ${dn}`);
      const prepared = this.prepareOffer(target, party.self);
      const attempt = this.newAttempt('routeto', leg.call, party, leg, target, reason);
      this.addCandidates(attempt, prepared, options.onBehalf ? { onBehalfOf: this.ref(leg.dn) } : { referredBy: this.ref(leg.dn) });
      this.startAttemptTimer(attempt, this.ringTimeoutMs(request.ringTimeoutSeconds, target));
      return new AttemptOperation(participantView(leg), attempt);
    });
  }

  /**
   * transferto: the other party is held while the destination rings. Success replaces the participant; failure
   * returns the call to it, or (if it left meanwhile) rings its device back.
   * Errors: InvalidState (not Connected, or a transfer already pending), InvalidReason, InvalidDestination, Destination*.
   */
  transferTo(dn: string, id: number, request: RouteRequest): Operation {
    return this.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('transferto', leg.status, id);
      this.assertNoTransfer(leg);
      const reason = parseReason(request.reason);
      const party = leg.peer;
      if (!party || party.removed) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} has no other party to transfer`);
      const target = resolveDestination(request.destination, this.dns, this.outboundRules);
      if (target.kind === 'dn' && target.dn === leg.dn) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `participant ${id} is already at DN ${dn}`);
      const prepared = this.prepareOffer(target, party.self);
      const attempt = this.newAttempt('transfer', leg.call, party, leg, target, reason);
      this.setHeld(party, true);
      this.addCandidates(attempt, prepared, { referredBy: this.ref(leg.dn) });
      this.startAttemptTimer(attempt, this.ringTimeoutMs(request.ringTimeoutSeconds, target));
      return new AttemptOperation(participantView(leg), attempt);
    });
  }

  /** attach_participant_data: merges key/values into this participant's connection data. Errors: InvalidArgument. */
  attachParticipantData(dn: string, id: number, data: unknown): Operation {
    return this.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('attach_participant_data', leg.status, id);
      this.attachData(leg, validateAttachedData(data, leg.attachedData));
      const view = participantView(leg);
      return new SettledOperation(view, { ok: true, participant: view });
    });
  }

  /**
   * attach_party_data: merges key/values into the other party's connection data.
   * Errors: InvalidArgument, InvalidState (no other party yet).
   */
  attachPartyData(dn: string, id: number, data: unknown): Operation {
    return this.run(() => {
      const leg = this.requireLeg(dn, id);
      assertActionAllowed('attach_party_data', leg.status, id);
      const party = this.partyOf(leg);
      if (!party) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} has no other party yet`);
      this.attachData(party, validateAttachedData(data, party.attachedData));
      const view = participantView(leg);
      return new SettledOperation(view, { ok: true, participant: view });
    });
  }

  // ---------------------------------------------------------------- simulated world

  /**
   * An external number calls in through a trunk, to a DID or an internal number. Returns the caller's
   * participant (on the trunk DN, Dialing). Errors: InvalidArgument, InvalidDestination, Destination*.
   */
  placeInboundCall(request: InboundCallRequest): ParticipantView {
    return this.run(() => {
      const from = request.from.trim();
      if (!EXTERNAL_NUMBER.test(from)) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `caller number must be digits with an optional leading +, got '${request.from}'`);
      const to = request.to.trim();
      const did = this.registry.didRoutes.get(to);
      let trunk: DnRecord | undefined;
      if (request.trunk !== undefined) {
        trunk = this.requireDn(request.trunk);
        if (trunk.kind !== 'externalline') throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `DN ${trunk.number} is not a trunk`);
      } else {
        trunk = did?.trunk ?? this.firstTrunk();
      }
      if (!trunk) throw new CoreError(ErrorCodes.DESTINATION_UNREACHABLE, 'no trunk is configured for external calls');
      const destination = this.dns.get(did ? did.destination : to);
      if (!destination || destination.kind === 'externalline') {
        throw new CoreError(ErrorCodes.INVALID_DESTINATION, `'${request.to}' is neither a DID nor an internal DN`);
      }
      this.assertCapacity();
      const trunkDevice = firstDevice(trunk);
      const self: Identity = { dn: trunk.number, type: DN_TYPE_NAMES.externalline, name: request.callerName ?? this.directoryOrThrow().externalCallerName(from), callerId: from };
      const prepared = this.prepareOffer({ kind: 'dn', dn: destination }, self);
      const call = this.newCall(did ? to : '', { dn: trunk.number, type: DN_TYPE_NAMES.externalline });
      const origin = this.createLeg(call, trunk, trunkDevice, this.directoryOrThrow().external(from), 'Dialing', self, prepared.identity);
      this.emitUpsert(origin);
      this.placeOffer('call', call, prepared, origin, undefined, this.ringTimeoutMs(undefined, prepared.target), 'None', {});
      return participantView(origin);
    });
  }

  /** A user dials on a phone: the device is off-hook, so the destination is offered at once. */
  dialFromDevice(dn: string, deviceId: string, destination: string): ParticipantView {
    return this.run(() => {
      const record = this.requireDn(dn);
      if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `only extension phones dial; DN ${dn} is a ${record.kind}`);
      const device = this.requireOriginDevice(record, deviceId);
      const target = resolveDestination(destination, this.dns, this.outboundRules);
      if (target.kind === 'dn' && target.dn === record) throw new CoreError(ErrorCodes.INVALID_DESTINATION, `DN ${dn} cannot call itself`);
      this.assertCapacity();
      const identity = this.dnIdentity(record);
      const prepared = this.prepareOffer(target, identity);
      const call = this.newCall('', this.ref(record));
      const origin = this.createLeg(call, record, device, this.endpointForDevice(dn, device.id), 'Dialing', identity, prepared.identity);
      this.emitUpsert(origin);
      this.placeOffer('call', call, prepared, origin, undefined, this.ringTimeoutMs(undefined, target), 'None', {});
      return participantView(origin);
    });
  }

  /** The endpoint at the end of a ringing leg picks up. Errors: ParticipantNotFound, InvalidState. */
  endpointAnswer(id: number): void {
    this.run(() => {
      const leg = this.requireLegAnywhere(id);
      if (leg.status !== 'Ringing') throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} is ${leg.status}, not Ringing`);
      this.answerLeg(leg);
    });
  }

  /** The endpoint at the end of a ringing leg refuses it. Errors: ParticipantNotFound, InvalidState. */
  endpointReject(id: number, cause: RejectCause): void {
    this.run(() => {
      const leg = this.requireLegAnywhere(id);
      if (leg.status !== 'Ringing') throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${id} is ${leg.status}, not Ringing`);
      this.removeLeg(leg, cause);
    });
  }

  /** The endpoint at the end of a leg hangs up. Errors: ParticipantNotFound. */
  endpointHangup(id: number): void {
    this.run(() => this.removeLeg(this.requireLegAnywhere(id), 'hangup'));
  }

  /**
   * The party on leg `id` presses keys: each digit reaches the participant it is talking to as its own DTMF event.
   * Errors: ParticipantNotFound, InvalidArgument (not DTMF digits), InvalidState (not in conversation).
   */
  sendDtmf(id: number, digits: string): void {
    this.run(() => {
      const leg = this.requireLegAnywhere(id);
      const refusal = this.dtmfRefusal(leg, digits);
      if (refusal) throw refusal;
      this.deliverDtmf(leg, digits);
    });
  }

  /** Why the party on `leg` cannot send `digits` now, or undefined when it can. */
  private dtmfRefusal(leg: Leg, digits: string): CoreError | undefined {
    if (digits.length === 0 || digits.length > MAX_DTMF_DIGITS || !DTMF_DIGITS.test(digits)) {
      return new CoreError(ErrorCodes.INVALID_ARGUMENT, `digits must be 1-${MAX_DTMF_DIGITS} of 0-9 * # A-D, got '${digits}'`);
    }
    const peer = leg.peer;
    if (leg.status !== 'Connected' || !peer || peer.removed || peer.peer !== leg || leg.held || peer.held) {
      return new CoreError(ErrorCodes.INVALID_STATE, `participant ${leg.id} is not in conversation with anyone`);
    }
    return undefined;
  }

  private deliverDtmf(leg: Leg, digits: string): void {
    const peer = leg.peer;
    if (!peer) return;
    for (const digit of digits) {
      this.emit({ type: 'dtmf', dn: peer.dn.number, participantId: peer.id, digits: digit });
      this.defer(peer, (endpoint, control) => endpoint.dtmf?.(control, digit));
    }
  }

  /** Announces that a prompt or stream finished playing on a participant (used by the media layer). */
  playbackFinished(id: number): void {
    const leg = this.legs.get(id);
    if (leg) this.emit({ type: 'playback-finished', dn: leg.dn.number, participantId: id });
  }

  /** Cancels every pending route of a participant (a queue giving up on its agents); the participant stays. */
  cancelRoutes(id: number): void {
    this.run(() => {
      const leg = this.requireLegAnywhere(id);
      for (const attempt of [...leg.attemptsReplacing].filter((a) => a.kind === 'routeto')) {
        this.settleAttempt(attempt, failure(ErrorCodes.PARTICIPANT_LEFT, 'route cancelled', participantView(leg)), 'cancelled');
      }
    });
  }

  /** Registers a device on an extension (a configured offline device, or a new one). Errors: DnNotFound, InvalidArgument. */
  registerDevice(dn: string, device: { id: string; userAgent?: string; directControl?: boolean }): DeviceView {
    return this.run(() => {
      const record = this.requireDn(dn);
      if (record.kind === 'extension' && record.devices.has(device.id)) throw new CoreError(ErrorCodes.INVALID_STATE, `device '${device.id}' is already registered on DN ${dn}`);
      return this.applyBinding(dn, { deviceId: device.id, userAgent: device.userAgent, directControl: device.directControl });
    });
  }

  /**
   * Binds a device as a registrar does: a new device is announced like {@link registerDevice}; the same device id
   * binding again refreshes it in place (contact, expiry, user agent) and keeps its calls, announced only when its
   * user agent changed. Errors: DnNotFound, NotSupported, InvalidArgument.
   */
  bindDevice(dn: string, binding: DeviceBinding): DeviceView {
    return this.run(() => this.applyBinding(dn, binding));
  }

  private applyBinding(dn: string, binding: DeviceBinding): DeviceView {
    const { device, change } = this.registry.bind(dn, binding);
    if (change !== 'unchanged') this.emit({ type: 'device-added', device: deviceView(device) });
    return deviceView(device);
  }

  /** Unregisters a device; its participants leave their calls. Errors: DnNotFound, DeviceNotFound. */
  unregisterDevice(dn: string, deviceId: string): DeviceView {
    return this.run(() => {
      const record = this.requireDn(dn);
      if (!record.devices.has(deviceId)) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no registered device '${deviceId}'`);
      if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `only extension devices can be unregistered; DN ${dn} is a ${record.kind}`);
      for (const leg of this.legsOf(record)) {
        if (leg.deviceId === deviceId) this.removeLeg(leg, 'unregistered');
      }
      const device = this.registry.release(record, deviceId);
      this.emit({ type: 'device-removed', device: deviceView(device) });
      return deviceView(device);
    });
  }

  /**
   * Ends every call, then puts devices (registrations, user agents, direct control) and route point auto-answer
   * back as configured, announcing every device that comes or goes.
   */
  reset(): void {
    this.run(() => {
      this.endAllCalls();
      for (const ext of this.config.extensions) {
        const record = this.requireDn(ext.number);
        const configured = new Map(ext.devices.map((d) => [d.id, d]));
        for (const device of [...record.devices.values()]) {
          if (configured.get(device.id)?.registered) continue;
          record.devices.delete(device.id);
          this.emit({ type: 'device-removed', device: deviceView(device) });
        }
        record.offline.clear();
        for (const d of ext.devices) {
          const device: DeviceRecord = { dn: ext.number, id: d.id, userAgent: d.userAgent, directControl: d.directControl };
          if (!d.registered) {
            record.offline.set(d.id, device);
          } else if (record.devices.has(d.id)) {
            record.devices.set(d.id, device);
          } else {
            record.devices.set(d.id, device);
            this.emit({ type: 'device-added', device: deviceView(device) });
          }
        }
      }
      for (const rp of this.config.routePoints) this.requireDn(rp.number).autoAnswer = rp.autoAnswer;
    });
  }

  /** Turns uaCSTA direct control of a registered extension device on or off; applies to calls offered from now on. */
  setDirectControl(dn: string, deviceId: string, directControl: boolean): void {
    const record = this.requireDn(dn);
    const device = record.devices.get(deviceId) ?? record.offline.get(deviceId);
    if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no device '${deviceId}'`);
    if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `only extension devices have a direct control setting; DN ${dn} is a ${record.kind}`);
    device.directControl = directControl;
  }

  /** Registered and known-but-offline devices of a DN, with their direct control setting (for the simulation plane). */
  deviceRecords(dn: string): { registered: DeviceRecord[]; offline: DeviceRecord[] } {
    const record = this.requireDn(dn);
    return { registered: [...record.devices.values()].map((d) => ({ ...d })), offline: [...record.offline.values()].map((d) => ({ ...d })) };
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
    return this.run(() => {
      let ended = 0;
      for (const call of this.calls.values()) {
        if (ended >= maxCalls) break;
        this.endCall(call);
        ended++;
      }
      return this.calls.size;
    });
  }

  /**
   * Ends every call `sliceCalls` at a time, awaiting `pause` between slices so that requests, media frames and
   * socket writes go on while a PBX carrying thousands of calls is reset or shut down. Calls placed meanwhile are
   * ended too; after a bounded number of slices whatever is left is ended at once.
   */
  async endAllCallsInSlices(sliceCalls: number, pause: () => Promise<void>): Promise<void> {
    const slices = Math.ceil(this.calls.size / sliceCalls) + 1;
    for (let slice = 0; slice < slices; slice++) {
      if (this.endCalls(sliceCalls) === 0) return;
      await pause();
    }
    this.endAllCalls();
  }

  // ---------------------------------------------------------------- internals: set-up

  /** Route point setting, also changeable at run time by the simulation plane. */
  setAutoAnswer(dn: string, autoAnswer: boolean): void {
    const record = this.requireDn(dn);
    if (record.kind !== 'routepoint') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `DN ${dn} is not a route point`);
    record.autoAnswer = autoAnswer;
  }

  isAutoAnswer(dn: string): boolean {
    return this.dns.get(dn)?.autoAnswer ?? false;
  }

  // ---------------------------------------------------------------- internals: running commands

  /** Runs a command; endpoint hooks it queued run once the outermost command is done. */
  private run<T>(command: () => T): T {
    this.depth++;
    try {
      return command();
    } finally {
      this.depth--;
      if (this.depth === 0) this.drainDeferred();
    }
  }

  private drainDeferred(): void {
    this.depth++;
    // Read by index, cleared once: shift() moves the whole queue each time, so ending N calls (several hooks each)
    // would cost N² moves. Hooks queued meanwhile are appended and run in the same pass.
    const queue = this.deferred;
    let next = 0;
    try {
      for (; next < queue.length; next++) {
        try {
          (queue[next] as () => void)();
        } catch (error) {
          this.onInternalError(error, 'endpoint hook failed');
        }
      }
    } finally {
      queue.splice(0, next);
      this.depth--;
    }
  }

  private defer(leg: Leg, hook: (endpoint: Endpoint, control: LegControl) => void): void {
    this.deferred.push(() => hook(leg.endpoint, leg.control));
  }

  private emit(event: PbxEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onInternalError(error, 'event listener failed');
      }
    }
  }

  /**
   * Sends an Upsert when what a client sees of the leg changed since the last one; otherwise a link event when only
   * its hold state or peer changed, so listeners (the media engine) learn the topology from events alone.
   */
  private emitUpsert(leg: Leg): void {
    if (leg.removed) return;
    const view = upsertIfChanged(leg);
    const link = linkIfChanged(leg);
    if (view) this.emit({ type: 'participant-upserted', participant: view, link: leg.lastLink ?? participantLink(leg) });
    else if (link) this.emit({ type: 'participant-link', dn: leg.dn.number, participantId: leg.id, callId: leg.call.id, link });
  }

  /**
   * Puts a leg on hold or takes it off and tells its endpoint. Announced at once unless `announce` is false: the
   * caller changes more of the leg and announces it all in one event.
   */
  private setHeld(leg: Leg, held: boolean, announce = true): void {
    if (leg.held === held) return;
    leg.held = held;
    if (announce) this.emitUpsert(leg);
    this.defer(leg, (endpoint, control) => endpoint.held?.(control, held));
  }

  // ---------------------------------------------------------------- internals: lookups

  private legsOf(dn: DnRecord): Leg[] {
    const legs = this.legsByDn.get(dn);
    return legs ? [...legs] : [];
  }

  private requireDn(number: string): DnRecord {
    return this.registry.require(number);
  }

  private get dns(): Map<string, DnRecord> {
    return this.registry.dns;
  }

  private requireLeg(dn: string, id: number): Leg {
    const record = this.requireDn(dn);
    const leg = this.legs.get(id);
    if (!leg || leg.dn !== record) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `DN ${dn} has no participant ${id}`);
    return leg;
  }

  private requireLegAnywhere(id: number): Leg {
    const leg = this.legs.get(id);
    if (!leg) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `participant ${id} does not exist`);
    return leg;
  }

  private requireOriginDevice(dn: DnRecord, deviceId: string): DeviceRecord {
    const device = dn.devices.get(deviceId);
    if (device) return device;
    if (dn.offline.has(deviceId)) throw new CoreError(ErrorCodes.DEVICE_NOT_REGISTERED, `device '${deviceId}' of DN ${dn.number} is not registered`);
    throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn.number} has no device '${deviceId}'`);
  }

  private directoryOrThrow(): EndpointDirectory {
    if (!this.directory) throw new Error('Pbx.attachEndpoints() must be called before calls are placed');
    return this.directory;
  }

  private endpointForDevice(dn: string, deviceId: string): Endpoint {
    return this.directoryOrThrow().device(dn, deviceId);
  }

  private firstTrunk(): DnRecord | undefined {
    for (const record of this.dns.values()) if (record.kind === 'externalline') return record;
    return undefined;
  }

  private assertCapacity(): void {
    if (this.calls.size >= MAX_ACTIVE_CALLS) throw new CoreError(ErrorCodes.DESTINATION_UNREACHABLE, `the PBX is carrying its maximum of ${MAX_ACTIVE_CALLS} calls`);
  }

  /** The party a participant's actions concern: its peer, or for a ringing destination the caller. */
  private partyOf(leg: Leg): Leg | undefined {
    const party = leg.status === 'Ringing' ? (leg.attempt?.party ?? undefined) : leg.peer;
    return party && !party.removed ? party : undefined;
  }

  /** Refuses to re-route a participant that is transferring its party, or is the party held by a transfer. */
  private assertNoTransfer(leg: Leg): void {
    const transfer = [...leg.attemptsReplacing, ...leg.attemptsAsParty].find((a) => a.kind === 'transfer');
    if (!transfer) return;
    const role = transfer.replaced === leg ? 'is transferring its call' : 'is held while its call is being transferred';
    throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${leg.id} ${role}; wait for the transfer to finish`);
  }

  private ringTimeoutMs(seconds: number | undefined, target?: Target): number | null {
    // A route point rings until its application acts or the caller gives up (PROTOCOL.md §7).
    if (target?.kind === 'dn' && target.dn.kind === 'routepoint') return null;
    if (seconds !== undefined && (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_TIMEOUT_SECONDS)) {
      throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `timeout must be between 0 and ${MAX_TIMEOUT_SECONDS} seconds, got ${seconds}`);
    }
    const effective = seconds && seconds > 0 ? seconds : this.config.server.ringTimeoutSeconds;
    return Math.round(effective * 1000);
  }

  // ---------------------------------------------------------------- internals: identities and views

  private ref(dn: DnRecord): DnRef {
    return { dn: dn.number, type: DN_TYPE_NAMES[dn.kind] };
  }

  private dnIdentity(dn: DnRecord): Identity {
    return { dn: dn.number, type: DN_TYPE_NAMES[dn.kind], name: dn.name, callerId: dn.number };
  }

  private targetIdentity(target: Target): Identity {
    if (target.kind === 'dn') return this.dnIdentity(target.dn);
    return { dn: target.trunk.number, type: DN_TYPE_NAMES.externalline, name: this.directoryOrThrow().externalCallerName(target.number), callerId: target.number };
  }

  // ---------------------------------------------------------------- internals: building calls

  private newCall(did: string, originator: DnRef): Call {
    const call: Call = { id: this.nextCallId++, legs: new Set(), nextLegId: 1, did, originator };
    this.calls.set(call.id, call);
    return call;
  }

  private createLeg(call: Call, dn: DnRecord, device: DeviceRecord, endpoint: Endpoint, status: ParticipantStatus, self: Identity, party: Identity): Leg {
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
      control: undefined as unknown as LegControl,
      removed: false,
      lastView: undefined,
      lastLink: undefined,
    };
    leg.control = this.legControl(leg);
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

  private legControl(leg: Leg): LegControl {
    // An endpoint's verdict may arrive after the leg moved on: whatever no longer fits is ignored, never thrown.
    const guard = (action: () => void) => {
      if (!leg.removed) this.run(() => {
        if (!leg.removed) action();
      });
    };
    return {
      participantId: leg.id,
      dn: leg.dn.number,
      deviceId: leg.deviceId,
      progress: (kind) => guard(() => this.progressLeg(leg, kind)),
      answer: () => guard(() => {
        if (leg.status === 'Ringing') this.answerLeg(leg);
      }),
      reject: (cause) => guard(() => {
        if (leg.status === 'Ringing') this.removeLeg(leg, cause);
      }),
      hangup: () => guard(() => this.removeLeg(leg, 'hangup')),
      hold: (on) => guard(() => this.holdPeer(leg, on)),
      dtmf: (digits) => guard(() => {
        if (!this.dtmfRefusal(leg, digits)) this.deliverDtmf(leg, digits);
      }),
      view: () => (leg.removed ? undefined : participantView(leg)),
    };
  }

  /** A ringing leg's far end reports progress; early media is announced on the leg and on the party hearing it. */
  private progressLeg(leg: Leg, kind: ProgressKind): void {
    if (kind === 'ringing' || leg.status !== 'Ringing' || leg.earlyMedia) return;
    leg.earlyMedia = true;
    this.emitUpsert(leg);
    const party = leg.attempt?.party;
    if (party && !party.removed) this.emitUpsert(party);
  }

  /**
   * A Connected leg's own side holds its peer or takes it off hold. A peer held by a pending transfer stays held
   * on `false`: the transfer holds it until it settles, and its failure (or success) takes it off hold.
   */
  private holdPeer(leg: Leg, on: boolean): void {
    const peer = leg.peer;
    if (leg.status !== 'Connected' || !peer || peer.removed) return;
    if (!on && [...peer.attemptsAsParty].some((attempt) => attempt.kind === 'transfer')) return;
    this.setHeld(peer, on);
  }

  private newAttempt(kind: AttemptKind, call: Call, party: Leg | undefined, replaced: Leg | undefined, target: Target, reason: Reason): Attempt {
    const attempt: Attempt = {
      kind,
      call,
      party,
      replaced,
      replacedGone: false,
      target,
      legs: new Set(),
      timer: undefined,
      reason,
      dialTarget: undefined,
      dialRingMs: null,
      outcome: undefined,
      settledCallbacks: [],
    };
    this.attempts.add(attempt);
    party?.attemptsAsParty.add(attempt);
    replaced?.attemptsReplacing.add(attempt);
    return attempt;
  }

  /** Asks the destination's endpoints whether they will ring; throws the most telling refusal if none will. */
  private prepareOffer(target: Target, caller: Identity): PreparedOffer {
    const identity = this.targetIdentity(target);
    if (target.kind === 'external') {
      const trunk = target.trunk;
      const device = firstDevice(trunk);
      const endpoint = this.directoryOrThrow().external(target.number);
      const entries = this.admitAll([{ dn: trunk, device, endpoint }], { dn: trunk.number, calledNumber: target.number, callerNumber: caller.callerId, callerName: caller.name }, target.number);
      return { target, identity, entries };
    }
    const dn = target.dn;
    const devices = target.deviceId !== undefined ? [dn.devices.get(target.deviceId)].filter((d): d is DeviceRecord => d !== undefined) : [...dn.devices.values()];
    if (devices.length === 0) throw new CoreError(ErrorCodes.DESTINATION_NOT_REGISTERED, `DN ${dn.number} has no registered device`);
    const entries = devices.map((device) => ({ dn, device, endpoint: this.endpointForDevice(dn.number, device.id) }));
    return { target, identity, entries: this.admitAll(entries, { dn: dn.number, calledNumber: dn.number, callerNumber: caller.callerId, callerName: caller.name }) };
  }

  private admitAll<E extends { device: DeviceRecord; endpoint: Endpoint }>(entries: E[], offer: Omit<OfferInfo, 'deviceId'>, label = `DN ${offer.dn}`): E[] {
    const refusals: RejectCause[] = [];
    const admitted = entries.filter((entry) => {
      const refusal = entry.endpoint.admit({ ...offer, deviceId: entry.device.id });
      if (refusal) refusals.push(refusal);
      return refusal === null;
    });
    if (admitted.length > 0) return admitted;
    const cause = REJECT_PRIORITY.find((candidate) => refusals.includes(candidate)) ?? 'unreachable';
    throw new CoreError(causeToCode(cause), `${label} ${describeRefusal(cause)}`);
  }

  /** Starts an attempt of `kind` with the prepared destination ringing. */
  private placeOffer(kind: AttemptKind, call: Call, prepared: PreparedOffer, party: Leg | undefined, replaced: Leg | undefined, ringMs: number | null, reason: Reason, marks: { referredBy?: DnRef; onBehalfOf?: DnRef }): Attempt {
    const attempt = this.newAttempt(kind, call, party, replaced, prepared.target, reason);
    this.addCandidates(attempt, prepared, marks);
    this.startAttemptTimer(attempt, ringMs);
    return attempt;
  }

  private addCandidates(attempt: Attempt, prepared: PreparedOffer, marks: { referredBy?: DnRef; onBehalfOf?: DnRef }): void {
    const party = attempt.party;
    if (!party) throw new Error('only attempts with a party offer a destination');
    for (const entry of prepared.entries) {
      const self = prepared.target.kind === 'external' ? prepared.identity : this.dnIdentity(entry.dn);
      const leg = this.createLeg(attempt.call, entry.dn, entry.device, entry.endpoint, 'Ringing', self, party.self);
      leg.peer = party;
      leg.attempt = attempt;
      if (marks.referredBy) leg.referredBy = marks.referredBy;
      if (marks.onBehalfOf) leg.onBehalfOf = marks.onBehalfOf;
      attempt.legs.add(leg);
      this.emitUpsert(leg);
      this.defer(leg, (endpoint, control) => endpoint.offered?.(control));
    }
  }

  private startAttemptTimer(attempt: Attempt, ringMs: number | null): void {
    this.clock.clearTimeout(attempt.timer);
    attempt.timer = undefined;
    if (ringMs === null) return;
    attempt.timer = this.clock.setTimeout(() => {
      attempt.timer = undefined;
      this.run(() => {
        if (attempt.outcome) return;
        const subject = attempt.replaced ?? attempt.party;
        this.failAttempt(attempt, ErrorCodes.NO_ANSWER, 'the destination did not answer in time', subject, 'no-answer');
      });
    }, ringMs);
  }

  // ---------------------------------------------------------------- internals: state changes

  private setStatus(leg: Leg, input: ParticipantInput): void {
    leg.status = transition(leg.status, input);
  }

  private answerLeg(leg: Leg): void {
    const attempt = leg.attempt;
    if (!attempt || attempt.outcome) throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${leg.id} is not being offered a call`);
    if (attempt.kind === 'origin') {
      this.originPickedUp(attempt, leg);
      return;
    }
    this.succeedAttempt(attempt, leg);
  }

  /** A device rung to place a call was picked up: it now dials the destination. */
  private originPickedUp(attempt: Attempt, leg: Leg): void {
    this.setStatus(leg, 'origin-picked-up');
    leg.earlyMedia = false;
    this.settleAttempt(attempt, { ok: true, participant: participantView(leg) }, 'answered-elsewhere', leg);
    leg.attempt = undefined;
    const target = attempt.dialTarget;
    if (target) this.dialOut(leg, target, attempt.dialRingMs, 'now');
  }

  /**
   * A Dialing participant calls `target`. The call has started, so a destination that refuses (busy, rejected,
   * unreachable, not registered) ends the participant with that cause instead of failing the command: `later`
   * removes it once the running command has finished (makecall answers with the participant first, as 3CX does
   * when a trunk's busy answer comes after the INVITE left), `now` removes it within the command.
   */
  private dialOut(origin: Leg, target: Target, ringMs: number | null, when: 'now' | 'later'): void {
    let prepared: PreparedOffer;
    try {
      prepared = this.prepareOffer(target, origin.self);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      const cause = codeToCause(error.code);
      if (when === 'now') this.removeLeg(origin, cause);
      else this.deferred.push(() => this.run(() => this.removeLeg(origin, cause)));
      return;
    }
    origin.party = prepared.identity;
    this.emitUpsert(origin);
    this.placeOffer('call', origin.call, prepared, origin, undefined, ringMs, 'None', {});
  }

  private succeedAttempt(attempt: Attempt, answered: Leg): void {
    const party = attempt.party;
    const replaced = attempt.replaced;
    // Settle first: the removals below must not read as this attempt failing.
    this.settleAttempt(attempt, { ok: true, participant: undefined }, 'answered-elsewhere', answered);
    answered.attempt = undefined;
    answered.earlyMedia = false;
    this.setStatus(answered, 'answer');
    this.emitUpsert(answered);
    if (party && !party.removed) {
      answered.peer = party;
      party.peer = answered;
      party.party = answered.self;
      this.setHeld(party, false, false);
      if (party.status === 'Dialing') this.setStatus(party, 'far-answer');
      this.emitUpsert(party);
    }
    // The replaced participant may itself be a ringing candidate of an earlier attempt (a routeto of a ringing
    // route point, or of an agent a queue is ringing): that attempt is completed by this one, not failed, and what
    // it would have replaced is replaced too, along the whole chain.
    for (let current = replaced; current && !current.removed; ) {
      const earlier = current.attempt;
      if (earlier && !earlier.outcome) this.settleAttempt(earlier, { ok: true, participant: participantView(earlier.replaced ?? current) }, 'answered-elsewhere', current);
      this.removeLeg(current, 'replaced');
      current = earlier?.replaced;
    }
    // The party now talks to `answered`: nothing else may still be offering it elsewhere.
    if (party) {
      for (const other of [...party.attemptsAsParty]) {
        this.settleAttempt(other, failure(ErrorCodes.PARTICIPANT_LEFT, `participant ${party.id} was connected elsewhere`, participantView(party)), 'answered-elsewhere');
      }
    }
    this.defer(answered, (endpoint, control) => endpoint.connected?.(control));
    if (party && !party.removed && party.status === 'Connected') this.defer(party, (endpoint, control) => endpoint.connected?.(control));
    const finalView = participantView(answered);
    attempt.outcome = { ok: true, participant: replaced ? (replaced.lastView ?? finalView) : finalView };
  }

  /**
   * Marks the attempt settled, stops its timer and removes its remaining ringing legs (except `keep`).
   * Callbacks run after the current command.
   */
  private settleAttempt(attempt: Attempt, outcome: Outcome, legCause: RemovalCause, keep?: Leg): void {
    if (attempt.outcome) return;
    attempt.outcome = outcome;
    this.attempts.delete(attempt);
    attempt.party?.attemptsAsParty.delete(attempt);
    attempt.replaced?.attemptsReplacing.delete(attempt);
    this.clock.clearTimeout(attempt.timer);
    attempt.timer = undefined;
    const hadEarlyMedia = [...attempt.legs].some((leg) => leg.earlyMedia);
    for (const leg of [...attempt.legs]) {
      if (leg === keep) continue;
      leg.attempt = undefined;
      this.removeLeg(leg, legCause);
    }
    attempt.legs.clear();
    // The party no longer hears the early media. With `keep` the caller connects the party itself next.
    if (hadEarlyMedia && !keep && attempt.party) this.emitUpsert(attempt.party);
    const callbacks = attempt.settledCallbacks.splice(0);
    this.deferred.push(() => {
      for (const callback of callbacks) callback(attempt.outcome ?? outcome);
    });
  }

  private failAttempt(attempt: Attempt, code: ErrorCode, message: string, subject: Leg | undefined, legCause: RemovalCause): void {
    this.settleAttempt(attempt, failure(code, message, subject ? (subject.removed ? subject.lastView : participantView(subject)) : undefined), legCause);
    const party = attempt.party;
    switch (attempt.kind) {
      case 'origin':
        return;
      case 'call':
        if (party && !party.removed) this.removeLeg(party, codeToCause(code));
        return;
      case 'routeto':
        return;
      case 'transfer': {
        if (!party || party.removed) return;
        this.setHeld(party, false);
        const transferrer = attempt.replaced;
        if (transferrer && !transferrer.removed && !attempt.replacedGone) return;
        if (transferrer) this.recall(party, transferrer);
        else this.removeLeg(party, codeToCause(code));
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
      const prepared = this.prepareOffer(target, party.self);
      this.placeOffer('call', party.call, prepared, party, undefined, this.ringTimeoutMs(undefined, target), 'None', {});
      party.party = prepared.identity;
      this.emitUpsert(party);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      this.removeLeg(party, codeToCause(error.code));
    }
  }

  private attachData(leg: Leg, data: Record<string, string>): void {
    leg.attachedData = data;
    this.emit({ type: 'participant-data', dn: leg.dn.number, participantId: leg.id, attachedData: { ...data } });
  }

  /** Settles every attempt of the call, then removes its participants (cause `reset`). */
  private endCall(call: Call): void {
    const attempts = new Set<Attempt>();
    for (const leg of call.legs) {
      if (leg.attempt) attempts.add(leg.attempt);
      for (const attempt of leg.attemptsAsParty) attempts.add(attempt);
      for (const attempt of leg.attemptsReplacing) attempts.add(attempt);
    }
    for (const attempt of attempts) this.settleAttempt(attempt, failure(ErrorCodes.PARTICIPANT_LEFT, 'the PBX was reset', undefined), 'reset');
    for (const leg of [...call.legs]) this.removeLeg(leg, 'reset');
  }

  /** Removes a leg and everything that cannot go on without it. */
  private removeLeg(leg: Leg, cause: RemovalCause): void {
    if (leg.removed) return;
    const finalView = participantView(leg);
    const finalLink = participantLink(leg);
    leg.removed = true;
    leg.lastView = finalView;
    this.legs.delete(leg.id);
    this.legsByDn.get(leg.dn)?.delete(leg);
    leg.call.legs.delete(leg);
    this.emit({ type: 'participant-removed', participant: finalView, cause, link: finalLink });
    this.defer(leg, (endpoint, control) => endpoint.removed?.(control, cause));

    // 1. It was ringing in an attempt: the attempt fails when no candidate is left.
    const own = leg.attempt;
    leg.attempt = undefined;
    if (own && !own.outcome) {
      own.legs.delete(leg);
      if (own.legs.size === 0) {
        const subject = own.replaced ?? own.party;
        this.failAttempt(own, causeToCode(cause), `the destination ${describeCause(cause)}`, subject, 'cancelled');
      }
      if (leg.earlyMedia && own.party) this.emitUpsert(own.party); // the party no longer hears this leg's early media
    }
    // 2. Attempts it was waiting on, or that would replace it.
    for (const attempt of [...leg.attemptsAsParty, ...leg.attemptsReplacing]) {
      if (attempt.kind === 'transfer' && attempt.replaced === leg) {
        attempt.replacedGone = true;
        continue;
      }
      this.settleAttempt(attempt, failure(ErrorCodes.PARTICIPANT_LEFT, `participant ${leg.id} left before the destination answered`, finalView), 'cancelled');
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
}

function firstDevice(dn: DnRecord): DeviceRecord {
  const device = dn.devices.values().next().value;
  if (!device) throw new CoreError(ErrorCodes.DESTINATION_NOT_REGISTERED, `DN ${dn.number} has no device`);
  return device;
}

/** Accepts the reason values of PROTOCOL.md §4, case-insensitively; absent or empty means None. */
export function parseReason(reason: string | undefined): Reason {
  if (reason === undefined || reason === '') return 'None';
  const match = REASONS.find((candidate) => candidate.toLowerCase() === reason.toLowerCase());
  if (!match) throw new CoreError(ErrorCodes.INVALID_REASON, `reason must be one of ${REASONS.join(', ')}; got '${reason}'`);
  return match;
}
