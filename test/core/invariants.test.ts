// Property test: any sequence of commands, endpoint actions and time leaves the PBX consistent and cleans up fully.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Behaviour } from '../../src/config/types.js';
import { isCoreError } from '../../src/core/errors.js';
import { deviceIds } from '../helpers/demo.js';
import { assertConsistent, startPbx, type TestPbx } from '../helpers/pbx.js';

const DESTINATIONS = ['100', '101', '102', '103', '800', '801', '802', '+15557000001', '+15550001', '+15550002', '+15550003', 'bogus'];
const BEHAVIOURS: Behaviour[] = [{ kind: 'answer', afterMs: 0 }, { kind: 'answer', afterMs: 2000 }, { kind: 'manual' }, { kind: 'busy' }, { kind: 'reject' }, { kind: 'never' }, { kind: 'unreachable' }];

type Step = (t: TestPbx) => void;

/** Gives a step a readable name, so a failing sequence prints as what it did. */
function named(label: string, run: Step): Step {
  return Object.assign(run, { toString: () => label });
}

/** Picks the n-th live participant (modulo), if any. */
function pick(t: TestPbx, n: number) {
  const all = t.pbx.listCalls().flatMap((call) => call.participants);
  return all.length === 0 ? undefined : all[n % all.length];
}

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ dn: fc.constantFrom('100', '101', '800', '801', '802', '103'), to: fc.constantFrom(...DESTINATIONS), timeout: fc.constantFrom(undefined, 0, 5) }).map(
    ({ dn, to, timeout }) => named(`makecall ${dn}->${to} timeout=${timeout}`, (t) => void t.pbx.makeCall({ dn, destination: to, timeoutSeconds: timeout })),
  ),
  fc.record({ to: fc.constantFrom('+15550100', '+15550101', '+15550102', '100', '101', '103') }).map(({ to }) => named(`inbound ->${to}`, (t) => void t.pbx.placeInboundCall({ from: '+15557654321', to }))),
  fc.record({ n: fc.nat(), action: fc.constantFrom('drop', 'answer', 'hangup', 'reject', 'dtmf') }).map(({ n, action }) => named(`${action} #${n}`, (t) => {
    const p = pick(t, n);
    if (!p) return;
    if (action === 'drop') t.pbx.drop(p.dn, p.id);
    else if (action === 'answer') t.pbx.answer(p.dn, p.id);
    else if (action === 'hangup') t.pbx.endpointHangup(p.id);
    else if (action === 'reject') t.pbx.endpointReject(p.id, 'busy');
    else t.pbx.sendDtmf(p.id, String(n % 3));
  })),
  fc.record({ n: fc.nat(), action: fc.constantFrom('divert', 'routeto', 'transferto'), to: fc.constantFrom(...DESTINATIONS), reason: fc.constantFrom(undefined, 'NoAnswer', 'Nope') }).map(
    ({ n, action, to, reason }) =>
      named(`${action} #${n} ->${to} reason=${reason}`, (t) => {
        const p = pick(t, n);
        if (!p) return;
        const request = { destination: to, reason };
        if (action === 'divert') t.pbx.divert(p.dn, p.id, request);
        else if (action === 'routeto') t.pbx.routeTo(p.dn, p.id, request);
        else t.pbx.transferTo(p.dn, p.id, request);
      }),
  ),
  fc.record({ n: fc.nat(), behaviour: fc.constantFrom(...BEHAVIOURS) }).map(({ n, behaviour }) => named(`behaviour #${n} ${JSON.stringify(behaviour)}`, (t) => {
    const ids = deviceIds(t.config);
    const devices = [['100', ids.alice], ['101', ids.bobDesk], ['101', ids.bobSoft], ['103', ids.dave]] as const;
    const [dn, id] = devices[n % devices.length]!;
    t.behaviours.setDevice(dn, id, behaviour);
  })),
  fc.record({ n: fc.nat(), register: fc.boolean() }).map(({ n, register }) => named(`${register ? 'register' : 'unregister'} #${n}`, (t) => {
    const ids = deviceIds(t.config);
    const devices = [['100', ids.alice], ['101', ids.bobSoft], ['102', ids.carol]] as const;
    const [dn, id] = devices[n % devices.length]!;
    if (register) t.pbx.registerDevice(dn, { id });
    else t.pbx.unregisterDevice(dn, id);
  })),
  fc.integer({ min: 0, max: 40_000 }).map((ms) => named(`advance ${ms}`, (t) => t.clock.advance(ms))),
);

test('random sequences of commands never leave a call half torn down, and a reset leaves nothing behind', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      const t = startPbx();
      const removed = new Set<number>();
      t.pbx.subscribe((event) => {
        if (event.type === 'participant-removed') {
          assert.ok(!removed.has(event.participant.id), `participant ${event.participant.id} removed twice`);
          removed.add(event.participant.id);
        }
        if (event.type === 'participant-upserted') assert.ok(!removed.has(event.participant.id), `Upsert for ${event.participant.id} after its Remove`);
      });
      for (const run of steps) {
        try {
          run(t);
        } catch (error) {
          if (!isCoreError(error)) throw error;
        }
        assertConsistent(t.pbx);
      }
      t.clock.advance(200_000);
      assertConsistent(t.pbx);
      t.pbx.endAllCalls();
      assert.equal(t.pbx.activeCallCount(), 0);
      assert.deepEqual(t.pbx.listDns().flatMap((dn) => dn.participants), []);
      assert.equal(t.clock.pendingTimers(), 0, 'every ring, answer, menu and queue timer is cleared');
      t.log(); // surfaces any endpoint hook error
    }),
    { numRuns: 300, seed: 20261123 },
  );
});
