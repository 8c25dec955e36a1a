// Core views to 3CX wire objects (snake_case, fixed key order) and the {finalstatus, reason, result, reasontext} body.

import type { DeviceView, DnView, ParticipantView } from '../core/types.js';
import type { ResolvedError } from './errors.js';
import type { ResultBody, WireDevice, WireDnInfo, WireParticipant } from './schemas.js';

export function wireParticipant(p: ParticipantView): WireParticipant {
  return {
    id: p.id,
    status: p.status,
    dn: p.dn,
    party_caller_name: p.partyCallerName,
    party_dn: p.partyDn,
    party_caller_id: p.partyCallerId,
    party_did: p.partyDid,
    device_id: p.deviceId,
    party_dn_type: p.partyDnType,
    direct_control: p.directControl,
    originated_by_dn: p.originatedByDn,
    originated_by_type: p.originatedByType,
    referred_by_dn: p.referredByDn,
    referred_by_type: p.referredByType,
    on_behalf_of_dn: p.onBehalfOfDn,
    on_behalf_of_type: p.onBehalfOfType,
    callid: p.callId,
    legid: p.legId,
  };
}

export function wireDevice(d: DeviceView): WireDevice {
  return { dn: d.dn, device_id: d.deviceId, user_agent: d.userAgent };
}

export function wireDnInfo(dn: DnView): WireDnInfo {
  return { dn: dn.dn, type: dn.type, devices: dn.devices.map(wireDevice), participants: dn.participants.map(wireParticipant) };
}

/** A success body (200, or 202 while the outcome is pending). */
export function successBody(participant: ParticipantView | undefined, reasontext: string): ResultBody {
  return { finalstatus: 'Success', reason: 'None', result: participant ? wireParticipant(participant) : null, reasontext };
}

/** An error body: `result` is always null. */
export function errorBody(error: ResolvedError): ResultBody {
  return { finalstatus: error.finalstatus, reason: error.code, result: null, reasontext: error.message };
}
