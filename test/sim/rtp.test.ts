// /sim RTP figures: the `rtp` object of participants with an RTP session, only theirs, and GET /sim/sip/rtp listing every session.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RtpMediaStatus, RtpSessionFigures, RtpSessionStatus, SipStatus } from '../../src/api/sip-status.js';
import { SimClient } from '../../src/client/sim.js';
import { registerSimRoutes } from '../../src/sim/routes.js';
import { deviceIds } from '../helpers/demo.js';
import { startPbx } from '../helpers/pbx.js';
import { fakeSip, talkingPair } from '../helpers/rtp.js';

const KEY = 'sim-admin-key-for-tests';

async function simApp(sip: SipStatus | undefined) {
  const t = startPbx();
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  await app.register(async (scope) => registerSimRoutes(scope, { sim: t, clock: t.clock, config: t.config, adminKey: KEY, ...(sip ? { sip } : {}) }), { prefix: '/sim' });
  await app.ready();
  const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const response = await app.inject({ method, url, headers: { authorization: `Bearer ${KEY}` }, ...(payload ? { payload } : {}) });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
    return JSON.parse(response.body);
  };
  return { app, t, call };
}

/** What /sim must show for a session: every figure of `stats()`, renamed where the view says what it counts. */
function expectedView(stats: RtpSessionFigures, media?: RtpMediaStatus) {
  return {
    local: media ? { address: media.localAddress, port: media.localPort } : null,
    remote: media ? { address: media.remoteAddress, port: media.remotePort } : null,
    codec: media?.codec ?? null,
    ptimeMs: media?.ptimeMs ?? null,
    direction: media?.direction ?? null,
    packetsSent: stats.packetsSent,
    payloadBytesSent: stats.octetsSent,
    packetsReceived: stats.packetsReceived,
    payloadBytesReceived: stats.octetsReceived ?? null,
    packetsLost: stats.packetsLost,
    fractionLost: stats.fractionLost,
    jitterMs: stats.jitterMs,
    farEnd: stats.remote ? { ...stats.remote, roundTripMs: stats.remote.roundTripMs ?? null } : null,
    rtcp: {
      lastSrReceivedAt: stats.lastSrReceivedMs === undefined ? null : new Date(stats.lastSrReceivedMs).toISOString(),
      lastRrReceivedAt: stats.lastRrReceivedMs === undefined ? null : new Date(stats.lastRrReceivedMs).toISOString(),
    },
    invalidPackets: stats.invalidPackets,
    ignoredPackets: stats.ignoredPackets,
    digitsReceived: stats.digitsReceived,
    byeReceived: stats.byeReceived,
    jitterBuffer: stats.jitterBuffer,
  };
}

type View = { id: number; rtp?: unknown };

