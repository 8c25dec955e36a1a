// Event channel over real sockets: for each call flow, the exact frames a monitoring application receives, and a
// client that re-GETs every Upsert ends holding exactly the server's state.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ManualClock } from '../../../src/core/clock.js';
import { deviceIds } from '../../helpers/demo.js';
import { MirrorClient, serverState, startWsServer, type WsServer } from '../../helpers/ws.js';

const CALLER = '+15557654321';
const p = (dn: string, id: number) => `/callcontrol/${dn}/participants/${id}`;
const UPSERT = 0;
const REMOVE = 1;
const DTMF = 2;

let ws: WsServer;
let client: MirrorClient;

/** Waits for exactly `expected` new frames after `from`, checks them, and checks the mirror equals the server. */
async function expectFrames(from: number, expected: [number, string][]): Promise<number> {
  await client.waitFrames(from + expected.length);
  assert.deepEqual(client.pairs(from), expected);
  assert.deepEqual(client.state, await serverState(ws), 'the mirrored state equals the server state');
  return from + expected.length;
}

function ids() {
  return deviceIds(ws.config);
}

describe('event channel flows (real sockets, fake clock)', () => {
  before(async () => {
    ws = await startWsServer();
  });
  after(async () => {
    await ws.close();
  });
  beforeEach(async () => {
    client?.close();
    await ws.server.sim.pbx.reset();
    ws.server.sim.behaviours.reset();
    client = await MirrorClient.connect(ws);
  });

  test('makecall from a device to an extension that answers', async () => {
    const made = await ws.post(`/callcontrol/100/devices/${encodeURIComponent(ids().alice)}/makecall`, { destination: '101' });
    assert.equal(made.status, 200);
    const alice = (made.body as { result: { id: number } }).result.id;
    const [desk, soft] = ws.server.pbx.listParticipants('101').map((x) => x.id);
    const seen = await expectFrames(0, [
      [UPSERT, p('100', alice)],
      [UPSERT, p('101', desk!)],
      [UPSERT, p('101', soft!)],
    ]);
    ws.clock.advance(3000); // Bob's desk phone answers
    await expectFrames(seen, [
      [REMOVE, p('101', soft!)],
      [UPSERT, p('101', desk!)],
      [UPSERT, p('100', alice)],
    ]);
    assert.equal((client.state.get(p('101', desk!)) as { status: string }).status, 'Connected');
  });

  test('external call to the route point, auto-answer on: Ringing then Connected; the trunk side is not visible', async () => {
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!.id;
    await expectFrames(0, [
      [UPSERT, p('800', app)],
      [UPSERT, p('800', app)],
    ]);
    assert.equal((client.state.get(p('800', app)) as { status: string }).status, 'Connected');
    assert.ok(client.frames.every((f) => !f.event.entity.startsWith('/callcontrol/10000/')), 'no frames for a DN outside the application');
  });

  test('auto-answer off: the application answers; then the caller hangs up', async () => {
    ws.server.pbx.setAutoAnswer('800', false);
    const caller = ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!.id;
    let seen = await expectFrames(0, [[UPSERT, p('800', app)]]);
    assert.equal((await ws.post(`/callcontrol/800/participants/${app}/answer`)).status, 200);
    seen = await expectFrames(seen, [[UPSERT, p('800', app)]]);
    ws.server.pbx.endpointHangup(caller.id);
    await expectFrames(seen, [[REMOVE, p('800', app)]]);
  });

  test('divert of the ringing route point participant', async () => {
    ws.server.pbx.setAutoAnswer('800', false);
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!.id;
    let seen = await expectFrames(0, [[UPSERT, p('800', app)]]);
    const diverted = await ws.post(`/callcontrol/800/participants/${app}/divert`, { destination: '100', reason: 'NoAnswer' });
    assert.equal(diverted.status, 200);
    const alice = ws.server.pbx.listParticipants('100')[0]!.id;
    seen = await expectFrames(seen, [
      [UPSERT, p('100', alice)],
      [REMOVE, p('800', app)],
    ]);
    assert.equal((client.state.get(p('100', alice)) as { referred_by_dn: string }).referred_by_dn, '800');
    ws.clock.advance(1000);
    await expectFrames(seen, [[UPSERT, p('100', alice)]]);
  });

  test('routeto succeeding: the destination answers and replaces the route point participant', async () => {
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!.id;
    let seen = await expectFrames(0, [
      [UPSERT, p('800', app)],
      [UPSERT, p('800', app)],
    ]);
    const pending = ws.post(`/callcontrol/800/participants/${app}/routeto`, { destination: '100', reason: 'None', timeout: 10 });
    await client.waitFrames(seen + 1);
    const alice = ws.server.pbx.listParticipants('100')[0]!.id;
    ws.clock.advance(1000);
    assert.equal((await pending).status, 200);
    seen = await expectFrames(seen, [
      [UPSERT, p('100', alice)],
      [UPSERT, p('100', alice)],
      [REMOVE, p('800', app)],
    ]);
  });

  test('routeto abandoned: the caller hangs up while the destination rings', async () => {
    const caller = ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!.id;
    let seen = await expectFrames(0, [
      [UPSERT, p('800', app)],
      [UPSERT, p('800', app)],
    ]);
    const pending = ws.post(`/callcontrol/800/participants/${app}/routeto`, { destination: '103', timeout: 10 });
    await client.waitFrames(seen + 1);
    const dave = ws.server.pbx.listParticipants('103')[0]!.id;
    ws.server.pbx.endpointHangup(caller.id);
    const outcome = await pending;
    assert.equal(outcome.status, 424);
    assert.equal((outcome.body as { reason: string }).reason, 'ParticipantLeft');
    seen = await expectFrames(seen, [
      [UPSERT, p('103', dave)],
      [REMOVE, p('103', dave)],
      [REMOVE, p('800', app)],
    ]);
  });

  test('transferto succeeding, then transferto failing back', async () => {
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!.id;
    let seen = await expectFrames(0, [
      [UPSERT, p('800', app)],
      [UPSERT, p('800', app)],
    ]);
    const failing = ws.post(`/callcontrol/800/participants/${app}/transferto`, { destination: '103', timeout: 60 });
    await client.waitFrames(seen + 1);
    const dave = ws.server.pbx.listParticipants('103')[0]!.id;
    ws.clock.advance(30_000); // Dave never answers: the call returns to the route point
    assert.equal((await failing).status, 424);
    seen = await expectFrames(seen, [
      [UPSERT, p('103', dave)],
      [REMOVE, p('103', dave)],
    ]);
    assert.equal((client.state.get(p('800', app)) as { status: string }).status, 'Connected');

    const succeeding = ws.post(`/callcontrol/800/participants/${app}/transferto`, { destination: '100', timeout: 60 });
    await client.waitFrames(seen + 1);
    const alice = ws.server.pbx.listParticipants('100')[0]!.id;
    ws.clock.advance(1000);
    assert.equal((await succeeding).status, 200);
    await expectFrames(seen, [
      [UPSERT, p('100', alice)],
      [UPSERT, p('100', alice)],
      [REMOVE, p('800', app)],
    ]);
  });

  test('drop from the application side and from the far side', async () => {
    const made = await ws.post(`/callcontrol/800/makecall`, { destination: '100' });
    const app = (made.body as { result: { id: number } }).result.id;
    const alice = ws.server.pbx.listParticipants('100')[0]!.id;
    let seen = await expectFrames(0, [
      [UPSERT, p('800', app)],
      [UPSERT, p('100', alice)],
    ]);
    ws.clock.advance(1000);
    seen = await expectFrames(seen, [
      [UPSERT, p('100', alice)],
      [UPSERT, p('800', app)],
    ]);
    assert.equal((await ws.post(`/callcontrol/800/participants/${app}/drop`, {})).status, 200);
    seen = await expectFrames(seen, [
      [REMOVE, p('800', app)],
      [REMOVE, p('100', alice)],
    ]);

    const again = await ws.post(`/callcontrol/800/makecall`, { destination: '100' });
    const app2 = (again.body as { result: { id: number } }).result.id;
    ws.clock.advance(1000);
    const alice2 = ws.server.pbx.listParticipants('100')[0]!.id;
    seen = await expectFrames(seen, [
      [UPSERT, p('800', app2)],
      [UPSERT, p('100', alice2)],
      [UPSERT, p('100', alice2)],
      [UPSERT, p('800', app2)],
    ]);
    ws.server.pbx.endpointHangup(alice2); // Alice hangs up her phone
    await expectFrames(seen, [
      [REMOVE, p('100', alice2)],
      [REMOVE, p('800', app2)],
    ]);
  });

  test('IVR: key 1 arrives as a DTMFstring event, the IVR routes to Alice who replaces it', async () => {
    const caller = ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550101' });
    const ivr = ws.server.pbx.listParticipants('801')[0]!.id;
    let seen = await expectFrames(0, [
      [UPSERT, p('801', ivr)],
      [UPSERT, p('801', ivr)],
    ]);
    ws.server.pbx.sendDtmf(caller.id, '1');
    const alice = ws.server.pbx.listParticipants('100')[0]!.id;
    seen = await expectFrames(seen, [
      [DTMF, `${p('801', ivr)} 1`],
      [UPSERT, p('100', alice)],
    ]);
    ws.clock.advance(1000);
    await expectFrames(seen, [
      [UPSERT, p('100', alice)],
      [REMOVE, p('801', ivr)],
    ]);
  });

  test('queue: agents ring on behalf of the queue; the first to answer replaces the queue participant', async () => {
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550102' });
    const queue = ws.server.pbx.listParticipants('802')[0]!.id;
    const alice = ws.server.pbx.listParticipants('100')[0]!.id;
    const [desk, soft] = ws.server.pbx.listParticipants('101').map((x) => x.id);
    const seen = await expectFrames(0, [
      [UPSERT, p('802', queue)],
      [UPSERT, p('802', queue)],
      [UPSERT, p('100', alice)],
      [UPSERT, p('101', desk!)],
      [UPSERT, p('101', soft!)],
    ]);
    assert.equal((client.state.get(p('100', alice)) as { on_behalf_of_dn: string }).on_behalf_of_dn, '802');
    ws.clock.advance(1000);
    await expectFrames(seen, [
      [UPSERT, p('100', alice)],
      [REMOVE, p('802', queue)],
      [REMOVE, p('101', desk!)],
      [REMOVE, p('101', soft!)],
    ]);
  });

  test('devices registering and unregistering', async () => {
    const carol = ids().carol;
    const entity = `/callcontrol/102/devices/${encodeURIComponent(carol)}`;
    ws.server.pbx.registerDevice('102', { id: carol });
    const seen = await expectFrames(0, [[UPSERT, entity]]);
    assert.deepEqual(client.state.get(entity), { dn: '102', device_id: carol, user_agent: 'Switchboard SimPhone 1.0' });
    ws.server.pbx.unregisterDevice('102', carol);
    await expectFrames(seen, [[REMOVE, entity]]);
    assert.equal(client.state.has(entity), false);
  });
});

