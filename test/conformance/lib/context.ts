// What every case gets: the endpoint it runs over, an application session, the topology, the driver, and call set-ups.

import assert from 'node:assert/strict';
import { beforeEach, test, type TestContext } from 'node:test';
import type { CallDriver, Party } from './driver.js';
import { EventClient, participantEntity } from './events.js';
import type { Api, Endpoint } from './http.js';
import type { Target } from './target.js';
import type { Topology } from './topology.js';
import { assertParticipant, EventType, type Participant } from './wire.js';

export const NO_DRIVER = 'needs a call driver to play callers and phones (CONFORMANCE_ADMIN_KEY for Switchboard /sim)';

export interface Case {
  target: Target;
  endpoint: Endpoint;
  api: Api;
  topo: Topology;
}

/** A case that plays callers or phones: skipped with a message when the target has no driver (never in the default run). */
export function driven(c: Case, name: string, fn: (driver: CallDriver, t: TestContext) => Promise<void>): void {
  const driver = c.target.driver;
  if (!driver) {
    test(name, { skip: NO_DRIVER }, () => {});
    return;
  }
  test(name, (t) => fn(driver, t));
}

/** Resets the PBX (through the driver) before each case of the enclosing suite. */
export function resetBeforeEach(c: Case): void {
  beforeEach(async () => {
    await c.target.driver?.reset();
  });
}

/** Opens the application's event socket and closes it when the test ends. */
export async function events(c: Case, t: TestContext): Promise<EventClient> {
  const client = await EventClient.open(c.endpoint, await c.api.token());
  t.after(() => client.close());
  return client;
}

/** GET a participant, checking its shape. */
export async function participant(c: Case, dn: string, id: number): Promise<Participant> {
  const response = await c.api.get(participantEntity(dn, id));
  assert.equal(response.status, 200, response.text);
  return assertParticipant(response.json, { id, dn });
}

/** The participants of a DN, shapes checked. */
export async function participants(c: Case, dn: string): Promise<Participant[]> {
  const response = await c.api.get(`/callcontrol/${dn}/participants`);
  assert.equal(response.status, 200, response.text);
  assert.ok(Array.isArray(response.json));
  return (response.json as unknown[]).map((p) => assertParticipant(p, { dn }));
}

/** The one participant of `dn` in the call, failing unless exactly one. */
export async function onlyParticipant(c: Case, dn: string): Promise<Participant> {
  const list = await participants(c, dn);
  assert.equal(list.length, 1, `one participant on ${dn}: ${JSON.stringify(list)}`);
  return list[0]!;
}

export interface InboundCall {
  caller: Party;
  /** The route point's participant, as the application sees it. */
  app: Participant;
}

/**
 * An external caller dials the route point's DID. With `answered` (the default, auto-answer on), the application's
 * participant is Connected; without, auto-answer is off and it stays Ringing.
 */
export async function callRoutePoint(c: Case, driver: CallDriver, answered = true): Promise<InboundCall> {
  if (!answered) await driver.setAutoAnswer(c.topo.routePoint, false);
  const caller = await driver.callIn(c.topo.caller, c.topo.routePointDid);
  const app = await onlyParticipant(c, c.topo.routePoint);
  assert.equal(app.status, answered ? 'Connected' : 'Ringing');
  // The external caller reaches the DN through the trunk (PROTOCOL.md §3).
  assertParticipant(app, { party_dn_type: 'Wexternalline', party_caller_id: c.topo.caller });
  return { caller, app };
}

/** Waits for the Upsert of a participant of `dn` from frame `from` on, and GETs it: the state clients re-read. */
export async function upserted(c: Case, client: EventClient, dn: string, from = 0): Promise<Participant> {
  const frame = await client.upsertOf(dn, from);
  assert.equal(frame.event.event_type, EventType.Upsert);
  const id = Number(frame.event.entity.split('/').at(-1));
  return participant(c, dn, id);
}

/** Starts a request without waiting for it: for actions whose response waits for an outcome on PBX time. */
export function pending<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {}); // awaited later; never an unhandled rejection meanwhile
  return promise;
}
