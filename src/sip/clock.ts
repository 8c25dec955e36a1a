// The time source the SIP stack needs: the same shape as the PBX clock, declared here so src/sip stays a layer of its own.

/** Opaque handle from {@link SipClock.setTimeout}. */
export type SipTimerHandle = unknown;

/** Timers A-M and connection idle timeouts read this; tests pass a manual clock. */
export interface SipClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): SipTimerHandle;
  clearTimeout(handle: SipTimerHandle | undefined): void;
}
