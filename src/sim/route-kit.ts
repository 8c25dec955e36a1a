// What the /sim route files share: the PBX and its simulated world, fake-time typing, and the lookups every resource needs.

import type { Clock, TimerHandle } from '../core/clock.js';
import { CoreError, ErrorCodes } from '../core/errors.js';
import type { Pbx } from '../core/pbx.js';
import type { ParticipantDetail } from '../core/types.js';
import { decimalInt32 } from '../api/ids.js';
import type { SipStatus } from '../api/sip-status.js';
import type { BehaviourStore } from '../endpoints/behaviours.js';
import type { RemovalLog } from './removals.js';
import { rtpLookup, type RtpLookup } from './rtp.js';
import { SimErrorSchema } from './schemas.js';
import { partyOf } from './state.js';

/** A /sim refusal that is not a PBX error (unknown route or action). */
export class SimRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Response schemas of the error statuses a route declares (the OpenAPI document lists each). */
export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, SimErrorSchema]));

/** A party id of a path: the API's participant id rule (decimal int32), with /sim's wording. */
function parsePartyId(text: string): number {
  const id = decimalInt32(text);
  if (id === undefined) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no party '${text}'`);
  return id;
}

/** The pieces and lookups the /sim route files use. */
export interface SimRouteKit {
  pbx: Pbx;
  behaviours: BehaviourStore;
  clock: Clock;
  removals: RemovalLog;
  /** Digits still to be typed by POST /parties/{id}/dtmf with an interval; cleared on reset and close. */
  pendingDtmf: Set<TimerHandle>;
  /** A simulated party: a participant of an extension (its phone) or of a trunk (the external person). */
  requireParty(text: string): ParticipantDetail;
  /** The RTP figures of the participants with an RTP session now: read once per response, then looked up by id. */
  rtp(): RtpLookup;
  /** The party as it is now, or null once it has left. */
  partyNow(id: number): ReturnType<typeof partyOf> | null;
  /** DnNotFound, or NotSupported for a DN that is not an extension (only extension devices are simulated phones). */
  requireExtension(dn: string): void;
  /** A registered or offline device of an extension, or DeviceNotFound. */
  knownDevice(dn: string, deviceId: string): { id: string; userAgent: string; directControl: boolean; registered: boolean };
  /** What the device routes answer for a device. */
  deviceResult(dn: string, deviceId: string): { deviceId: string; userAgent: string; directControl: boolean; registered: boolean; behaviour: ReturnType<BehaviourStore['device']> };
}

/** Builds the shared kit over one simulated PBX (and the SIP server, whose RTP sessions the party views show). */
export function simRouteKit(pbx: Pbx, behaviours: BehaviourStore, clock: Clock, removals: RemovalLog, sip?: SipStatus): SimRouteKit {
  const requireParty = (text: string): ParticipantDetail => {
    const detail = pbx.participantDetail(parsePartyId(text));
    const kind = detail ? pbx.dnKind(detail.dn) : undefined;
    if (!detail || (kind !== 'extension' && kind !== 'externalline')) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no simulated party ${text}`);
    return detail;
  };
  const rtp = () => rtpLookup(sip);
  const partyNow = (id: number) => {
    const detail = pbx.participantDetail(id);
    return detail ? partyOf(pbx, detail, rtp()) : null;
  };
  const requireExtension = (dn: string) => {
    if (pbx.dnKind(dn) === undefined) throw new CoreError(ErrorCodes.DN_NOT_FOUND, `DN ${dn} does not exist`);
    if (pbx.dnKind(dn) !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `DN ${dn} is not an extension: only extension devices are simulated phones`);
  };
  const knownDevice = (dn: string, deviceId: string) => {
    const { registered, offline } = pbx.deviceRecords(dn);
    const device = [...registered, ...offline].find((d) => d.id === deviceId);
    if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no device '${deviceId}'`);
    return { ...device, registered: registered.includes(device) };
  };
  const deviceResult = (dn: string, deviceId: string) => {
    const device = knownDevice(dn, deviceId);
    return { deviceId: device.id, userAgent: device.userAgent, directControl: device.directControl, registered: device.registered, behaviour: behaviours.device(dn, device.id) };
  };
  return { pbx, behaviours, clock, removals, pendingDtmf: new Set<TimerHandle>(), requireParty, rtp, partyNow, requireExtension, knownDevice, deviceResult };
}
