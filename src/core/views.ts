// Wire views of legs, DNs and devices, and the change detection that decides when a participant Upsert is news.

import type { DeviceRecord, DnRecord, Leg } from './model.js';
import { DN_TYPE_NAMES, type DeviceView, type DnView, type ParticipantDetail, type ParticipantLink, type ParticipantView } from './types.js';

/** The participant as the API shows it. */
export function participantView(leg: Leg): ParticipantView {
  return {
    id: leg.id,
    status: leg.status,
    dn: leg.dn.number,
    partyCallerName: leg.party.name,
    partyDn: leg.party.dn,
    partyCallerId: leg.party.callerId,
    partyDid: leg.call.did,
    deviceId: leg.deviceId,
    partyDnType: leg.party.type,
    directControl: leg.directControl,
    originatedByDn: leg.originatedBy.dn,
    originatedByType: leg.originatedBy.type,
    referredByDn: leg.referredBy.dn,
    referredByType: leg.referredBy.type,
    onBehalfOfDn: leg.onBehalfOf.dn,
    onBehalfOfType: leg.onBehalfOf.type,
    callId: leg.call.id,
    legId: leg.legId,
  };
}

/** Whether a leg carries audio, is held and whom it talks to: the topology the media engine follows. */
export function participantLink(leg: Leg): ParticipantLink {
  return { media: carriesMedia(leg), held: leg.held, peerId: peerIdOf(leg) };
}

/** The participant this leg talks to or is offered by, while it is still there. */
function peerIdOf(leg: Leg): number | null {
  const peer = leg.peer;
  return peer && !peer.removed ? peer.id : null;
}

/** Connected, or ringing with early media, or hearing the early media of a destination ringing for it. */
function carriesMedia(leg: Leg): boolean {
  if (leg.status === 'Connected') return true;
  if (leg.status === 'Ringing' && leg.earlyMedia) return true;
  for (const attempt of leg.attemptsAsParty) {
    if (attempt.outcome) continue;
    for (const candidate of attempt.legs) if (candidate.earlyMedia && candidate.status === 'Ringing' && !candidate.removed) return true;
  }
  return false;
}

/** The participant with what /sim and the media engine also need. */
export function participantDetail(leg: Leg): ParticipantDetail {
  return { ...participantView(leg), number: leg.self.callerId, name: leg.self.name, held: leg.held, attachedData: { ...leg.attachedData }, peerId: peerIdOf(leg) };
}

/** A DN with its registered devices and the given legs as participants. */
export function dnView(dn: DnRecord, legs: readonly Leg[]): DnView {
  return {
    dn: dn.number,
    type: DN_TYPE_NAMES[dn.kind],
    kind: dn.kind,
    name: dn.name,
    devices: [...dn.devices.values()].map(deviceView),
    participants: legs.map(participantView),
  };
}

/** A device as the API shows it (never its contact or expiry). */
export function deviceView(device: DeviceRecord): DeviceView {
  return { dn: device.dn, deviceId: device.id, userAgent: device.userAgent };
}

/**
 * The view to announce for a leg, or undefined when a client would see nothing new since the last announcement.
 * Remembers what it returns, so each change is announced once.
 */
export function upsertIfChanged(leg: Leg): ParticipantView | undefined {
  const view = participantView(leg);
  if (leg.lastView && sameView(leg.lastView, view)) return undefined;
  leg.lastView = view;
  return view;
}

/** The leg's link when it differs from the last one announced (and records it as announced), else undefined. */
export function linkIfChanged(leg: Leg): ParticipantLink | undefined {
  const link = participantLink(leg);
  const last = leg.lastLink;
  if (last && last.media === link.media && last.held === link.held && last.peerId === link.peerId) return undefined;
  leg.lastLink = link;
  return link;
}

function sameView(a: ParticipantView, b: ParticipantView): boolean {
  for (const key of Object.keys(a) as (keyof ParticipantView)[]) if (a[key] !== b[key]) return false;
  return true;
}
