// The registrar's binding store backed by the PBX: each SIP binding is a device of its extension (Upsert/Remove events), expiring on the clock and kept on disk.

import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Pbx } from '../../core/pbx.js';
import type { DeviceBinding } from '../../core/registry.js';
import type { Binding, BindingStore } from '../../sip/registrar.js';
import { readBindings, writeBindings, type StoredBinding } from './binding-file.js';

/** Thrown by put when the PBX will not take the contact as a device (too long, or already a configured device's id). */
export class BindingRefusedError extends Error {
  override readonly name = 'BindingRefusedError';
}

export interface PbxBindingStoreOptions {
  pbx: Pbx;
  clock: Clock;
  /** Folder of sip-bindings.json; null: nothing is kept across restarts. */
  dataDir: string | null;
  /** The extension an address-of-record belongs to, or undefined when none may register (the user part is the extension number). */
  extensionOf(aor: string): string | undefined;
  log(level: 'info' | 'warn', message: string, fields?: Record<string, unknown>): void;
  /** Whether the extension's phones are driven remotely (auto-answer configured): their devices get direct control. */
  directControl?(extension: string): boolean;
}

/**
 * How long a change waits before the file is written, in ms: changes within it are written together. Writing the
 * whole file on every REGISTER made a burst of 10,000 phones spend 70 % of its time writing (docs/benchmarks.md);
 * a crash loses at most this much, and a phone whose binding was lost registers again at its next refresh.
 */
export const BINDINGS_SAVE_DELAY_MS = 1000;

interface Entry {
  binding: StoredBinding;
  timer: TimerHandle;
}

/** Registrations as the PBX sees them: bindings by extension and contact, each with its expiry timer. */
export class PbxBindingStore implements BindingStore {
  private readonly bindings = new Map<string, Entry>();
  /** The same entries by address-of-record, so a REGISTER reads its own bindings without scanning everyone's. */
  private readonly byAor = new Map<string, Map<string, Entry>>();
  private saveTimer: TimerHandle | undefined;

  constructor(private readonly options: PbxBindingStoreOptions) {}

  /** Registers the saved bindings that have not expired and whose extension still takes SIP phones; drops the rest. */
  load(): void {
    if (this.options.dataDir === null) return;
    const now = this.options.clock.now();
    for (const saved of readBindings(this.options.dataDir, (message) => this.options.log('warn', message))) {
      if (saved.expiresAtMs <= now || this.options.extensionOf(saved.aor) !== saved.extension) continue;
      try {
        this.add(saved);
      } catch (error) {
        this.options.log('warn', `saved SIP binding ${saved.contact} of ${saved.extension} not restored: ${(error as Error).message}`);
      }
    }
    this.save();
  }

  list(aor: string): Binding[] {
    return [...(this.byAor.get(aor)?.values() ?? [])].map((entry) => withoutExtension(entry.binding));
  }

  /** Every binding, for the registrations listing. */
  all(): StoredBinding[] {
    return [...this.bindings.values()].map((entry) => ({ ...entry.binding }));
  }

  get size(): number {
    return this.bindings.size;
  }

  put(binding: Binding): void {
    const extension = this.options.extensionOf(binding.aor);
    if (extension === undefined) throw new BindingRefusedError(`${binding.aor} names no extension that takes SIP phones`);
    const existing = this.bindings.get(key(binding.aor, binding.contact));
    if (existing && this.isDevice(extension, binding.contact)) {
      // A refresh: the core's binding moves its expiry in place (an event only if the User-Agent changed).
      this.options.clock.clearTimeout(existing.timer);
      this.options.pbx.bindDevice(extension, deviceBinding(binding, this.options.directControl?.(extension) ?? false));
      this.index({ binding: { ...binding, extension }, timer: this.expiryTimer(binding) });
    } else {
      if (existing) this.options.clock.clearTimeout(existing.timer);
      this.unindex(binding.aor, binding.contact);
      this.add({ ...binding, extension });
    }
    this.save();
  }

