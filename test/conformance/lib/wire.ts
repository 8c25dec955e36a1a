// The wire shapes of PROTOCOL.md, as assertions: participants, devices, DN info, results, errors, tokens, frames.

import assert from 'node:assert/strict';
import type { HttpResponse } from './http.js';

export const PARTICIPANT_KEYS = [
  'id',
  'status',
  'dn',
  'party_caller_name',
  'party_dn',
  'party_caller_id',
  'party_did',
  'device_id',
  'party_dn_type',
  'direct_control',
  'originated_by_dn',
  'originated_by_type',
  'referred_by_dn',
  'referred_by_type',
  'on_behalf_of_dn',
  'on_behalf_of_type',
  'callid',
  'legid',
] as const;

/** The DN type names of PROTOCOL.md §3, plus "None" for unset type fields. */
export const DN_TYPES = ['Wroutepoint', 'Wextension', 'Wivr', 'Wqueue', 'Wexternalline', 'Wspecialmenu'] as const;
export const STATUSES = ['Dialing', 'Ringing', 'Connected'] as const;
export const REASONS = [
  'None',
  'NoAnswer',
  'PhoneBusy',
  'PhoneNotRegistered',
  'ForwardAll',
  'BasedOnCallerID',
  'BasedOnDID',
  'OutOfOfficeHours',
  'BreakTime',
  'Holiday',
  'OfficeHours',
  'NoDestinations',
  'Polling',
  'CallbackRequested',
  'Callback',
] as const;

export const EventType = { Upsert: 0, Remove: 1, DTMFstring: 2, PromptPlaybackFinished: 3, Response: 4 } as const;

export interface Participant {
  id: number;
  status: string;
  dn: string;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_did: string;
  device_id: string;
  party_dn_type: string;
  direct_control: boolean;
  originated_by_dn: string;
  originated_by_type: string;
  referred_by_dn: string;
  referred_by_type: string;
  on_behalf_of_dn: string;
  on_behalf_of_type: string;
  callid: number;
  legid: number;
}

export interface Device {
  dn: string;
  device_id: string;
  user_agent: string;
}

export interface DnInfo {
  dn: string;
  type: string;
  devices: Device[];
  participants: Participant[];
}

export interface Result {
  finalstatus: string;
  reason: string;
  result: Participant | null;
  reasontext: string;
}

const typeField = (value: unknown, what: string) => assert.ok(value === 'None' || (DN_TYPES as readonly string[]).includes(value as string), `${what}: ${String(value)}`);

/** Every field present, in order, with its type; status and type fields from the known names. */
export function assertParticipant(value: unknown, expected: Partial<Participant> = {}): Participant {
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `a participant object: ${JSON.stringify(value)}`);
  assert.deepEqual(Object.keys(value), [...PARTICIPANT_KEYS]);
  const p = value as Participant;
  assert.ok(Number.isInteger(p.id) && p.id >= 0 && p.id <= 2_147_483_647, 'id is an int32');
  assert.ok((STATUSES as readonly string[]).includes(p.status), `status ${p.status}`);
  for (const key of PARTICIPANT_KEYS) {
    if (key === 'id' || key === 'callid' || key === 'legid') assert.ok(Number.isInteger(p[key]), `${key} is an integer`);
    else if (key === 'direct_control') assert.equal(typeof p[key], 'boolean');
    else assert.equal(typeof p[key], 'string', `${key} is a string`);
  }
  for (const key of ['party_dn_type', 'originated_by_type', 'referred_by_type', 'on_behalf_of_type'] as const) typeField(p[key], key);
  // Unset DN fields are "" exactly when their type is "None".
  for (const [dn, type] of [['originated_by_dn', 'originated_by_type'], ['referred_by_dn', 'referred_by_type'], ['on_behalf_of_dn', 'on_behalf_of_type']] as const) {
    assert.equal(p[dn] === '', p[type] === 'None', `${dn} '${p[dn]}' with ${type} '${p[type]}'`);
  }
  for (const [key, want] of Object.entries(expected)) assert.deepEqual(p[key as keyof Participant], want, `participant.${key}`);
  return p;
}

