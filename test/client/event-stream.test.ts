// EventStream against a scripted WebSocket: back-off, refused upgrades, retry limits, pings, waiting and the queue bound.

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import {
  backoffDelay,
  CallControlClient,
  CallControlError,
  ConnectionError,
  EventType,
  frameMatches,
  parseEntity,
  participantIdOf,
  devicePath,
  participantPath,
  type EventFrame,
  type EventStreamOptions,
  type EventStreamStatus,
  type UpgradeResponse,
  type WebSocketLike,
} from '../../src/client/index.js';

/** A WebSocket the test drives: it opens, refuses, fails or delivers frames when told. */
class ScriptedSocket extends EventEmitter implements WebSocketLike {
  static instances: ScriptedSocket[] = [];
  static onCreate: ((socket: ScriptedSocket) => void) | undefined;
  pings = 0;
  terminated = false;
  closedWith: number | undefined;
  paused = false;
  readonly supportsPause: boolean;

  constructor(
    readonly url: string,
    readonly options: { headers: Record<string, string> },
  ) {
    super();
    this.supportsPause = ScriptedSocket.withPause;
    ScriptedSocket.instances.push(this);
    queueMicrotask(() => ScriptedSocket.onCreate?.(this));
  }

  static withPause = true;

  open(): void {
    this.emit('open');
  }
  frame(sequence: number, eventType: number, entity: string, attachedData: unknown = null): void {
    this.emit('message', Buffer.from(JSON.stringify({ sequence, event: { event_type: eventType, entity, attached_data: attachedData } })), false);
  }
  raw(text: string): void {
    this.emit('message', Buffer.from(text), false);
  }
  refuse(status: number, body = ''): void {
    const response = new EventEmitter() as EventEmitter & UpgradeResponse;
    response.statusCode = status;
    this.emit('unexpected-response', {}, response);
    if (body) response.emit('data', Buffer.from(body));
    response.emit('end');
  }
  fail(code: string): void {
    this.emit('error', Object.assign(new Error(`connect ${code}`), { code }));
    this.emit('close', 1006, Buffer.alloc(0));
  }
  drop(): void {
    this.emit('close', 1006, Buffer.alloc(0));
  }
  ping(): void {
    this.pings++;
  }
  close(code?: number): void {
    this.closedWith = code;
    queueMicrotask(() => this.emit('close', code ?? 1005, Buffer.alloc(0)));
  }
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    queueMicrotask(() => this.emit('close', 1006, Buffer.alloc(0)));
  }
  get pause(): (() => void) | undefined {
    return this.supportsPause ? () => (this.paused = true) : undefined;
  }
  get resume(): (() => void) | undefined {
    return this.supportsPause ? () => (this.paused = false) : undefined;
  }
}

/** Every stream a test opens, closed after it even when it fails (a reconnecting stream would keep the process alive). */
const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((stream) => stream.close()));

function tracked(client: CallControlClient): CallControlClient {
  const events = client.events.bind(client);
  client.events = (options) => {
    const stream = events(options);
    opened.push(stream);
    return stream;
  };
  return client;
}

function fakeToken(n: number): string {
  const payload = Buffer.from(JSON.stringify({ sub: '800', iat: 1_000, exp: 4_000_000_000, n })).toString('base64url');
  return `eyJhbGciOiJIUzI1NiJ9.${payload}.sig`;
}

/** A client whose token endpoint answers from the script, and whose sockets are ScriptedSockets. */
function scriptedClient(tokenStatus: () => number = () => 200) {
  let issued = 0;
  ScriptedSocket.instances = [];
  ScriptedSocket.onCreate = undefined;
  ScriptedSocket.withPause = true;
  const client = tracked(new CallControlClient({
    baseUrl: 'http://pbx.test:5001/',
    clientId: '800',
    clientSecret: 'secret',
    WebSocket: ScriptedSocket,
    fetch: async () => {
      const status = tokenStatus();
      if (status !== 200) return new Response(JSON.stringify({ error: 'invalid_client', error_description: 'wrong secret' }), { status });
      return new Response(JSON.stringify({ token_type: 'Bearer', expires_in: 60, access_token: fakeToken(++issued), refresh_token: null }), { status: 200 });
    },
  }));
  return { client, tokensIssued: () => issued };
}

