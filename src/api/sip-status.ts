// What the API reads of the SIP server (counters for /metrics, registrations for /sim), declared here so the API needs no SIP imports.

export interface SipStatus {
  readonly counters: { transactions: number; registrations: number; authFailures: number; bans: number };
  readonly liveTransactions: number;
  readonly bindingCount: number;
  readonly bannedSources: number;
  registrations(): Array<{ extension: string; aor: string; contact: string; userAgent: string; source: string; expiresInSeconds: number }>;
  /** SIP trunks and their registrations to the providers (absent: no trunks are run). */
  trunks?(): TrunkStatusView[];
}

/** One SIP trunk as /sim and /metrics read it (the shape of TrunkRegistrations.status()). */
export interface TrunkStatusView {
  trunk: string;
  name: string;
  provider: string;
  mode: 'register' | 'peer';
  registration: {
    state: 'unregistered' | 'registering' | 'registered' | 'failed';
    lastStatus: number | null;
    lastReason: string | null;
    expiresInSeconds: number | null;
    nextAttemptInSeconds: number | null;
    registrations: number;
    failures: number;
  } | null;
}
