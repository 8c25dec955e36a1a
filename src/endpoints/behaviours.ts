// The behaviours of simulated devices and external numbers: loaded from configuration, changeable at run time.

import type { Behaviour, PbxConfig } from '../config/types.js';

interface ExternalRule {
  matches(number: string): boolean;
  behaviour: Behaviour;
  callerName: string;
}

/** Looks up what a simulated phone or external number does when a call is offered. */
export class BehaviourStore {
  private readonly devices = new Map<string, Behaviour>();
  private readonly numbers = new Map<string, { behaviour: Behaviour; callerName: string }>();
  private readonly rules: ExternalRule[];
  private readonly defaultExternal: Behaviour;
  /** Behaviour of a device registered at run time without one. */
  readonly defaultDevice: Behaviour = { kind: 'answer', afterMs: 1000 };

  constructor(private readonly config: PbxConfig) {
    this.reset();
    this.rules = config.external.numbers.map((rule) => {
      if ('number' in rule) return { matches: (n: string) => n === rule.number, behaviour: rule.behaviour, callerName: rule.callerName };
      const pattern = new RegExp(`^(?:${rule.pattern})$`);
      return { matches: (n: string) => pattern.test(n), behaviour: rule.behaviour, callerName: rule.callerName };
    });
    this.defaultExternal = config.external.defaultBehaviour;
  }

  /** Forgets every run-time change: back to the configured behaviours. */
  reset(): void {
    this.devices.clear();
    this.numbers.clear();
    for (const ext of this.config.extensions) for (const device of ext.devices) this.devices.set(deviceKey(ext.number, device.id), device.behaviour);
  }

  device(dn: string, deviceId: string): Behaviour {
    return this.devices.get(deviceKey(dn, deviceId)) ?? this.defaultDevice;
  }

  setDevice(dn: string, deviceId: string, behaviour: Behaviour): void {
    this.devices.set(deviceKey(dn, deviceId), behaviour);
  }

  external(number: string): Behaviour {
    return this.numbers.get(number)?.behaviour ?? this.rules.find((rule) => rule.matches(number))?.behaviour ?? this.defaultExternal;
  }

  externalCallerName(number: string): string {
    return this.numbers.get(number)?.callerName ?? this.rules.find((rule) => rule.matches(number))?.callerName ?? '';
  }

  /** Overrides one external number's behaviour (taking precedence over configured rules). */
  setExternal(number: string, behaviour: Behaviour, callerName?: string): void {
    this.numbers.set(number, { behaviour, callerName: callerName ?? this.externalCallerName(number) });
  }
}

function deviceKey(dn: string, deviceId: string): string {
  return `${dn}\u0000${deviceId}`;
}