describe('/sim RTP figures', () => {
  test('a participant with an RTP session shows its figures on every view of it; the others show no rtp', async (ctx) => {
    const pair = await talkingPair();
    ctx.after(() => pair.close());
    const sessions: RtpSessionStatus[] = [];
    const { t, call } = await simApp(fakeSip(() => sessions));
    const placed = await call('POST', '/sim/calls', { from: '101', to: '100', device: deviceIds(t.config).bobSoft });
    const parties = (await call('GET', '/sim/parties')) as Array<View & { dn: string; deviceId: string }>;
    const [bob, alice] = [parties.find((p) => p.dn === '101')!, parties.find((p) => p.dn === '100')!];
    assert.equal(bob.id, placed.partyId);
    assert.ok(parties.every((p) => !('rtp' in p)), 'no rtp before any session');
    const media: RtpMediaStatus = { localAddress: '127.0.0.1', localPort: pair.a.localPort, remoteAddress: '127.0.0.1', remotePort: pair.b.localPort, codec: 'PCMU', ptimeMs: 20, direction: 'sendrecv' };
    sessions.push({ participantId: bob.id, dn: bob.dn, deviceId: bob.deviceId, stats: pair.a.stats(), media });
    const expected = expectedView(pair.a.stats(), media);
    assert.ok(expected.packetsSent > 0 && expected.farEnd !== null && expected.farEnd.roundTripMs !== null, 'the pair talked and reported');

    assert.deepEqual((await call('GET', `/sim/parties/${bob.id}`)).rtp, expected);
    assert.equal('rtp' in (await call('GET', `/sim/parties/${alice.id}`)), false);
    const listed = (await call('GET', '/sim/parties')) as View[];
    assert.deepEqual(listed.map((p) => [p.id, p.rtp]), parties.map((p) => [p.id, p.id === bob.id ? expected : undefined]));
    const state = await call('GET', '/sim/state');
    const inCall = (state.calls[0].participants as View[]).map((p) => [p.id, p.rtp]);
    assert.deepEqual(inCall, parties.map((p) => [p.id, p.id === bob.id ? expected : undefined]), 'the call view too');
    assert.deepEqual((state.parties as View[]).find((p) => p.id === bob.id)?.rtp, expected);
    const answered = await call('POST', `/sim/parties/${alice.id}/answer`);
    assert.equal(answered.party.status, 'Connected');
    assert.equal('rtp' in answered.party, false);
    const pressed = await call('POST', `/sim/parties/${bob.id}/dtmf`, { digits: '1' });
    assert.deepEqual(pressed.party.rtp, expected, 'the party of an action result too');
  });

  test('GET /sim/sip/rtp lists every session with its participant; figures the server does not supply are null', async (ctx) => {
    const pair = await talkingPair();
    ctx.after(() => pair.close());
    const synthetic: RtpSessionFigures = { ...pair.b.stats(), octetsReceived: 3200, lastSrReceivedMs: Date.UTC(2026, 0, 1, 9, 0, 5), lastRrReceivedMs: Date.UTC(2026, 0, 1, 9, 0, 6) };
    const sessions: RtpSessionStatus[] = [
      { participantId: 7, dn: '100', deviceId: 'sip:100@127.0.0.1:5062', stats: pair.a.stats() },
      { participantId: 8, dn: '101', deviceId: 'sip:101@127.0.0.1:5064', stats: synthetic },
    ];
    const { app, call } = await simApp(fakeSip(() => sessions));
    // The SDK reads the same listing (its fetch goes through fastify's inject).
    const injected = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const response = await app.inject({ method: (init?.method ?? 'GET') as 'GET', url: new URL(String(input)).pathname, headers: init?.headers as Record<string, string> });
      return new Response(response.body, { status: response.statusCode, headers: response.headers as Record<string, string> });
    };
    const client = new SimClient({ baseUrl: 'http://sim.test', adminKey: KEY, fetch: injected });
    assert.deepEqual(await client.sipRtpSessions(), await call('GET', '/sim/sip/rtp'));
    assert.deepEqual(await call('GET', '/sim/sip/rtp'), [
      { participantId: 7, dn: '100', deviceId: 'sip:100@127.0.0.1:5062', rtp: expectedView(pair.a.stats()) },
      { participantId: 8, dn: '101', deviceId: 'sip:101@127.0.0.1:5064', rtp: expectedView(synthetic) },
    ]);
    const [first, second] = (await call('GET', '/sim/sip/rtp')) as Array<{ rtp: { local: unknown; codec: unknown; payloadBytesReceived: unknown; rtcp: unknown } }>;
    assert.equal(first?.rtp.local, null);
    assert.equal(first?.rtp.codec, null);
    assert.equal(second?.rtp.payloadBytesReceived, 3200);
    assert.deepEqual(second?.rtp.rtcp, { lastSrReceivedAt: '2026-01-01T09:00:05.000Z', lastRrReceivedAt: '2026-01-01T09:00:06.000Z' });
  });

  test('without rtpSessions on the SIP server, or without SIP: an empty listing and no rtp on participants', async () => {
    for (const sip of [fakeSip(), undefined]) {
      const { call } = await simApp(sip);
      assert.deepEqual(await call('GET', '/sim/sip/rtp'), []);
      await call('POST', '/sim/calls', { from: '+15557654321', to: '+15550100' });
      const state = await call('GET', '/sim/state');
      assert.ok((state.parties as View[]).length > 0);
      assert.ok([...state.parties, ...state.calls[0].participants].every((p: View) => !('rtp' in p)));
    }
  });

  test('GET /sim/sip/rtp needs the admin key', async () => {
    const { app } = await simApp(fakeSip(() => []));
    const response = await app.inject({ method: 'GET', url: '/sim/sip/rtp' });
    assert.equal(response.statusCode, 401);
  });
});