/** Resolves when `count` sockets have been created (each handled by `script` as it appears). */
function sockets(script: (socket: ScriptedSocket, index: number) => void): void {
  ScriptedSocket.onCreate = (socket) => script(socket, ScriptedSocket.instances.indexOf(socket));
}

function statuses(options: EventStreamOptions = {}): { options: EventStreamOptions; seen: EventStreamStatus[]; next(state: EventStreamStatus['state']): Promise<EventStreamStatus> } {
  const seen: EventStreamStatus[] = [];
  const waiters: { state: string; resolve(status: EventStreamStatus): void }[] = [];
  return {
    seen,
    options: {
      ...options,
      onStatus: (status) => {
        seen.push(status);
        for (const waiter of waiters.filter((w) => w.state === status.state)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(status);
        }
      },
    },
    next: (state) => new Promise((resolve) => waiters.push({ state, resolve })),
  };
}

const FAST = { initialDelayMs: 1, maxDelayMs: 5, jitter: 0 };

describe('backoffDelay', () => {
  test('grows by the factor from the initial delay, is capped, and jitter only shortens it', () => {
    const fixed = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4, 5, 10].map((retry) => backoffDelay(retry, fixed)), [100, 200, 400, 800, 1000, 1000]);
    const jittered = { ...fixed, jitter: 0.5 };
    assert.equal(backoffDelay(3, jittered, () => 0), 400);
    assert.equal(backoffDelay(3, jittered, () => 0.999999), 200);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(1 + (i % 12), { jitter: 0.5 });
      assert.ok(delay >= 0 && delay <= 30_000, `delay ${delay} out of bounds`);
    }
    assert.equal(backoffDelay(1, {}, () => 0), 250, 'default: 250 ms before the first retry');
  });
});

describe('entities', () => {
  test('participant and device paths round-trip through parseEntity; device ids are percent-encoded', () => {
    assert.equal(participantPath('800', 3), '/callcontrol/800/participants/3');
    const id = 'sip:101@127.0.0.1:5261;transport=tcp';
    assert.equal(devicePath('101', id), '/callcontrol/101/devices/sip%3A101%40127.0.0.1%3A5261%3Btransport%3Dtcp');
    assert.deepEqual(parseEntity(devicePath('101', id)), { kind: 'device', dn: '101', deviceId: id });
    assert.deepEqual(parseEntity('/callcontrol/ai/participants/17'), { kind: 'participant', dn: 'ai', id: 17 });
    assert.deepEqual(parseEntity(`/callcontrol/101/devices/${id}`), { kind: 'device', dn: '101', deviceId: id }, 'a raw id is taken as sent');
    for (const other of ['/callcontrol/800', '/callcontrol/800/participants/abc', '/callcontrol/800/participants/3/stream', 'callcontrol/800/participants/3', '']) {
      assert.equal(parseEntity(other), undefined, other);
    }
    assert.equal(participantIdOf('/callcontrol/800/participants/42'), 42);
    assert.throws(() => participantIdOf(devicePath('101', id)), TypeError);
  });

  test('frameMatches checks every field given', () => {
    const frame: EventFrame = { sequence: 5, event: { event_type: EventType.DTMFstring, entity: '/callcontrol/800/participants/3', attached_data: { dtmf_input: '1' } } };
    assert.ok(frameMatches(frame, {}));
    assert.ok(frameMatches(frame, { type: EventType.DTMFstring, dn: '800', kind: 'participant', id: 3 }));
    assert.ok(!frameMatches(frame, { type: EventType.Upsert }));
    assert.ok(!frameMatches(frame, { dn: '100' }));
    assert.ok(!frameMatches(frame, { id: 4 }));
    assert.ok(!frameMatches(frame, { kind: 'device' }));
    assert.ok(frameMatches(frame, { entity: '/callcontrol/800/participants/3' }));
  });
});

