// A registrar (RFC 3261 §10.3) over a binding store the PBX supplies: digest-authenticated REGISTER, refresh, removal, `*`, expiry.

import { formatNameAddr, type NameAddr } from './address.js';
import { buildResponse, randomToken } from './builders.js';
import { skipQuoted } from './grammar.js';
import type { SipClock } from './clock.js';
import type { DigestServer } from './digest-server.js';
import { contactsOf, callIdOf, cseqOf, expiresOf, toOf, type SipRequest, type SipResponse } from './message.js';
import type { Peer } from './transaction.js';
import { aorKey, isSipUri, parseUri } from './uri.js';

/** One registered contact of an address-of-record. */
export interface Binding {
  /** `sip:100@example.com`: scheme, user and host of To (see aorKey). */
  aor: string;
  /** The contact URI exactly as the phone sent it. */
  contact: string;
  expiresAtMs: number;
  callId: string;
  cseq: number;
  userAgent?: string;
  source: Peer;
}

/** What the registrar needs from storage; the PBX implements it (persistence, device events). Calls are synchronous. */
export interface BindingStore {
  list(aor: string): Binding[];
  /** Adds the binding or refreshes the one with the same aor and contact. */
  put(binding: Binding): void;
  remove(aor: string, contact: string): void;
}

/** Bindings in memory, expiry applied on read: for tests and stand-alone use. */
export class MemoryBindingStore implements BindingStore {
  private readonly byAor = new Map<string, Map<string, Binding>>();

  constructor(private readonly clock: SipClock) {}

  list(aor: string): Binding[] {
    const now = this.clock.now();
    const bindings = this.byAor.get(aor);
    if (!bindings) return [];
    for (const [contact, b] of bindings) if (b.expiresAtMs <= now) bindings.delete(contact);
    return [...bindings.values()];
  }

  put(binding: Binding): void {
    const bindings = this.byAor.get(binding.aor) ?? new Map<string, Binding>();
    bindings.set(binding.contact, binding);
    this.byAor.set(binding.aor, bindings);
  }

  remove(aor: string, contact: string): void {
    this.byAor.get(aor)?.delete(contact);
  }
}

export interface RegistrarOptions {
  clock: SipClock;
  store: BindingStore;
  digest: DigestServer;
  /** The password of an auth user allowed to register `toUser`, or undefined (unknown user, or not theirs). */
  password(authUser: string, toUser: string): string | undefined;
  minExpiresS?: number;
  maxExpiresS?: number;
  defaultExpiresS?: number;
  maxContactsPerAor?: number;
}

/** Handles REGISTER requests; every answer is a complete response for the server transaction. */
export class Registrar {
  private readonly minExpiresS: number;
  private readonly maxExpiresS: number;
  private readonly defaultExpiresS: number;
  private readonly maxContacts: number;
  private readonly toTag = randomToken();

  constructor(private readonly options: RegistrarOptions) {
    this.minExpiresS = options.minExpiresS ?? 60;
    this.maxExpiresS = options.maxExpiresS ?? 3600;
    this.defaultExpiresS = options.defaultExpiresS ?? 3600;
    this.maxContacts = options.maxContactsPerAor ?? 16;
  }

