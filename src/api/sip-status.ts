// What the API reads of the SIP server (counters for /metrics, registrations for /sim), declared here so the API needs no SIP imports.

export interface SipStatus {
  readonly counters: { transactions: number; registrations: number; authFailures: number; bans: number };
  readonly liveTransactions: number;
  readonly bindingCount: number;
  readonly bannedSources: number;
  registrations(): Array<{ extension: string; aor: string; contact: string; userAgent: string; source: string; expiresInSeconds: number }>;
}
