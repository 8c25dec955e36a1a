// Views of the simulated world for /sim: DNs with device behaviours, calls, and the simulated parties.

import { ManualClock, type Clock } from '../core/clock.js';
import type { Pbx } from '../core/pbx.js';
import type { ParticipantDetail } from '../core/types.js';
import type { BehaviourStore } from '../endpoints/behaviours.js';
import { NO_RTP, type RtpLookup } from './rtp.js';

/** A participant as /sim shows it; `rtp` gives the figures of its RTP session, when it has one. */
export function toSimParticipant(detail: ParticipantDetail, rtp: RtpLookup = NO_RTP) {
  const session = rtp(detail.id);
  return {
    id: detail.id,
    dn: detail.dn,
    status: detail.status,
    deviceId: detail.deviceId,
    number: detail.number,
    name: detail.name,
    partyDn: detail.partyDn,
    partyCallerId: detail.partyCallerId,
    partyCallerName: detail.partyCallerName,
    directControl: detail.directControl,
    held: detail.held,
    peerId: detail.peerId,
    attachedData: detail.attachedData,
    callId: detail.callId,
    legId: detail.legId,
    ...(session ? { rtp: session } : {}),
  };
}

/** A participant of an extension is its phone; one of a trunk is the external person. */
export function partyOf(pbx: Pbx, detail: ParticipantDetail, rtp: RtpLookup = NO_RTP) {
  return { ...toSimParticipant(detail, rtp), kind: pbx.dnKind(detail.dn) === 'externalline' ? ('external' as const) : ('phone' as const) };
}

/** Everything /sim/state shows; `rtp` adds RTP figures to the participants that have a session (the live feed passes none). */
export function buildState(pbx: Pbx, behaviours: BehaviourStore, clock: Clock, rtp: RtpLookup = NO_RTP) {
  const dns = pbx.listDns().map((dn) => {
    const { registered, offline } = pbx.deviceRecords(dn.dn);
    const device = (d: (typeof registered)[number], isRegistered: boolean) => ({
      deviceId: d.id,
      userAgent: d.userAgent,
      directControl: d.directControl,
      registered: isRegistered,
      behaviour: dn.kind === 'extension' ? behaviours.device(dn.dn, d.id) : null,
    });
    return {
      dn: dn.dn,
      type: dn.type,
      kind: dn.kind,
      name: dn.name,
      autoAnswer: dn.kind === 'routepoint' ? pbx.isAutoAnswer(dn.dn) : null,
      devices: [...registered.map((d) => device(d, true)), ...offline.map((d) => device(d, false))],
    };
  });
  const calls = pbx.listCalls().map((call) => ({ callId: call.callId, did: call.did, participants: call.participants.map((p) => toSimParticipant(p, rtp)) }));
  const parties = pbx
    .listCalls()
    .flatMap((call) => call.participants)
    .filter((p) => {
      const kind = pbx.dnKind(p.dn);
      return kind === 'extension' || kind === 'externalline';
    })
    .map((p) => partyOf(pbx, p, rtp));
  return { clock: { now: new Date(clock.now()).toISOString(), fake: clock instanceof ManualClock }, dns, calls, parties };
}
