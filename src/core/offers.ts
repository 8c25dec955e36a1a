// Offering a call: who a destination is, which of its endpoints agree to ring, and how long it may ring.

import { MAX_TIMEOUT_SECONDS } from '../limits.js';
import { causeToCode, describeRefusal, REJECT_PRIORITY } from './causes.js';
import type { Target } from './dialplan.js';
import type { Endpoint, EndpointDirectory, OfferInfo, RejectCause } from './endpoint.js';
import { CoreError, ErrorCodes } from './errors.js';
import type { DeviceRecord, DnRecord, DnRef, Identity, PreparedOffer } from './model.js';
import { firstDevice } from './registry.js';
import { DN_TYPE_NAMES } from './types.js';

/** Finds the endpoints of a destination and asks them (Endpoint.admit) whether the call may ring there. */
export class Offers {
  private directory: EndpointDirectory | undefined;

  /** `server.ringTimeoutSeconds` is the default ring timeout, read when a call is offered. */
  constructor(private readonly server: { readonly ringTimeoutSeconds: number }) {}

  attach(directory: EndpointDirectory): void {
    this.directory = directory;
  }

  directoryOrThrow(): EndpointDirectory {
    if (!this.directory) throw new Error('Pbx.attachEndpoints() must be called before calls are placed');
    return this.directory;
  }

  endpointForDevice(dn: string, deviceId: string): Endpoint {
    return this.directoryOrThrow().device(dn, deviceId);
  }

  /** Asks the destination's endpoints whether they will ring; throws the most telling refusal if none will. */
  prepareOffer(target: Target, caller: Identity): PreparedOffer {
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

  /** The entries whose endpoint admits the offer; throws the most telling refusal when none does. */
  admitAll<E extends { device: DeviceRecord; endpoint: Endpoint }>(entries: E[], offer: Omit<OfferInfo, 'deviceId'>, label = `DN ${offer.dn}`): E[] {
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

  /** Ring timeout in ms (null: rings until someone acts). Throws InvalidArgument for a timeout out of range. */
  ringTimeoutMs(seconds: number | undefined, target?: Target): number | null {
    // A route point rings until its application acts or the caller gives up (PROTOCOL.md §7).
    if (target?.kind === 'dn' && target.dn.kind === 'routepoint') return null;
    if (seconds !== undefined && (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_TIMEOUT_SECONDS)) {
      throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `timeout must be between 0 and ${MAX_TIMEOUT_SECONDS} seconds, got ${seconds}`);
    }
    const effective = seconds && seconds > 0 ? seconds : this.server.ringTimeoutSeconds;
    return Math.round(effective * 1000);
  }

  targetIdentity(target: Target): Identity {
    if (target.kind === 'dn') return dnIdentity(target.dn);
    return { dn: target.trunk.number, type: DN_TYPE_NAMES.externalline, name: this.directoryOrThrow().externalCallerName(target.number), callerId: target.number };
  }
}

export function ref(dn: DnRecord): DnRef {
  return { dn: dn.number, type: DN_TYPE_NAMES[dn.kind] };
}

export function dnIdentity(dn: DnRecord): Identity {
  return { dn: dn.number, type: DN_TYPE_NAMES[dn.kind], name: dn.name, callerId: dn.number };
}
