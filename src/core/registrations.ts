// Device registrations: the commands that bind, unbind and configure the devices of DNs, announced as device events.

import { CoreError, ErrorCodes } from './errors.js';
import { PbxQueries } from './queries.js';
import type { DeviceBinding, Registry } from './registry.js';
import type { Runner } from './runner.js';
import type { Topology } from './topology.js';
import type { DeviceView } from './types.js';
import { deviceView } from './views.js';

/** The device commands of {@link Pbx} (and its queries, inherited). */
export class PbxRegistrations extends PbxQueries {
  protected constructor(
    registry: Registry,
    topology: Topology,
    protected readonly runner: Runner,
  ) {
    super(registry, topology);
  }

  /** Registers a device on an extension (a configured offline device, or a new one). Errors: DnNotFound, InvalidArgument. */
  registerDevice(dn: string, device: { id: string; userAgent?: string; directControl?: boolean }): DeviceView {
    return this.runner.run(() => {
      const record = this.registry.require(dn);
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
    return this.runner.run(() => this.applyBinding(dn, binding));
  }

  private applyBinding(dn: string, binding: DeviceBinding): DeviceView {
    const { device, change } = this.registry.bind(dn, binding);
    if (change !== 'unchanged') this.runner.emit({ type: 'device-added', device: deviceView(device) });
    return deviceView(device);
  }

  /** Unregisters a device; its participants leave their calls. Errors: DnNotFound, DeviceNotFound. */
  unregisterDevice(dn: string, deviceId: string): DeviceView {
    return this.runner.run(() => {
      const record = this.registry.require(dn);
      if (!record.devices.has(deviceId)) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no registered device '${deviceId}'`);
      if (record.kind !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `only extension devices can be unregistered; DN ${dn} is a ${record.kind}`);
      for (const leg of this.topology.legsOf(record)) {
        if (leg.deviceId === deviceId) this.topology.removeLeg(leg, 'unregistered');
      }
      const device = this.registry.release(record, deviceId);
      this.runner.emit({ type: 'device-removed', device: deviceView(device) });
      return deviceView(device);
    });
  }

  /** Turns uaCSTA direct control of a registered extension device on or off; applies to calls offered from now on. */
  setDirectControl(dn: string, deviceId: string, directControl: boolean): void {
    this.registry.setDirectControl(dn, deviceId, directControl);
  }

  /** Route point setting, also changeable at run time by the simulation plane. */
  setAutoAnswer(dn: string, autoAnswer: boolean): void {
    this.registry.setAutoAnswer(dn, autoAnswer);
  }

  /** Puts devices and route point auto-answer back as configured, announcing every device that comes or goes. */
  protected resetDevices(): void {
    this.registry.resetDevices((change, device) => this.runner.emit({ type: change === 'added' ? 'device-added' : 'device-removed', device: deviceView(device) }));
  }
}
