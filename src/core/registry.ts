// The DN and device registry: which DNs exist, which devices are bound to each, DIDs, and device binding refresh.

import { CoreError, ErrorCodes } from './errors.js';
import type { DeviceRecord, DnRecord } from './model.js';
import type { DnKind } from './types.js';

/** What a device registration says about the device: the binding a registrar (or /sim) hands the core. */
export interface DeviceBinding {
  deviceId: string;
  userAgent?: string;
  directControl?: boolean;
  /** Where the device is reached (a SIP contact URI); absent for simulated phones. */
  contact?: string;
  /** Clock time in ms at which the binding lapses; absent for bindings that do not expire. */
  expiresAt?: number;
}

/** How a binding changed the registry: a new device, a refresh that changed what clients see, or a silent refresh. */
export type BindingChange = 'added' | 'refreshed' | 'unchanged';

/** The part of a PBX plan the registry is built from (the configuration satisfies it; the core does not know its file shape). */
export interface RegistryPlan {
  extensions: readonly { number: string; name: string; devices: readonly { id: string; userAgent: string; directControl: boolean; registered: boolean }[] }[];
  routePoints: readonly { number: string; name: string; autoAnswer: boolean; device: { id: string; userAgent: string } }[];
  ivrs: readonly { number: string; name: string; device: { id: string; userAgent: string } }[];
  queues: readonly { number: string; name: string; device: { id: string; userAgent: string } }[];
  trunks: readonly { number: string; name: string; device: { id: string; userAgent: string }; dids: readonly { number: string; destination: string }[] }[];
}

/** What the core is built from: the registry's plan and the default ring timeout. The configuration satisfies it. */
export interface PbxPlan extends RegistryPlan {
  server: { ringTimeoutSeconds: number };
}

const DEFAULT_USER_AGENT = 'Switchboard SimPhone 1.0';
const MAX_DEVICE_ID_CHARS = 256;

/** DNs by number, with their devices; DIDs by number. Knows nothing of calls. */
export class Registry {
  readonly dns = new Map<string, DnRecord>();
  readonly didRoutes = new Map<string, { trunk: DnRecord; destination: string }>();

  constructor(private readonly plan: RegistryPlan) {
    const system = (number: string, device: { id: string; userAgent: string }): DeviceRecord => ({ dn: number, id: device.id, userAgent: device.userAgent, directControl: true });
    for (const ext of plan.extensions) {
      const toRecord = (d: (typeof ext.devices)[number]): DeviceRecord => ({ dn: ext.number, id: d.id, userAgent: d.userAgent, directControl: d.directControl });
      this.add(ext.number, 'extension', ext.name, ext.devices.filter((d) => d.registered).map(toRecord), ext.devices.filter((d) => !d.registered).map(toRecord));
    }
    for (const rp of plan.routePoints) this.add(rp.number, 'routepoint', rp.name, [system(rp.number, rp.device)], [], rp.autoAnswer);
    for (const ivr of plan.ivrs) this.add(ivr.number, 'ivr', ivr.name, [system(ivr.number, ivr.device)]);
    for (const queue of plan.queues) this.add(queue.number, 'queue', queue.name, [system(queue.number, queue.device)]);
    for (const trunk of plan.trunks) {
      const record = this.add(trunk.number, 'externalline', trunk.name, [system(trunk.number, trunk.device)]);
      for (const did of trunk.dids) this.didRoutes.set(did.number, { trunk: record, destination: did.destination });
    }
  }

  /** Throws DnNotFound. */
  require(number: string): DnRecord {
    const record = this.dns.get(number);
    if (!record) throw new CoreError(ErrorCodes.DN_NOT_FOUND, `DN ${number} does not exist`);
    return record;
  }

