// The endpoint contract suite: behaviours every endpoint kind shows through the core's asynchronous contract, run
// against each kind. A kind that differs declares it in its case, with the reason; nothing is skipped silently.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Behaviour } from '../../src/config/types.js';
import { causeToCode } from '../../src/core/causes.js';
import type { Endpoint, EndpointDirectory, LegControl, OfferInfo, RejectCause } from '../../src/core/endpoint.js';
import type { MediaPort } from '../../src/core/media-port.js';
import type { ParticipantLink, PbxEvent, RemovalCause } from '../../src/core/types.js';
import { demoConfig } from '../../src/config/demo.js';
import { SystemClock } from '../../src/core/clock.js';
import { SipServer } from '../../src/endpoints/sip/sip-server.js';
import { deviceIds } from '../helpers/demo.js';
import { assertConsistent, startPbx, TEST_DEMO_SECRET, type TestPbx } from '../helpers/pbx.js';
import { ScriptedUa } from '../sip/helpers/scripted-ua.js';
import { until } from '../sip/helpers/until.js';

type Hook = { hook: 'offered' | 'connected' | 'dtmf' | 'held' | 'removed'; id: number; detail?: string };

/** Wraps every endpoint the directory hands out, recording each hook call and the control it was given. */
class Probe {
  readonly hooks: Hook[] = [];
  readonly controls = new Map<number, LegControl>();
  private readonly wrapped = new WeakMap<Endpoint, Endpoint>();

  directory(inner: EndpointDirectory): EndpointDirectory {
    return {
      device: (dn, deviceId) => this.wrap(inner.device(dn, deviceId)),
      external: (number) => this.wrap(inner.external(number)),
      externalCallerName: (number) => inner.externalCallerName(number),
    };
  }

  hooksOf(id: number): string[] {
    return this.hooks.filter((h) => h.id === id).map((h) => (h.detail === undefined ? h.hook : `${h.hook} ${h.detail}`));
  }

  control(id: number): LegControl {
    const control = this.controls.get(id);
    assert.ok(control, `participant ${id} was never handed to its endpoint`);
    return control;
  }

  private wrap(inner: Endpoint): Endpoint {
    let probe = this.wrapped.get(inner);
    if (!probe) {
      probe = this.probeOf(inner);
      this.wrapped.set(inner, probe);
    }
    return probe;
  }

  private probeOf(inner: Endpoint): Endpoint {
    const seen = (hook: Hook['hook'], leg: LegControl, detail?: string) => {
      this.controls.set(leg.participantId, leg);
      this.hooks.push({ hook, id: leg.participantId, detail });
    };
    return {
      admit: (offer: OfferInfo): RejectCause | null => inner.admit(offer),
      offered: (leg) => {
        seen('offered', leg);
        inner.offered?.(leg);
      },
      connected: (leg) => {
        seen('connected', leg);
        inner.connected?.(leg);
      },
      dtmf: (leg, digit) => {
        seen('dtmf', leg, digit);
        inner.dtmf?.(leg, digit);
      },
      held: (leg, held) => {
        seen('held', leg, String(held));
        inner.held?.(leg, held);
      },
      removed: (leg, cause) => {
        seen('removed', leg, cause);
        inner.removed?.(leg, cause);
      },
      media: (leg): MediaPort | undefined => inner.media?.(leg),
    };
  }
}

interface Offered {
  t: TestPbx;
  probe: Probe;
  /** The participant calling the subject. */
  callerId: number;
  /** The subject's ringing participant. */
  subjectId: number;
}

/** One endpoint kind under test: how a call is offered to it, and what it does by itself. */
interface KindCase {
  name: string;
  /**
   * Offers a call to the subject. With no behaviour given the subject's endpoint leaves the leg ringing, waiting for
   * its control; a simulated kind is given the behaviour to act out instead.
   */
  offer(t: TestPbx, behaviour?: Behaviour): { callerId: number; subjectDn: string };
  /**
   * Declared difference: the kind answers by itself from its `offered` hook (IVR, queue), so no test can hold its
   * leg ringing to drive progress, reject or answer through the control; why is given here.
   */
  answersByItself?: string;
  /**
   * Refusals decided at once (admit) that the kind can give, and where they show. `request-fails`: the command that
   * offered the call fails with the cause's code and leaves nothing behind. `caller-removed`: declared for a call
   * that has already started when the destination is offered (makecall from a directly controlled device): the
   * request answers with the caller's participant, which is then removed with the cause, as 3CX does when a
   * trunk's refusal arrives after the INVITE left. Absent: the kind never refuses at once.
   */
  refuses?: { causes: RejectCause[]; shows: 'request-fails' | 'caller-removed' };
  /** A PBX of the kind's own (the SIP phone needs a SIP server and a registered phone); absent: the demo PBX. */
  start?(): Promise<TestPbx>;
}

