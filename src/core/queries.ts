// The PBX's read side: DNs, devices, participants and calls as views, without changing anything.

import { CoreError, ErrorCodes } from './errors.js';
import type { MediaPort } from './media-port.js';
import type { DeviceRecord, DnRecord } from './model.js';
import type { Registry } from './registry.js';
import type { Topology } from './topology.js';
import type { CallView, DeviceView, DnKind, DnView, ParticipantDetail, ParticipantLink, ParticipantView } from './types.js';
import { deviceView, dnView, participantDetail, participantLink, participantView } from './views.js';

/** The queries of {@link Pbx}: reads of the registry and the live calls. */
export class PbxQueries {
  protected constructor(
    protected readonly registry: Registry,
    protected readonly topology: Topology,
  ) {}

  listDns(): DnView[] {
    return [...this.registry.dns.values()].map((dn) => dnView(dn, this.topology.legsOf(dn)));
  }

  /** Throws DnNotFound. */
  getDn(number: string): DnView {
    const dn = this.registry.require(number);
    return dnView(dn, this.topology.legsOf(dn));
  }

  hasDn(number: string): boolean {
    return this.registry.dns.has(number);
  }

  dnKind(number: string): DnKind | undefined {
    return this.registry.dns.get(number)?.kind;
  }

  /** Throws DnNotFound. */
  listDevices(dn: string): DeviceView[] {
    return [...this.registry.require(dn).devices.values()].map(deviceView);
  }

  /** Throws DnNotFound or DeviceNotFound. */
  getDevice(dn: string, deviceId: string): DeviceView {
    const device = this.registry.require(dn).devices.get(deviceId);
    if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no registered device '${deviceId}'`);
    return deviceView(device);
  }

  /** Registered and known-but-offline devices of a DN, with their direct control setting (for the simulation plane). */
  deviceRecords(dn: string): { registered: DeviceRecord[]; offline: DeviceRecord[] } {
    const record = this.registry.require(dn);
    return { registered: [...record.devices.values()].map((d) => ({ ...d })), offline: [...record.offline.values()].map((d) => ({ ...d })) };
  }

  isAutoAnswer(dn: string): boolean {
    return this.registry.dns.get(dn)?.autoAnswer ?? false;
  }

  /** Throws DnNotFound. */
  listParticipants(dn: string): ParticipantView[] {
    return this.topology.legsOf(this.registry.require(dn)).map((leg) => participantView(leg));
  }

  /** Whether any participant is on DN `dn` now (false for an unknown DN). */
  hasParticipants(dn: string): boolean {
    const record: DnRecord | undefined = this.registry.dns.get(dn);
    return record !== undefined && (this.topology.legsByDn.get(record)?.size ?? 0) > 0;
  }

  /** Participants on every DN together, counted without building their views. */
  participantCount(): number {
    return this.topology.legs.size;
  }

  /** Throws DnNotFound or ParticipantNotFound (also when the id belongs to another DN). */
  getParticipant(dn: string, id: number): ParticipantView {
    return participantView(this.topology.requireLeg(this.registry.require(dn), id));
  }

  /** The participant with this id on any DN, with what the wire does not carry; undefined when gone. */
  participantDetail(id: number): ParticipantDetail | undefined {
    const leg = this.topology.legs.get(id);
    return leg ? participantDetail(leg) : undefined;
  }

  /** Whether a participant carries audio, is held and whom it talks to, without building its view. */
  participantLink(id: number): ParticipantLink | undefined {
    const leg = this.topology.legs.get(id);
    return leg ? participantLink(leg) : undefined;
  }

  /**
   * The audio port the endpoint of a participant supplies for its leg (`Endpoint.media`), or undefined when the
   * participant is gone or its endpoint has none. The media engine asks once per leg, when the leg needs audio.
   */
  mediaPortOf(id: number): MediaPort | undefined {
    const leg = this.topology.legs.get(id);
    if (!leg || leg.removed) return undefined;
    return leg.endpoint.media?.(leg.control);
  }

  listCalls(): CallView[] {
    return [...this.topology.calls.values()].map((call) => ({ callId: call.id, did: call.did, participants: [...call.legs].map((leg) => participantDetail(leg)) }));
  }

  activeCallCount(): number {
    return this.topology.calls.size;
  }
}
