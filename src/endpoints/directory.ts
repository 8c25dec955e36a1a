// Builds the endpoints of the simulated PBX (a factory per DN kind, cached per device until released) and connects them to the core.

import { outboundRules } from '../config/outbound.js';
import type { PbxConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Endpoint, EndpointDirectory } from '../core/endpoint.js';
import type { DnKind } from '../core/types.js';
import { Pbx } from '../core/pbx.js';
import { EndpointAudio } from '../media/endpoint-audio.js';
import type { PartyMediaStore } from '../media/party-media.js';
import { BehaviourStore } from './behaviours.js';
import { IvrEndpoint } from './ivr.js';
import { QueueEndpoint } from './queue.js';
import { RoutePointEndpoint } from './route-point.js';
import { SimulatedParty } from './simulated-party.js';

/** Makes the endpoint of one device of a DN. */
type DeviceFactory = (dn: string, deviceId: string) => Endpoint;

/** Finds the endpoint of every device and external number of a configured PBX. */
export class SimulatedEndpoints implements EndpointDirectory {
  /** One endpoint per device, kept while the device is registered (see {@link release}). */
  private readonly byDevice = new Map<string, Endpoint>();
  /** Devices that are not simulated (SIP-registered phones) take their endpoint from here first. */
  private override: ((dn: string, deviceId: string) => Endpoint | undefined) | undefined;
  /** The factory of each DN kind; a trunk's device is a simulated party like an extension's phone. */
  private readonly factories: Readonly<Record<DnKind, DeviceFactory>>;

  constructor(
    private readonly pbx: Pbx,
    private readonly clock: Clock,
    private readonly config: PbxConfig,
    readonly behaviours: BehaviourStore,
    /** Prompts, hold music and party media behaviours the endpoints play. */
    readonly audio: EndpointAudio,
  ) {
    const simulated: DeviceFactory = (dn, deviceId) => {
      const media = this.audio.partyMedia;
      return new SimulatedParty(this.clock, () => this.behaviours.device(dn, deviceId), () => media.createSource(media.forDevice(dn, deviceId)));
    };
    this.factories = {
      routepoint: (dn) => new RoutePointEndpoint(() => this.pbx.isAutoAnswer(dn)),
      ivr: (dn) => new IvrEndpoint(this.pbx, this.clock, this.findOrThrow(this.config.ivrs, dn), this.audio.ivrPrompt(dn)),
      queue: (dn) => new QueueEndpoint(this.pbx, this.clock, this.findOrThrow(this.config.queues, dn), this.audio.holdMusic(dn)),
      extension: simulated,
      externalline: simulated,
    };
  }

  /** Lets another kind of device (SIP phones) answer for the devices it knows; the rest stay simulated. */
  setDeviceOverride(override: (dn: string, deviceId: string) => Endpoint | undefined): void {
    this.override = override;
  }

  /** Drops the cached endpoint of a device that is gone, so the cache holds registered devices only. */
  release(dn: string, deviceId: string): void {
    this.byDevice.delete(deviceKey(dn, deviceId));
  }

  /** Endpoints cached, one per device that has been offered a call and not released. */
  get cachedEndpoints(): number {
    return this.byDevice.size;
  }

  device(dn: string, deviceId: string): Endpoint {
    const other = this.override?.(dn, deviceId);
    if (other) return other;
    const key = deviceKey(dn, deviceId);
    let endpoint = this.byDevice.get(key);
    if (!endpoint) {
      endpoint = this.create(dn, deviceId);
      this.byDevice.set(key, endpoint);
    }
    return endpoint;
  }

  external(number: string): Endpoint {
    // One per leg: its only state is the pending answer timer of that leg.
    const media = this.audio.partyMedia;
    return new SimulatedParty(this.clock, () => this.behaviours.external(number), () => media.createSource(media.forNumber(number)));
  }

  externalCallerName(number: string): string {
    return this.behaviours.externalCallerName(number);
  }

  private create(dn: string, deviceId: string): Endpoint {
    // An unknown DN cannot be offered a call; a simulated party keeps the old behaviour if the core ever asks.
    return this.factories[this.pbx.dnKind(dn) ?? 'extension'](dn, deviceId);
  }

  private findOrThrow<T extends { number: string }>(list: T[], dn: string): T {
    const found = list.find((entry) => entry.number === dn);
    if (!found) throw new Error(`DN ${dn} is not configured`);
    return found;
  }
}

function deviceKey(dn: string, deviceId: string): string {
  return `${dn}\u0000${deviceId}`;
}

export interface SimulatedPbx {
  pbx: Pbx;
  endpoints: SimulatedEndpoints;
  behaviours: BehaviourStore;
  /** Media behaviours of the simulated parties (the /sim plane changes them; the media engine reports them). */
  partyMedia: PartyMediaStore;
}

/** The PBX of `config` with every party simulated: the embedded demo, tests, and /sim all run on this. */
export function createSimulatedPbx(config: PbxConfig, clock: Clock, onInternalError?: (error: unknown, context: string) => void): SimulatedPbx {
  const pbx = new Pbx({ clock, config, onInternalError, outboundRules: outboundRules(config) });
  const behaviours = new BehaviourStore(config);
  const audio = new EndpointAudio(config, onInternalError ?? ((error, context) => console.error(`switchboard: ${context}:`, error)));
  const endpoints = new SimulatedEndpoints(pbx, clock, config, behaviours, audio);
  pbx.attachEndpoints(endpoints);
  // A device that unregisters gives up its endpoint; re-registering it makes a fresh one.
  pbx.subscribe((event) => {
    if (event.type === 'device-removed') endpoints.release(event.device.dn, event.device.deviceId);
  });
  return { pbx, endpoints, behaviours, partyMedia: audio.partyMedia };
}