/** Run after each test: what a kind's own PBX must stop (sockets, servers) once the test is done. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const SIP_PASSWORD = 'contract-sip-password';
let sipPhoneContact = '';

/**
 * The demo PBX with a SIP server on a free loopback port and a scripted phone registered as 102 (Carol, whose only
 * configured device is not registered) that stays ringing and answers whatever the PBX sends inside its calls.
 */
async function startSipPhonePbx(): Promise<TestPbx> {
  const t = startPbx(demoConfig({ demoSecret: TEST_DEMO_SECRET, sipPassword: SIP_PASSWORD }));
  const server = new SipServer({ pbx: t.pbx, config: t.config, clock: t.clock, networkClock: new SystemClock(), dataDir: null, host: '127.0.0.1', port: 0 });
  t.endpoints.setDeviceOverride((dn, deviceId) => (server.isSipDevice(dn, deviceId) ? server.phones : undefined));
  const ports = await server.start();
  const phone = await ScriptedUa.open(ports.udp ?? 0, '102');
  phone.autoRespond();
  await phone.register(SIP_PASSWORD);
  sipPhoneContact = phone.contact;
  cleanups.push(async () => {
    t.pbx.endAllCalls();
    await until(() => server.phones.liveCalls === 0 && server.liveDialogs === 0 && server.rtpPortsInUse === 0, 'the SIP calls to end and their RTP ports to be released');
    phone.close();
    await server.stop();
  });
  return t;
}

const BEHAVIOUR_OF: Record<RejectCause, Behaviour | undefined> = { busy: { kind: 'busy' }, rejected: { kind: 'reject' }, unreachable: { kind: 'unreachable' }, 'not-registered': undefined };

const CALLER = '+15557654321';

const KINDS: KindCase[] = [
  {
    name: 'simulated phone (extension 100)',
    offer(t, behaviour = { kind: 'manual' }) {
      t.behaviours.setDevice('100', deviceIds(t.config).alice, behaviour);
      return { callerId: t.pbx.placeInboundCall({ from: CALLER, to: '100' }).id, subjectDn: '100' };
    },
    refuses: { causes: ['busy', 'rejected', 'unreachable'], shows: 'request-fails' },
  },
  {
    name: 'external party (through trunk 10000)',
    offer(t, behaviour = { kind: 'manual' }) {
      t.behaviours.setExternal('+15550199', behaviour);
      const origin = t.pbx.makeCall({ dn: '800', destination: '+15550199' }).participant;
      assert.ok(origin);
      return { callerId: origin.id, subjectDn: '10000' };
    },
    refuses: { causes: ['busy', 'rejected', 'unreachable'], shows: 'caller-removed' },
  },
  {
    name: 'route point (800, auto-answer off)',
    offer(t) {
      t.pbx.setAutoAnswer('800', false);
      return { callerId: t.pbx.placeInboundCall({ from: CALLER, to: '800' }).id, subjectDn: '800' };
    },
  },
  {
    name: 'SIP phone (extension 102, a scripted UA on loopback UDP)',
    start: startSipPhonePbx,
    offer(t) {
      const callerId = t.pbx.placeInboundCall({ from: CALLER, to: '102' }).id;
      assert.equal(t.pbx.listParticipants('102')[0]?.deviceId, sipPhoneContact, 'the SIP phone is the device that rings');
      return { callerId, subjectDn: '102' };
    },
    // No `refuses`: admit is availability only (a registered binding rings); busy, declined and the rest are SIP
    // answers that come after the INVITE, through the leg's control (test/sip/calls-to-phone.test.ts).
  },
  {
    name: 'IVR (801)',
    offer: (t) => ({ callerId: t.pbx.placeInboundCall({ from: CALLER, to: '801' }).id, subjectDn: '801' }),
    answersByItself: 'the IVR answers every call from its offered hook: callers hear the menu at once',
  },
  {
    name: 'queue (802)',
    offer: (t) => ({ callerId: t.pbx.placeInboundCall({ from: CALLER, to: '802' }).id, subjectDn: '802' }),
    answersByItself: 'the queue answers every call from its offered hook and holds the caller while agents ring',
  },
];

async function offerTo(kind: KindCase): Promise<Offered & { subjectDn: string }> {
  const t = kind.start ? await kind.start() : startPbx();
  const probe = new Probe();
  t.pbx.attachEndpoints(probe.directory(t.endpoints));
  const { callerId, subjectDn } = kind.offer(t);
  const [subject] = t.pbx.listParticipants(subjectDn);
  assert.ok(subject, `a participant rings at ${subjectDn}`);
  return { t, probe, callerId, subjectId: subject.id, subjectDn };
}

