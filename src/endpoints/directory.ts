// Builds the endpoints of the simulated PBX and connects them to the core.

import { outboundRules } from '../config/outbound.js';
import type { PbxConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Endpoint, EndpointDirectory } from '../core/endpoint.js';
import { Pbx } from '../core/pbx.js';
import { BehaviourStore } from './behaviours.js';
import { IvrEndpoint } from './ivr.js';
import { QueueEndpoint } from './queue.js';
import { RoutePointEndpoint } from './route-point.js';
import { SimulatedParty } from './simulated-party.js';

/** Finds the endpoint of every device and external number of a configured PBX. */
export class SimulatedEndpoints implements EndpointDirectory {
  private readonly byDevice = new Map<string, Endpoint>();
  /** Devices that are not simulated (SIP-registered phones) take their endpoint from here first. */
  private override: ((dn: string, deviceId: string) => Endpoint | undefined) | undefined;

  constructor(
    private readonly pbx: Pbx,
    private readonly clock: Clock,
    private readonly config: PbxConfig,
    readonly behaviours: BehaviourStore,
  ) {}

  /** Lets another kind of device (SIP phones) answer for the devices it knows; the rest stay simulated. */
  setDeviceOverride(override: (dn: string, deviceId: string) => Endpoint | undefined): void {
    this.override = override;
  }

  device(dn: string, deviceId: string): Endpoint {
    const other = this.override?.(dn, deviceId);
    if (other) return other;
    const key = `${dn}\u0000${deviceId}`;
    let endpoint = this.byDevice.get(key);
    if (!endpoint) {
      endpoint = this.create(dn, deviceId);
      this.byDevice.set(key, endpoint);
    }
    return endpoint;
  }

  external(number: string): Endpoint {
    // One per leg: its only state is the pending answer timer of that leg.
    return new SimulatedParty(this.clock, () => this.behaviours.external(number));
  }

  externalCallerName(number: string): string {
    return this.behaviours.externalCallerName(number);
  }

  private create(dn: string, deviceId: string): Endpoint {
    switch (this.pbx.dnKind(dn)) {
      case 'routepoint':
        return new RoutePointEndpoint(() => this.pbx.isAutoAnswer(dn));
      case 'ivr':
        return new IvrEndpoint(this.pbx, this.clock, this.findOrThrow(this.config.ivrs, dn));
      case 'queue':
        return new QueueEndpoint(this.pbx, this.clock, this.findOrThrow(this.config.queues, dn));
      default:
        return new SimulatedParty(this.clock, () => this.behaviours.device(dn, deviceId));
    }
  }

  private findOrThrow<T extends { number: string }>(list: T[], dn: string): T {
    const found = list.find((entry) => entry.number === dn);
    if (!found) throw new Error(`DN ${dn} is not configured`);
    return found;
  }
}

export interface SimulatedPbx {
  pbx: Pbx;
  endpoints: SimulatedEndpoints;
  behaviours: BehaviourStore;
}

/** The PBX of `config` with every party simulated: the embedded demo, tests, and /sim all run on this. */
export function createSimulatedPbx(config: PbxConfig, clock: Clock, onInternalError?: (error: unknown, context: string) => void): SimulatedPbx {
  const pbx = new Pbx({ clock, config, onInternalError, outboundRules: outboundRules(config) });
  const behaviours = new BehaviourStore(config);
  const endpoints = new SimulatedEndpoints(pbx, clock, config, behaviours);
  pbx.attachEndpoints(endpoints);
  return { pbx, endpoints, behaviours };
}