describe('EventStream with a scripted socket', () => {
  test('connects to ws:// of the base URL with the bearer token; yields frames in order; skips what is not a frame', async () => {
    const { client } = scriptedClient();
    sockets((socket) => {
      socket.open();
      socket.raw('not json');
      socket.raw('{"sequence":"1"}');
      socket.frame(1, EventType.Upsert, '/callcontrol/800/participants/1');
      socket.raw('{"sequence":2,"event":{"event_type":1,"entity":"/callcontrol/800/participants/1"}}');
    });
    const stream = client.events({ pingIntervalMs: 0 });
    const first = await stream.next();
    const second = await stream.next();
    assert.deepEqual(first.value, { sequence: 1, event: { event_type: 0, entity: '/callcontrol/800/participants/1', attached_data: null } });
    assert.deepEqual(second.value, { sequence: 2, event: { event_type: 1, entity: '/callcontrol/800/participants/1', attached_data: null } }, 'a missing attached_data reads as null');
    const socket = ScriptedSocket.instances[0]!;
    assert.equal(socket.url, 'ws://pbx.test:5001/callcontrol/ws');
    assert.match(socket.options.headers.authorization ?? '', /^Bearer eyJ/);
    stream.close();
    assert.equal(socket.closedWith, 1000);
    assert.deepEqual(await stream.next(), { value: undefined, done: true });
  });

  test('an https base URL gives a wss socket URL', async () => {
    ScriptedSocket.instances = [];
    sockets((socket) => socket.open());
    const client = tracked(new CallControlClient({ baseUrl: 'https://pbx.example.com', clientId: '800', clientSecret: 's', WebSocket: ScriptedSocket, fetch: async () => new Response(JSON.stringify({ access_token: fakeToken(1), expires_in: 60 })) }));
    const stream = client.events({ pingIntervalMs: 0 });
    await stream.ready();
    assert.equal(ScriptedSocket.instances[0]!.url, 'wss://pbx.example.com/callcontrol/ws');
    stream.close();
  });

  test('a dropped socket reconnects with back-off and tells onStatus; the stream goes on', async () => {
    const { client } = scriptedClient();
    sockets((socket, index) => {
      if (index < 2) {
        socket.fail('ECONNREFUSED');
      } else if (index === 2) {
        socket.open();
        socket.frame(1, EventType.Upsert, '/callcontrol/800/participants/1');
        socket.drop();
      } else {
        socket.open();
        socket.frame(7, EventType.Remove, '/callcontrol/800/participants/1');
      }
    });
    const watch = statuses({ reconnect: FAST, pingIntervalMs: 0 });
    const stream = client.events(watch.options);
    assert.equal((await stream.next()).value?.sequence, 1);
    assert.equal((await stream.next()).value?.sequence, 7);
    stream.close();
    assert.deepEqual(
      watch.seen.map((s) => s.state),
      ['reconnecting', 'reconnecting', 'open', 'reconnecting', 'open', 'closed'],
    );
    const retries = watch.seen.filter((s): s is Extract<EventStreamStatus, { state: 'reconnecting' }> => s.state === 'reconnecting');
    assert.deepEqual(
      retries.map((s) => s.retry),
      [1, 2, 1],
      'the connection that delivered a frame was good: the back-off started over',
    );
    assert.ok(retries[0]!.error instanceof ConnectionError);
    assert.equal(retries[0]!.error.message, 'cannot reach http://pbx.test:5001: connection refused');
    assert.match(retries[2]!.error.message, /the event socket closed \(code 1006\)/);
  });

  test('a refused token (401 invalid_client) ends the stream at once: retrying cannot fix credentials', async () => {
    const { client } = scriptedClient(() => 401);
    const stream = client.events({ reconnect: FAST });
    await assert.rejects(stream.ready(), (error: unknown) => error instanceof CallControlError && error.reason === 'invalid_client');
    await assert.rejects(stream.next(), (error: unknown) => error instanceof CallControlError && error.status === 401);
    assert.deepEqual(await stream.next(), { value: undefined, done: true }, 'the error is thrown once, then the iterator is done');
    assert.equal(ScriptedSocket.instances.length, 0);
  });

  test('an upgrade refused with 401 is retried once, at once, with a new token', async () => {
    const { client, tokensIssued } = scriptedClient();
    sockets((socket, index) => (index === 0 ? socket.refuse(401, '{"reason":"Unauthorized","reasontext":"the access token has expired"}') : socket.open()));
    const stream = client.events({ reconnect: { initialDelayMs: 60_000 }, pingIntervalMs: 0 });
    await stream.ready();
    assert.equal(ScriptedSocket.instances.length, 2);
    assert.equal(tokensIssued(), 2);
    assert.notEqual(ScriptedSocket.instances[0]!.options.headers.authorization, ScriptedSocket.instances[1]!.options.headers.authorization);
    stream.close();
  });

  test('a new token refused too ends the stream with the server’s reason', async () => {
    const { client, tokensIssued } = scriptedClient();
    sockets((socket) => socket.refuse(401, '{"finalstatus":"Rejected","reason":"Unauthorized","result":null,"reasontext":"the access token is not valid"}'));
    const stream = client.events({ reconnect: FAST });
    await assert.rejects(stream.next(), (error: unknown) => error instanceof CallControlError && error.status === 401 && error.reasontext === 'the access token is not valid');
    assert.equal(ScriptedSocket.instances.length, 2);
    assert.equal(tokensIssued(), 2);
  });

  test('403 and 404 on the upgrade end the stream; 503 is retried', async () => {
    for (const status of [403, 404]) {
      const { client } = scriptedClient();
      sockets((socket) => socket.refuse(status));
      const stream = client.events({ reconnect: FAST });
      await assert.rejects(stream.ready(), (error: unknown) => error instanceof CallControlError && error.status === status);
      assert.equal(ScriptedSocket.instances.length, 1);
    }
    const { client } = scriptedClient();
    sockets((socket, index) => (index === 0 ? socket.refuse(503) : socket.open()));
    const stream = client.events({ reconnect: FAST, pingIntervalMs: 0 });
    await stream.ready();
    assert.equal(ScriptedSocket.instances.length, 2);
    stream.close();
  });

  test('maxRetries bounds the retries: the iterator then throws the last error', async () => {
    const { client } = scriptedClient();
    sockets((socket) => socket.fail('ECONNREFUSED'));
    const stream = client.events({ reconnect: { ...FAST, maxRetries: 3 } });
    await assert.rejects(stream.next(), (error: unknown) => error instanceof ConnectionError && error.code === 'ECONNREFUSED');
    assert.equal(ScriptedSocket.instances.length, 4, 'the first attempt and three retries');
  });

  test('reconnect: false ends the stream when the socket drops, after the frames already received', async () => {
    const { client } = scriptedClient();
    sockets((socket) => {
      socket.open();
      socket.frame(1, EventType.Upsert, '/callcontrol/800/participants/1');
      socket.drop();
    });
    const stream = client.events({ reconnect: false, pingIntervalMs: 0 });
    await stream.ready().catch(() => undefined);
    assert.equal((await stream.next()).value?.sequence, 1);
    await assert.rejects(stream.next(), /the event socket closed/);
  });

  test('a server that stops answering pings is dropped and the stream reconnects', async () => {
    const { client } = scriptedClient();
    sockets((socket) => socket.open());
    const watch = statuses({ reconnect: FAST, pingIntervalMs: 10 });
    const stream = client.events(watch.options);
    const reconnecting = await watch.next('reconnecting');
    assert.match((reconnecting as { error: Error }).error.message, /did not answer a ping within 10 ms/);
    assert.ok(ScriptedSocket.instances[0]!.pings >= 1);
    assert.ok(ScriptedSocket.instances[0]!.terminated);
    await watch.next('open');
    stream.close();
  });

  test('waitFor skips frames until one matches, and a timed-out wait consumes nothing after it', async () => {
    const { client } = scriptedClient();
    let socket: ScriptedSocket | undefined;
    sockets((created) => {
      socket = created;
      created.open();
    });
    const stream = client.events({ pingIntervalMs: 0 });
    await stream.ready();
    socket!.frame(1, EventType.Upsert, '/callcontrol/100/participants/1');
    socket!.frame(2, EventType.DTMFstring, '/callcontrol/800/participants/2', { dtmf_input: '5' });
    const dtmf = await stream.waitFor({ type: EventType.DTMFstring, dn: '800' });
    assert.equal(dtmf.event.attached_data.dtmf_input, '5');
    await assert.rejects(stream.waitFor({ type: EventType.Remove }, { timeoutMs: 5 }), /^Error: no frame matching \{"type":1\} arrived within 5 ms$/);
    socket!.frame(3, EventType.Remove, '/callcontrol/100/participants/1');
    assert.equal((await stream.next()).value?.sequence, 3, 'the frame after a timed-out wait is still delivered');
    stream.close();
    await assert.rejects(stream.waitFor({}), /the event stream ended before a frame matching \{\} arrived/);
  });

  test('an abort signal closes the stream; ready() then rejects', async () => {
    const { client } = scriptedClient();
    sockets((socket) => socket.open());
    const controller = new AbortController();
    const stream = client.events({ signal: controller.signal, pingIntervalMs: 0 });
    await stream.ready();
    const pending = stream.next();
    controller.abort();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(stream.connected, false);
    await assert.rejects(stream.ready(), /closed/);
    const already = client.events({ signal: controller.signal });
    assert.deepEqual(await already.next(), { value: undefined, done: true }, 'an already aborted signal gives an ended stream');
  });

  test('breaking out of for-await closes the socket', async () => {
    const { client } = scriptedClient();
    sockets((socket) => {
      socket.open();
      for (let i = 1; i <= 5; i++) socket.frame(i, EventType.Upsert, `/callcontrol/800/participants/${i}`);
    });
    const stream = client.events({ pingIntervalMs: 0 });
    const seen: number[] = [];
    for await (const frame of stream) {
      seen.push(frame.sequence);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [1, 2]);
    assert.equal(ScriptedSocket.instances[0]!.closedWith, 1000);
  });

  test('at maxQueuedFrames the socket is paused and resumed once the reader catches up; nothing is lost', async () => {
    const { client } = scriptedClient();
    let socket: ScriptedSocket | undefined;
    sockets((created) => {
      socket = created;
      created.open();
    });
    const stream = client.events({ pingIntervalMs: 0, maxQueuedFrames: 4 });
    await stream.ready();
    for (let i = 1; i <= 6; i++) socket!.frame(i, EventType.Upsert, `/callcontrol/800/participants/${i}`);
    assert.equal(socket!.paused, true);
    socket!.frame(7, EventType.Upsert, '/callcontrol/800/participants/7'); // already read from the network: still kept
    const read: number[] = [];
    for (let i = 0; i < 4; i++) read.push((await stream.next()).value!.sequence);
    assert.equal(socket!.paused, true, '3 still waiting');
    read.push((await stream.next()).value!.sequence);
    assert.equal(socket!.paused, false, 'resumed at half the limit');
    for (let i = 0; i < 2; i++) read.push((await stream.next()).value!.sequence);
    assert.deepEqual(read, [1, 2, 3, 4, 5, 6, 7]);
    stream.close();
  });

  test('a socket that cannot pause: maxQueuedFrames + 1024 waiting fails the stream after the queued frames', async () => {
    const { client } = scriptedClient();
    ScriptedSocket.withPause = false;
    let socket: ScriptedSocket | undefined;
    sockets((created) => {
      socket = created;
      created.open();
    });
    const stream = client.events({ pingIntervalMs: 0, maxQueuedFrames: 3, reconnect: FAST });
    await stream.ready();
    for (let i = 1; i <= 1027; i++) socket!.frame(i, EventType.Upsert, `/callcontrol/800/participants/${i}`);
    const read: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const frame of stream) read.push(frame.sequence);
      })(),
      /events arrive faster than they are read: 1027 frames are waiting \(maxQueuedFrames 3\)/,
    );
    assert.equal(read.length, 1027);
    assert.equal(read.at(-1), 1027);
    assert.equal(ScriptedSocket.instances.length, 1, 'not reconnected');
  });
});