  /**
   * Binds a device to an extension. The same device id binding again refreshes it in place (user agent, control,
   * contact, expiry), so a phone that re-registers keeps its calls. Errors: DnNotFound, NotSupported, InvalidArgument.
   */
  bind(dn: string, binding: DeviceBinding): { device: DeviceRecord; change: BindingChange } {
    const record = this.require(dn);
    if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `devices can only be registered on extensions; DN ${dn} is a ${record.kind}`);
    const id = binding.deviceId;
    if (id.length === 0 || id.length > MAX_DEVICE_ID_CHARS) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `device id must be 1-${MAX_DEVICE_ID_CHARS} characters`);
    const current = record.devices.get(id);
    if (current) return { device: current, change: refresh(current, binding) ? 'refreshed' : 'unchanged' };
    const known = record.offline.get(id);
    const device: DeviceRecord = {
      dn,
      id,
      userAgent: binding.userAgent ?? known?.userAgent ?? DEFAULT_USER_AGENT,
      directControl: binding.directControl ?? known?.directControl ?? false,
      ...(binding.contact !== undefined ? { contact: binding.contact } : {}),
      ...(binding.expiresAt !== undefined ? { expiresAt: binding.expiresAt } : {}),
    };
    record.offline.delete(id);
    record.devices.set(id, device);
    return { device, change: 'added' };
  }

  /** Moves a registered device to the offline set. Errors: DeviceNotFound, NotSupported. */
  release(record: DnRecord, deviceId: string): DeviceRecord {
    const device = record.devices.get(deviceId);
    if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${record.number} has no registered device '${deviceId}'`);
    if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `only extension devices can be unregistered; DN ${record.number} is a ${record.kind}`);
    record.devices.delete(deviceId);
    record.offline.set(deviceId, device);
    return device;
  }

  /** The first trunk configured, if any. */
  firstTrunk(): DnRecord | undefined {
    for (const record of this.dns.values()) if (record.kind === 'externalline') return record;
    return undefined;
  }

  /** A registered device of `dn` that may place a call. Throws DeviceNotRegistered or DeviceNotFound. */
  requireOriginDevice(dn: DnRecord, deviceId: string): DeviceRecord {
    const device = dn.devices.get(deviceId);
    if (device) return device;
    if (dn.offline.has(deviceId)) throw new CoreError(ErrorCodes.DEVICE_NOT_REGISTERED, `device '${deviceId}' of DN ${dn.number} is not registered`);
    throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn.number} has no device '${deviceId}'`);
  }

  /** Turns direct control of a registered or offline extension device on or off. Errors: DnNotFound, DeviceNotFound, NotSupported. */
  setDirectControl(dn: string, deviceId: string, directControl: boolean): void {
    const record = this.require(dn);
    const device = record.devices.get(deviceId) ?? record.offline.get(deviceId);
    if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no device '${deviceId}'`);
    if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `only extension devices have a direct control setting; DN ${dn} is a ${record.kind}`);
    device.directControl = directControl;
  }

  /** Route points only. Errors: DnNotFound, NotSupported. */
  setAutoAnswer(dn: string, autoAnswer: boolean): void {
    const record = this.require(dn);
    if (record.kind !== 'routepoint') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `DN ${dn} is not a route point`);
    record.autoAnswer = autoAnswer;
  }

  /**
   * Puts devices (registrations, user agents, direct control) and route point auto-answer back as planned, calling
   * `announce` for each device that comes or goes, as it does.
   */
  resetDevices(announce: (change: 'added' | 'removed', device: DeviceRecord) => void): void {
    for (const ext of this.plan.extensions) {
      const record = this.require(ext.number);
      const planned = new Map(ext.devices.map((d) => [d.id, d]));
      for (const device of [...record.devices.values()]) {
        if (planned.get(device.id)?.registered) continue;
        record.devices.delete(device.id);
        announce('removed', device);
      }
      record.offline.clear();
      for (const d of ext.devices) {
        const device: DeviceRecord = { dn: ext.number, id: d.id, userAgent: d.userAgent, directControl: d.directControl };
        if (!d.registered) {
          record.offline.set(d.id, device);
        } else {
          const known = record.devices.has(d.id);
          record.devices.set(d.id, device);
          if (!known) announce('added', device);
        }
      }
    }
    for (const rp of this.plan.routePoints) this.require(rp.number).autoAnswer = rp.autoAnswer;
  }

  private add(number: string, kind: DnKind, name: string, devices: DeviceRecord[], offline: DeviceRecord[] = [], autoAnswer = false): DnRecord {
    const record: DnRecord = { number, kind, name, devices: new Map(devices.map((d) => [d.id, d])), offline: new Map(offline.map((d) => [d.id, d])), autoAnswer };
    this.dns.set(number, record);
    return record;
  }
}

/** Applies a repeated binding to the registered record; true when a field a client sees (the user agent) changed. */
function refresh(device: DeviceRecord, binding: DeviceBinding): boolean {
  const visibleChange = binding.userAgent !== undefined && binding.userAgent !== device.userAgent;
  if (binding.userAgent !== undefined) device.userAgent = binding.userAgent;
  if (binding.directControl !== undefined) device.directControl = binding.directControl;
  if (binding.contact !== undefined) device.contact = binding.contact;
  if (binding.expiresAt !== undefined) device.expiresAt = binding.expiresAt;
  return visibleChange;
}

/** The DN's first device (a trunk's, a route point's). Throws DestinationNotRegistered when it has none. */
export function firstDevice(dn: DnRecord): DeviceRecord {
  const device = dn.devices.values().next().value;
  if (!device) throw new CoreError(ErrorCodes.DESTINATION_NOT_REGISTERED, `DN ${dn.number} has no device`);
  return device;
}