export function assertDevice(value: unknown, dn?: string): Device {
  assert.ok(value && typeof value === 'object', 'a device object');
  assert.deepEqual(Object.keys(value), ['dn', 'device_id', 'user_agent']);
  const d = value as Device;
  for (const key of ['dn', 'device_id', 'user_agent'] as const) assert.equal(typeof d[key], 'string');
  assert.notEqual(d.device_id, '');
  if (dn !== undefined) assert.equal(d.dn, dn);
  return d;
}

export function assertDnInfo(value: unknown, dn?: string): DnInfo {
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), 'a DN info object');
  assert.deepEqual(Object.keys(value), ['dn', 'type', 'devices', 'participants']);
  const info = value as DnInfo;
  assert.equal(typeof info.dn, 'string');
  if (dn !== undefined) assert.equal(info.dn, dn);
  assert.ok((DN_TYPES as readonly string[]).includes(info.type), `type ${info.type}`);
  assert.ok(Array.isArray(info.devices) && Array.isArray(info.participants));
  for (const device of info.devices) assertDevice(device, info.dn);
  for (const participant of info.participants) {
    const p = assertParticipant(participant, { dn: info.dn });
    // A participant's device is one of its DN's devices.
    assert.ok(info.devices.some((d) => d.device_id === p.device_id), `participant ${p.id} device ${p.device_id} is listed`);
  }
  return info;
}

function assertResultShape(value: unknown): Result {
  assert.ok(value && typeof value === 'object', `a result body: ${JSON.stringify(value)}`);
  assert.deepEqual(Object.keys(value).sort(), ['finalstatus', 'reason', 'reasontext', 'result']);
  const body = value as Result;
  assert.equal(typeof body.reasontext, 'string');
  assert.notEqual(body.reasontext, '');
  return body;
}

/** A 200 (or 202) result: Success, reason None, and the participant (or null where documented). */
export function assertSuccess(response: HttpResponse, status: 200 | 202 = 200): Result {
  assert.equal(response.status, status, response.text);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = assertResultShape(response.json);
  assert.equal(body.finalstatus, 'Success');
  assert.equal(body.reason, 'None');
  if (body.result !== null) assertParticipant(body.result);
  return body;
}

/** The documented error: status, result-shaped body, reason code, result null; finalstatus Failed for 424/500, else Rejected. */
export function assertError(response: HttpResponse, status: number, reason: string): Result {
  assert.equal(response.status, status, response.text);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = assertResultShape(response.json);
  assert.equal(body.reason, reason, response.text);
  assert.equal(body.finalstatus, status === 424 || status >= 500 ? 'Failed' : 'Rejected');
  assert.equal(body.result, null);
  if (status === 401) assert.match(String(response.headers['www-authenticate']), /^Bearer realm="[^"]+"/);
  return body;
}

/** An OAuth2 error of /connect/token: {error, error_description}. */
export function assertOAuthError(response: HttpResponse, status: number, error: string): void {
  assert.equal(response.status, status, response.text);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description']);
  assert.equal(body['error'], error);
  assert.equal(typeof body['error_description'], 'string');
}

export interface JwtClaims {
  sub: string;
  iat: number;
  exp: number;
}

/** The token response of PROTOCOL.md §2, exactly; returns the access token's claims. */
export function assertTokenResponse(response: HttpResponse, clientId: string): { token: string; claims: JwtClaims } {
  assert.equal(response.status, 200, response.text);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.match(String(response.headers['cache-control']), /no-store/);
  const body = response.json as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['token_type', 'expires_in', 'access_token', 'refresh_token']);
  assert.equal(body['token_type'], 'Bearer');
  assert.equal(body['expires_in'], 60);
  assert.equal(body['refresh_token'], null);
  const token = body['access_token'];
  assert.equal(typeof token, 'string');
  const parts = (token as string).split('.');
  assert.equal(parts.length, 3, 'a JWT');
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  assert.equal(header['alg'], 'HS256');
  const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtClaims;
  assert.equal(claims.sub, clientId);
  assert.ok(Number.isInteger(claims.iat) && Number.isInteger(claims.exp), 'iat and exp are NumericDate');
  // Live servers say expires_in 60 while the JWT lives an hour: clients schedule refresh from exp.
  assert.ok(claims.exp > claims.iat + 60, `exp ${claims.exp} outlives expires_in after iat ${claims.iat}`);
  return { token: token as string, claims };
}