describe('event channel connections', () => {
  before(async () => {
    ws = await startWsServer();
  });
  after(async () => {
    await ws.close();
  });

  test('upgrade without a valid token is refused with 401 before any upgrade', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-jwt' }, { authorization: 'Basic abc' }]) {
      const status = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${ws.server.url.replace(/^http/, 'ws')}/callcontrol/ws`, { headers });
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('open', () => reject(new Error('upgraded without a token')));
        socket.on('error', () => undefined);
      });
      assert.equal(status, 401);
    }
  });

  test('a client frame over 64 KiB closes the socket with 1009', async () => {
    const client = await MirrorClient.connect(ws, { mirror: false });
    client.socket.send('x'.repeat(64 * 1024 + 1));
    assert.equal(await client.waitClosed(), 1009);
  });

  test('an expired token is refused at upgrade', async () => {
    const token = await ws.token();
    ws.clock.advance(3_600_001);
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${ws.server.url.replace(/^http/, 'ws')}/callcontrol/ws`, { headers: { authorization: `Bearer ${token}` } });
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => undefined);
    });
    assert.equal(status, 401);
  });
});

describe('event channel sequences, requests, slow consumers', () => {
  before(async () => {
    ws = await startWsServer();
  });
  after(async () => {
    await ws.close();
  });

  test('sequence strictly increases across connections and reconnects', async () => {
    const first = await MirrorClient.connect(ws, { mirror: false });
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    await first.waitFrames(2);
    first.close();
    await first.waitClosed();
    ws.server.pbx.endAllCalls(); // frames nobody receives still take sequence numbers
    const second = await MirrorClient.connect(ws, { mirror: false });
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    await second.waitFrames(2);
    const sequences = [...first.frames, ...second.frames].map((f) => f.sequence);
    for (let i = 1; i < sequences.length; i++) assert.ok(sequences[i]! > sequences[i - 1]!, `sequence ${sequences[i]} after ${sequences[i - 1]}`);
    second.close();
    ws.server.pbx.endAllCalls();
  });

  test('a request over the socket runs the POST at Path and is answered by a type 4 event; other frames are ignored', async () => {
    const mirror = await MirrorClient.connect(ws, { mirror: false });
    mirror.socket.send('hello');
    mirror.socket.send('{"subscribe":["800"]}');
    ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!.id;
    await mirror.waitFrames(2);
    mirror.socket.send(JSON.stringify({ RequestID: 'r-1', Path: `/callcontrol/800/participants/${app}/drop`, RequestData: { Reason: 'None' } }));
    mirror.socket.send(JSON.stringify({ RequestID: 'r-2', Path: '/sim/reset', RequestData: {} }));
    mirror.socket.send(JSON.stringify({ RequestID: 'r-3', Path: `/callcontrol/999/participants/1/drop` }));
    await mirror.waitFrames(6);
    const responses = mirror.frames.filter((f) => f.event.event_type === 4).map((f) => f.event.attached_data as { RequestID: string; StatusCode: number; Path: string });
    assert.deepEqual(
      responses.map((r) => [r.RequestID, r.StatusCode]).sort(),
      [
        ['r-1', 200],
        ['r-2', 400],
        ['r-3', 404],
      ],
    );
    assert.ok(mirror.frames.some((f) => f.event.event_type === REMOVE && f.event.entity === p('800', app)));
    assert.equal(mirror.closeCode, undefined, 'unknown frames never close the socket');
    mirror.close();
  });

  test('a client that stops reading is cut off while another keeps receiving everything', async () => {
    const healthy = await MirrorClient.connect(ws, { mirror: false });
    const slow = await MirrorClient.connect(ws, { mirror: false });
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    let cycles = 0;
    // Each cycle makes 3 frames for the route point; yield between batches so the healthy client reads.
    for (let batch = 0; batch < 400 && slow.closeCode === undefined; batch++) {
      for (let i = 0; i < 100; i++, cycles++) {
        const caller = ws.server.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
        ws.server.pbx.endpointHangup(caller.id);
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (healthy.frames.length >= 3 * cycles && batch > 0 && (await isClosedServerSide(slow))) break;
    }
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const code = await slow.waitClosed();
    assert.ok(code === 1008 || code === 1006, `closed with ${code}`);
    await waitAll(healthy, 3 * cycles);
    assert.equal(healthy.frames.length, 3 * cycles);
    assert.equal(healthy.closeCode, undefined);
    healthy.close();
  });
});

/** The server ends a slow connection by terminating its TCP socket: the paused client sees its socket end. */
async function isClosedServerSide(client: MirrorClient): Promise<boolean> {
  const raw = (client.socket as unknown as { _socket: { readableEnded: boolean; destroyed: boolean } })._socket;
  return raw.destroyed || raw.readableEnded;
}

async function waitAll(client: MirrorClient, frames: number): Promise<void> {
  const started = Date.now();
  while (client.frames.length < frames && Date.now() - started < 15_000) await new Promise((resolve) => setImmediate(resolve));
}

describe('event channel liveness (real sockets, driven network clock)', () => {
  test('the server answers client pings, pings a quiet client, and terminates one that never answers', async () => {
    const network = new ManualClock(0);
    const server = await startWsServer(undefined, network);
    try {
      const url = `${server.server.url.replace(/^http/, 'ws')}/callcontrol/ws`;
      const headers = { authorization: `Bearer ${await server.token()}` };
      const open = (options: WebSocket.ClientOptions) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url, options);
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        });
      const polite = await open({ headers });
      const deaf = await open({ headers, autoPong: false });
      await new Promise<void>((resolve) => {
        polite.once('pong', () => resolve());
        polite.ping();
      });
      const pinged = new Promise<void>((resolve) => deaf.once('ping', () => resolve()));
      const politePinged = new Promise<void>((resolve) => polite.once('ping', () => resolve()));
      network.advance(30_000); // everyone was heard at connect
      network.advance(30_000); // silent for a whole interval: pinged
      await Promise.all([pinged, politePinged]); // the polite client answers with its automatic pong
      await new Promise((resolve) => setImmediate(resolve));
      const deafClosed = new Promise<number>((resolve) => deaf.once('close', (code) => resolve(code)));
      let politeClosed = false;
      polite.once('close', () => (politeClosed = true));
      await waitForPong(polite);
      network.advance(30_000); // no pong from the deaf client: terminated
      assert.equal(await deafClosed, 1006);
      assert.equal(politeClosed, false);
      polite.close();
    } finally {
      await server.close();
    }
  });
});

/** Gives the polite client's automatic pong time to reach the server: a round trip of our own ping proves it. */
function waitForPong(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('pong', () => resolve());
    socket.ping();
  });
}