  remove(aor: string, contact: string): void {
    const entry = this.bindings.get(key(aor, contact));
    if (!entry) return;
    this.drop(entry.binding);
    this.save();
  }

  /** Stops the expiry timers (the server is stopping) and writes any change not saved yet; bindings stay on disk for the next start. */
  stop(): void {
    for (const entry of this.bindings.values()) this.options.clock.clearTimeout(entry.timer);
    if (this.saveTimer !== undefined) {
      this.options.clock.clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.write();
    }
  }

  private add(binding: StoredBinding): void {
    if (this.isDevice(binding.extension, binding.contact)) throw new BindingRefusedError(`${binding.contact} is already a device of ${binding.extension}`);
    try {
      this.options.pbx.bindDevice(binding.extension, deviceBinding(binding, this.options.directControl?.(binding.extension) ?? false));
    } catch (error) {
      throw new BindingRefusedError((error as Error).message);
    }
    this.index({ binding, timer: this.expiryTimer(binding) });
    this.options.log('info', `SIP phone registered on ${binding.extension}`, { extension: binding.extension, contact: binding.contact, userAgent: binding.userAgent ?? '', source: `${binding.source.host}:${binding.source.port}` });
  }

  private drop(binding: StoredBinding): void {
    const entry = this.bindings.get(key(binding.aor, binding.contact));
    if (entry) this.options.clock.clearTimeout(entry.timer);
    this.unindex(binding.aor, binding.contact);
    // The device may already be gone (a /sim reset removes devices that are not configured).
    if (this.isDevice(binding.extension, binding.contact)) this.options.pbx.unregisterDevice(binding.extension, binding.contact);
    this.options.log('info', `SIP phone unregistered from ${binding.extension}`, { extension: binding.extension, contact: binding.contact });
  }

  private expiryTimer(binding: Binding): TimerHandle {
    const delay = Math.max(0, binding.expiresAtMs - this.options.clock.now());
    return this.options.clock.setTimeout(() => {
      const entry = this.bindings.get(key(binding.aor, binding.contact));
      if (!entry || entry.binding.expiresAtMs > this.options.clock.now()) return;
      this.drop(entry.binding);
      this.save();
    }, delay);
  }

  private isDevice(extension: string, contact: string): boolean {
    return this.options.pbx.deviceRecords(extension).registered.some((device) => device.id === contact);
  }

  private index(entry: Entry): void {
    const { aor, contact } = entry.binding;
    this.bindings.set(key(aor, contact), entry);
    let ofAor = this.byAor.get(aor);
    if (!ofAor) this.byAor.set(aor, (ofAor = new Map()));
    ofAor.set(contact, entry);
  }

  private unindex(aor: string, contact: string): void {
    this.bindings.delete(key(aor, contact));
    const ofAor = this.byAor.get(aor);
    ofAor?.delete(contact);
    if (ofAor?.size === 0) this.byAor.delete(aor);
  }

  /** Writes the file once the changes of the next BINDINGS_SAVE_DELAY_MS are in (see the constant for why). */
  private save(): void {
    if (this.options.dataDir === null || this.saveTimer !== undefined) return;
    this.saveTimer = this.options.clock.setTimeout(() => {
      this.saveTimer = undefined;
      this.write();
    }, BINDINGS_SAVE_DELAY_MS);
  }

  private write(): void {
    if (this.options.dataDir === null) return;
    try {
      writeBindings(this.options.dataDir, this.all());
    } catch (error) {
      this.options.log('warn', `cannot save SIP bindings: ${(error as Error).message}`);
    }
  }
}

function key(aor: string, contact: string): string {
  return `${aor}\u0000${contact}`;
}

function withoutExtension(binding: StoredBinding): Binding {
  const { extension: _extension, ...rest } = binding;
  return rest;
}

/** The core's device binding for a SIP registration: the contact is the device id, the registration's expiry its own. */
function deviceBinding(binding: Binding, directControl: boolean): DeviceBinding {
  return { deviceId: binding.contact, userAgent: binding.userAgent ?? '', directControl, contact: binding.contact, expiresAt: binding.expiresAtMs };
}