/** The subject answered: through its control, or by itself for a kind that declares so. */
function connect(kind: KindCase, offered: Offered): void {
  if (!kind.answersByItself) offered.probe.control(offered.subjectId).answer();
  assert.equal(offered.t.pbx.participantDetail(offered.subjectId)?.status, 'Connected');
  assert.equal(offered.t.pbx.participantDetail(offered.callerId)?.status, 'Connected');
}

function linksOf(events: PbxEvent[], id: number): ParticipantLink[] {
  const links: ParticipantLink[] = [];
  for (const event of events) {
    if ((event.type === 'participant-upserted' || event.type === 'participant-removed') && event.participant.id === id) links.push(event.link);
    if (event.type === 'participant-link' && event.participantId === id) links.push(event.link);
  }
  return links;
}

function removalCause(events: PbxEvent[], id: number): RemovalCause | undefined {
  for (const event of events) if (event.type === 'participant-removed' && event.participant.id === id) return event.cause;
  return undefined;
}

for (const kind of KINDS) {
  describe(`endpoint contract: ${kind.name}`, () => {
    test('is offered the ringing leg with a control naming it', async () => {
      const { probe, subjectId, subjectDn } = await offerTo(kind);
      assert.equal(probe.hooksOf(subjectId)[0], 'offered');
      const control = probe.control(subjectId);
      assert.equal(control.dn, subjectDn);
      assert.equal(control.participantId, subjectId);
    });

    if (kind.answersByItself) {
      test(`declared: answers by itself (${kind.answersByItself})`, async () => {
        const { t, probe, callerId, subjectId } = await offerTo(kind);
        assert.deepEqual(probe.hooksOf(subjectId), ['offered', 'connected']);
        assert.equal(t.pbx.participantDetail(subjectId)?.status, 'Connected');
        assert.equal(t.pbx.participantDetail(callerId)?.peerId, subjectId);
      });
    } else {
      test('progress ringing changes nothing a client sees; answering later connects both sides', async () => {
        const { t, probe, callerId, subjectId } = await offerTo(kind);
        const before = t.log();
        probe.control(subjectId).progress('ringing');
        assert.deepEqual(t.log(), []);
        assert.ok(before.length > 0);
        probe.control(subjectId).answer();
        assert.deepEqual(t.log().slice(0, 2), [`+${t.pbx.participantDetail(subjectId)?.dn}#${subjectId} Connected`, `+${t.pbx.participantDetail(callerId)?.dn}#${callerId} Connected`]);
        assert.deepEqual(probe.hooksOf(subjectId), ['offered', 'connected']);
        assert.ok(probe.hooksOf(callerId).includes('connected'));
        assertConsistent(t.pbx);
      });

      test('early media: the ringing leg and its caller carry audio before the answer, and the wire shows nothing', async () => {
        const { t, probe, callerId, subjectId } = await offerTo(kind);
        t.log();
        const start = t.events.length;
        probe.control(subjectId).progress('early-media');
        assert.deepEqual(t.log(), []);
        assert.equal(linksOf(t.events.slice(start), subjectId).at(-1)?.media, true);
        assert.equal(linksOf(t.events.slice(start), callerId).at(-1)?.media, true);
        assert.equal(t.pbx.participantDetail(subjectId)?.status, 'Ringing');
        probe.control(subjectId).answer();
        assert.equal(t.pbx.participantDetail(subjectId)?.status, 'Connected');
      });

      test('a later reject ends the attempt with its cause, and the caller is removed with it', async () => {
        const { t, probe, callerId, subjectId } = await offerTo(kind);
        probe.control(subjectId).reject('busy');
        assert.equal(removalCause(t.events, subjectId), 'busy');
        assert.equal(removalCause(t.events, callerId), 'busy');
        assert.deepEqual(probe.hooksOf(subjectId), ['offered', 'removed busy']);
        assertConsistent(t.pbx);
      });

      test('the caller hanging up while it rings removes it with cause cancelled', async () => {
        const { t, probe, callerId, subjectId } = await offerTo(kind);
        probe.hooks.length = 0;
        const dn = t.pbx.participantDetail(callerId)?.dn;
        assert.ok(dn);
        t.pbx.drop(dn, callerId);
        assert.deepEqual(probe.hooksOf(subjectId), ['removed cancelled']);
        assertConsistent(t.pbx);
      });
    }

    const refuses = kind.refuses;
    for (const cause of refuses?.causes ?? []) {
      test(`refuses at once as ${cause} (${refuses?.shows}): nothing rings and nothing is left behind`, () => {
        const t = startPbx();
        const probe = new Probe();
        t.pbx.attachEndpoints(probe.directory(t.endpoints));
        const behaviour = BEHAVIOUR_OF[cause];
        assert.ok(behaviour);
        if (refuses?.shows === 'request-fails') {
          assert.throws(() => kind.offer(t, behaviour), (error: { code?: string }) => error.code === causeToCode(cause));
        } else {
          const { callerId } = kind.offer(t, behaviour);
          assert.equal(removalCause(t.events, callerId), cause);
        }
        assert.deepEqual(probe.hooks.filter((h) => h.hook === 'offered'), []);
        assert.equal(t.pbx.participantCount(), 0);
        assertConsistent(t.pbx);
      });
    }
    if (!kind.refuses) {
      test('declared: never refuses an offer at once (admit always lets it ring)', async () => {
        const { t, subjectId } = await offerTo(kind);
        assert.ok(t.pbx.participantDetail(subjectId));
      });
    }

    test('hold from either side: the other leg is told it is held, then unheld, and the link says so', async () => {
      const offered = await offerTo(kind);
      const { t, probe, callerId, subjectId } = offered;
      connect(kind, offered);
      const start = t.events.length;
      probe.control(callerId).hold(true);
      assert.equal(linksOf(t.events.slice(start), subjectId).at(-1)?.held, true);
      assert.ok(probe.hooksOf(subjectId).includes('held true'));
      probe.control(callerId).hold(false);
      assert.equal(linksOf(t.events.slice(start), subjectId).at(-1)?.held, false);
      assert.ok(probe.hooksOf(subjectId).includes('held false'));
      probe.control(subjectId).hold(true);
      assert.equal(t.pbx.participantDetail(callerId)?.held, true);
      assert.ok(probe.hooksOf(callerId).includes('held true'));
      probe.control(subjectId).hold(false);
      assert.equal(t.pbx.participantDetail(callerId)?.held, false);
      assertConsistent(t.pbx);
    });

    test('a digit pressed by the caller reaches the subject as a DTMF event and its dtmf hook', async () => {
      const offered = await offerTo(kind);
      const { t, probe, callerId, subjectId } = offered;
      connect(kind, offered);
      t.log();
      probe.control(callerId).dtmf('5');
      const dn = t.pbx.participantDetail(subjectId)?.dn ?? t.pbx.listCalls()[0]?.participants.find((p) => p.id === subjectId)?.dn;
      assert.ok(t.log().includes(`dtmf ${dn}#${subjectId} 5`));
      assert.ok(probe.hooksOf(subjectId).includes('dtmf 5'));
    });

    test('a digit the line cannot carry is lost, not thrown (a verdict may arrive late)', async () => {
      const offered = await offerTo(kind);
      const { t, probe, callerId } = offered;
      connect(kind, offered);
      t.log();
      assert.doesNotThrow(() => probe.control(callerId).dtmf('x'));
      assert.deepEqual(t.log(), []);
    });

    test('hang up from the subject side: it leaves with cause hangup, the caller with peer-left', async () => {
      const offered = await offerTo(kind);
      const { t, probe, callerId, subjectId } = offered;
      connect(kind, offered);
      probe.control(subjectId).hangup();
      assert.equal(removalCause(t.events, subjectId), 'hangup');
      assert.equal(removalCause(t.events, callerId), 'peer-left');
      assert.ok(probe.hooksOf(subjectId).includes('removed hangup'));
      assert.ok(probe.hooksOf(callerId).includes('removed peer-left'));
      assertConsistent(t.pbx);
    });

    test('hang up from the caller side: the subject is removed with cause peer-left and told so', async () => {
      const offered = await offerTo(kind);
      const { t, probe, callerId, subjectId } = offered;
      connect(kind, offered);
      probe.control(callerId).hangup();
      assert.equal(removalCause(t.events, callerId), 'hangup');
      assert.equal(removalCause(t.events, subjectId), 'peer-left');
      assert.ok(probe.hooksOf(subjectId).includes('removed peer-left'));
      assertConsistent(t.pbx);
    });

    test('controls are no-ops once the leg has gone', async () => {
      const offered = await offerTo(kind);
      const { t, probe, callerId, subjectId } = offered;
      connect(kind, offered);
      const control = probe.control(subjectId);
      control.hangup();
      t.log();
      const after = t.events.length;
      control.answer();
      control.reject('busy');
      control.progress('early-media');
      control.hold(true);
      control.dtmf('1');
      control.hangup();
      assert.equal(t.events.length, after);
      assert.equal(control.view(), undefined);
      assert.equal(t.pbx.participantDetail(callerId), undefined);
    });
  });
}