  register(request: SipRequest, source: Peer): SipResponse {
    const to = toOf(request);
    if (!isSipUri(to.uri)) return this.reply(request, 416);
    const toUser = to.uri.user ?? '';
    // Everyone is challenged the same way before anything about the user is looked at (no enumeration).
    const verdict = this.options.digest.verify('REGISTER', request.headers.get('Authorization'), (authUser) => this.options.password(authUser, toUser));
    if (!verdict.ok) {
      const res = this.reply(request, 401);
      for (const challenge of this.options.digest.challenge(verdict.stale)) res.headers.append('WWW-Authenticate', challenge);
      return res;
    }
    const aor = aorKey(to.uri);
    const contacts = contactsOf(request);
    const headerExpires = expiresOf(request);
    if (contacts === '*') return this.unregisterAll(request, aor, headerExpires);
    const raw = request.headers.getAll('Contact');
    const changes: Array<{ contact: NameAddr; uri: string; expiresS: number }> = [];
    for (const [i, contact] of contacts.entries()) {
      if (isSipUri(contact.uri) && contact.uri.headers.length > 0) return this.reply(request, 400, 'Contact With URI Headers');
      const expiresS = this.expiresOf(contact, headerExpires);
      if (expiresS === undefined) return this.reply(request, 400, 'Bad Expires');
      if (expiresS > 0 && expiresS < this.minExpiresS) {
        const res = this.reply(request, 423);
        res.headers.append('Min-Expires', String(this.minExpiresS));
        return res;
      }
      changes.push({ contact, uri: rawContactUri(raw[i] ?? ''), expiresS: Math.min(expiresS, this.maxExpiresS) });
    }
    const callId = callIdOf(request);
    const seq = cseqOf(request).seq;
    const existing = new Map(this.options.store.list(aor).map((b) => [b.contact, b]));
    for (const { uri } of changes) {
      const old = existing.get(uri);
      if (old && old.callId === callId && seq <= old.cseq) return this.reply(request, 500, 'Out Of Order');
    }
    const added = changes.filter((c) => c.expiresS > 0 && !existing.has(c.uri)).length;
    const removed = changes.filter((c) => c.expiresS === 0 && existing.has(c.uri)).length;
    if (existing.size + added - removed > this.maxContacts) return this.reply(request, 403, 'Too Many Contacts');
    const now = this.options.clock.now();
    const userAgent = request.headers.get('User-Agent');
    for (const { uri, expiresS } of changes) {
      if (expiresS === 0) this.options.store.remove(aor, uri);
      else this.options.store.put({ aor, contact: uri, expiresAtMs: now + expiresS * 1000, callId, cseq: seq, source, ...(userAgent === undefined ? {} : { userAgent }) });
    }
    return this.ok(request, aor);
  }

  private unregisterAll(request: SipRequest, aor: string, headerExpires: number | undefined): SipResponse {
    // RFC 3261 §10.2.2: `*` only with Expires: 0 and no other Contact.
    if (headerExpires !== 0) return this.reply(request, 400, 'Wildcard Needs Expires 0');
    for (const b of this.options.store.list(aor)) this.options.store.remove(aor, b.contact);
    return this.ok(request, aor);
  }

  private expiresOf(contact: NameAddr, headerExpires: number | undefined): number | undefined {
    const param = contact.params.get('expires');
    if (param === undefined || param === null) return headerExpires ?? this.defaultExpiresS;
    return /^[0-9]{1,10}$/.test(param) ? Number(param) : undefined;
  }

  /** 200 listing every current binding with its remaining time (§10.3 step 8). */
  private ok(request: SipRequest, aor: string): SipResponse {
    const res = this.reply(request, 200);
    const now = this.options.clock.now();
    for (const b of this.options.store.list(aor)) {
      const left = Math.max(0, Math.ceil((b.expiresAtMs - now) / 1000));
      res.headers.append('Contact', `${formatNameAddr({ uri: parseUri(b.contact), params: new Map() })};expires=${left}`);
    }
    res.headers.append('Date', new Date(now).toUTCString());
    return res;
  }

  private reply(request: SipRequest, status: number, reason?: string): SipResponse {
    return buildResponse(request, status, { toTag: this.toTag, ...(reason === undefined ? {} : { reason }) });
  }
}

/** The URI text of one Contact value as the phone wrote it: inside <...>, or up to the first ; or blank. */
function rawContactUri(value: string): string {
  const text = value.trim();
  const lt = text.indexOf('<', text.startsWith('"') ? skipQuoted(text, 0) : 0);
  if (lt >= 0) return text.slice(lt + 1, text.indexOf('>', lt));
  return text.split(/[;\s]/)[0] ?? '';
}

/** The answer to OPTIONS (RFC 3261 §11.2): the same 200 whatever the Request-URI names, so it reveals no users. */
export function answerOptions(request: SipRequest, capabilities: { allow: readonly string[]; accept: readonly string[]; supported: readonly string[] }): SipResponse {
  const res = buildResponse(request, 200, { toTag: randomToken() });
  res.headers.append('Allow', capabilities.allow.join(', '));
  res.headers.append('Accept', capabilities.accept.join(', '));
  if (capabilities.supported.length > 0) res.headers.append('Supported', capabilities.supported.join(', '));
  return res;
}
