// Test factory for the core: the demo PBX (or a given config) on a manual clock, with every domain event recorded.

import assert from 'node:assert/strict';
import { demoConfig } from '../../src/config/demo.js';
import type { PbxConfig } from '../../src/config/types.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Pbx } from '../../src/core/pbx.js';
import type { CallView, PbxEvent } from '../../src/core/types.js';
import { createSimulatedPbx, type SimulatedPbx } from '../../src/endpoints/directory.js';

export const TEST_DEMO_SECRET = 'test-demo-secret';

export interface TestPbx extends SimulatedPbx {
  clock: ManualClock;
  config: PbxConfig;
  events: PbxEvent[];
  /** Events since the last call, as short lines: `+100#3 Ringing`, `-100#3 no-answer`, `dtmf 800#2 1`, `device+ 101 id`. */
  log(): string[];
}

/** The demo PBX (or `config`) with a manual clock. Internal errors fail the test instead of being logged. */
export function startPbx(config: PbxConfig = demoConfig({ demoSecret: TEST_DEMO_SECRET })): TestPbx {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const sim = createSimulatedPbx(config, clock, (error) => errors.push(error));
  const events: PbxEvent[] = [];
  let read = 0;
  sim.pbx.subscribe((event) => {
    events.push(event);
    if (errors.length > 0) throw errors[0];
  });
  return {
    ...sim,
    clock,
    config,
    events,
    log() {
      if (errors.length > 0) throw errors[0];
      // Link events are core-internal (hold and topology): the log shows what the wire shows.
      const lines = events.slice(read).filter((event) => event.type !== 'participant-link').map(describeEvent);
      read = events.length;
      return lines;
    },
  };
}

export function describeEvent(event: PbxEvent): string {
  switch (event.type) {
    case 'participant-upserted':
      return `+${event.participant.dn}#${event.participant.id} ${event.participant.status}`;
    case 'participant-removed':
      return `-${event.participant.dn}#${event.participant.id} ${event.cause}`;
    case 'dtmf':
      return `dtmf ${event.dn}#${event.participantId} ${event.digits}`;
    case 'playback-finished':
      return `played ${event.dn}#${event.participantId}`;
    case 'participant-link':
      return `link ${event.dn}#${event.participantId} ${event.link.held ? 'held' : 'unheld'} peer=${event.link.peerId ?? '-'}`;
    case 'device-added':
      return `device+ ${event.device.dn} ${event.device.deviceId}`;
    case 'device-removed':
      return `device- ${event.device.dn} ${event.device.deviceId}`;
    case 'participant-data':
      return `data ${event.dn}#${event.participantId}`;
  }
}

/** The one participant of `dn`, failing the test if there is not exactly one. */
export function only(pbx: Pbx, dn: string) {
  const participants = pbx.listParticipants(dn);
  assert.equal(participants.length, 1, `expected exactly one participant on ${dn}, found ${participants.length}`);
  return participants[0]!;
}

/**
 * Checks the PBX's structural invariants: a call is never left half torn down.
 * - every participant belongs to a live call, and every call has a participant;
 * - a Connected participant that is not held talks to a live Connected participant that talks back;
 * - a Dialing participant has someone ringing for it;
 * - a Ringing participant is either offered by a live party or rung to place a call.
 */
export function assertConsistent(pbx: Pbx): void {
  const calls: CallView[] = pbx.listCalls();
  const byId = new Map(calls.flatMap((call) => call.participants.map((p) => [p.id, p] as const)));
  for (const call of calls) {
    assert.ok(call.participants.length > 0, `call ${call.callId} has no participants`);
    for (const p of call.participants) {
      assert.equal(p.callId, call.callId);
      assert.deepEqual(pbx.getParticipant(p.dn, p.id), Object.fromEntries(Object.entries(p).filter(([k]) => !['number', 'name', 'held', 'attachedData', 'peerId'].includes(k))));
      if (p.status === 'Connected' && !p.held) {
        assert.notEqual(p.peerId, null, `connected participant ${p.id} has no peer`);
        const peer = byId.get(p.peerId!);
        assert.ok(peer, `peer ${p.peerId} of ${p.id} is gone`);
        assert.equal(peer.peerId, p.id, `peer ${peer.id} of ${p.id} talks to ${peer.peerId}`);
        assert.equal(peer.status, 'Connected');
      }
      if (p.status === 'Dialing') {
        assert.ok(
          call.participants.some((other) => other.status === 'Ringing' && other.peerId === p.id),
          `dialing participant ${p.id} has nobody ringing for it`,
        );
      }
      if (p.status === 'Ringing' && p.peerId !== null) assert.ok(byId.get(p.peerId), `ringing ${p.id} is offered by a participant that is gone`);
    }
  }
}
