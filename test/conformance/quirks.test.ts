// Client quirks on real sockets: hand-written HTTP/1.1 and WebSocket bytes over TLS and plain TCP, exactly as real
// 3CX clients send them (PROTOCOL.md §1, §2, §4, §5, §6), plus a program with a hard-coded wss:// URL.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { elapseUntil, nonSilent, pcmPattern } from './lib/audio.js';
import { multipartBody } from './lib/cases/token.js';
import { callRoutePoint, driven, resetBeforeEach, type Case } from './lib/context.js';
import { participantEntity } from './lib/events.js';
import { tokenForm } from './lib/http.js';
import { RawConnection, rawRequest, readWsFrame, wsFrame, type RawResponse } from './lib/raw.js';
import { openTarget } from './lib/target.js';
import { assertParticipant, assertTokenResponse, EventType } from './lib/wire.js';
import { STUCK_MS } from '../helpers/cli.js';

const target = await openTarget();
after(() => target.close());

/** A RawResponse as the shape assertions take it. */
function asHttp(response: RawResponse) {
  const text = response.body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, bytes: response.body, json };
}

for (const endpoint of target.endpoints) {
  describe(`client quirks on raw ${endpoint.scheme === 'https' ? 'TLS' : 'TCP'} sockets (${endpoint.base})`, () => {
    const c: Case = { target, endpoint, api: target.api(endpoint), topo: target.topology };
    const { topo } = c;
    const host = RawConnection.host(endpoint);
    resetBeforeEach(c);

    /** A request head with the bearer token; `extra` lines end with CRLF. */
    const head = async (method: string, path: string, extra = '') => `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${await c.api.token()}\r\nConnection: close\r\n${extra}\r\n`;
    const json = async (method: string, path: string, body: string) => rawRequest(endpoint, await head(method, path, `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`), body);

    test('token requests as clients write them: urlencoded, multipart with a client boundary, HTTP Basic', async () => {
      const { clientId, clientSecret } = c.api.credentials;
      const form = tokenForm(c.api.credentials);
      const urlencoded = await rawRequest(endpoint, `POST /connect/token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n`, form);
      assertTokenResponse(asHttp(urlencoded), clientId);
      const boundary = `----WebKitFormBoundary${randomBytes(8).toString('hex')}`;
      const multipart = multipartBody({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }, boundary);
      const viaMultipart = await rawRequest(endpoint, `POST /connect/token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${Buffer.byteLength(multipart.body)}\r\nConnection: close\r\n\r\n`, multipart.body);
      assertTokenResponse(asHttp(viaMultipart), clientId);
      const grant = 'grant_type=client_credentials';
      const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
      const viaBasic = await rawRequest(endpoint, `POST /connect/token HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Basic ${basic}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${grant.length}\r\nConnection: close\r\n\r\n`, grant);
      assertTokenResponse(asHttp(viaBasic), clientId);
    });

    test('device ids in paths, raw (":", "@", ";") and percent-encoded', async () => {
      for (const segment of [topo.softDevice, encodeURIComponent(topo.softDevice)]) {
        const response = await rawRequest(endpoint, await head('GET', `/callcontrol/${topo.twoDeviceExtension}/devices/${segment}`));
        assert.equal(response.status, 200, segment);
        assert.equal((JSON.parse(response.body.toString()) as { device_id: string }).device_id, topo.softDevice);
      }
    });

    driven(c, 'actions with an empty body and no Content-Type, with {}, and with unknown fields', async (driver) => {
      const { app } = await callRoutePoint(c, driver, false);
      const entity = participantEntity(topo.routePoint, app.id);
      const answered = await rawRequest(endpoint, await head('POST', `${entity}/answer`, 'Content-Length: 0\r\n'));
      assert.equal(answered.status, 200, answered.body.toString());
      assertParticipant((JSON.parse(answered.body.toString()) as { result: unknown }).result, { status: 'Connected' });
      const attached = await json('POST', `${entity}/attach_participant_data`, '{"attacheddata":{"k":"v"},"priority":5,"x-trace":"abc"}');
      assert.equal(attached.status, 200, attached.body.toString());
      const empty = await json('POST', `${entity}/drop`, '{}');
      assert.equal(empty.status, 200, empty.body.toString());
      assert.equal((await c.api.get(entity)).status, 404);
    });

    driven(c, 'makecall with only {"destination"} and with a free-text "reason"', async (driver) => {
      for (const body of [`{"destination":"${topo.externalAnswers}"}`, `{"destination":"${topo.externalAnswers}","timeout":30,"reason":"outbound"}`]) {
        const response = await json('POST', `/callcontrol/${topo.routePoint}/makecall`, body);
        assert.equal(response.status, 200, response.body.toString());
        const result = JSON.parse(response.body.toString()) as { finalstatus: string; result: { id: number; status: string } };
        assert.deepEqual([result.finalstatus, result.result.status], ['Success', 'Dialing']);
        await driver.reset();
      }
    });

    driven(c, 'a WebSocket client that sends unsolicited frames and pings (every 5 s, here back to back) gets pongs and keeps receiving events', async (driver) => {
      const connection = await RawConnection.open(endpoint);
      const key = randomBytes(16).toString('base64');
      await connection.write(`GET /callcontrol/ws HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${await c.api.token()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      const upgrade = await connection.readHead();
      assert.equal(upgrade.status, 101);
      assert.equal(upgrade.headers['sec-websocket-accept'], createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'));
      // What clients send unasked: a text "ping", a subscription other servers want, binary, and pings.
      await connection.write(wsFrame(0x1, Buffer.from('ping')));
      await connection.write(wsFrame(0x1, Buffer.from('{"subscribe":"/callcontrol"}')));
      await connection.write(wsFrame(0x2, Buffer.from([0, 1, 2])));
      for (let n = 1; n <= 3; n++) await connection.write(wsFrame(0x9, Buffer.from(`keepalive-${n}`)));
      for (let n = 1; n <= 3; n++) {
        const pong = await readWsFrame(connection);
        assert.deepEqual([pong.opcode, pong.payload.toString()], [0xa, `keepalive-${n}`]);
      }
      const { app } = await callRoutePoint(c, driver);
      const frame = await readWsFrame(connection);
      assert.equal(frame.opcode, 0x1);
      const event = (JSON.parse(frame.payload.toString()) as { event: { event_type: number; entity: string } }).event;
      assert.deepEqual([event.event_type, event.entity], [EventType.Upsert, participantEntity(topo.routePoint, app.id)]);
      connection.destroy();
    });

    for (const how of ['final chunk', 'Content-Length then end', 'socket destroyed'] as const) {
      driven(c, `POST .../stream as raw bytes, ended by the ${how}: the audio plays in full`, async (driver) => {
        const { app, caller } = await callRoutePoint(c, driver);
        const entity = participantEntity(topo.routePoint, app.id);
        const events = await RawConnection.open(endpoint);
        const key = randomBytes(16).toString('base64');
        await events.write(`GET /callcontrol/ws HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${await c.api.token()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        assert.equal((await events.readHead()).status, 101);
        const audio = pcmPattern(300, 5);
        const connection = await RawConnection.open(endpoint);
        const chunked = how !== 'Content-Length then end';
        await connection.write(await head('POST', `${entity}/stream`, `Content-Type: application/octet-stream\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${audio.length}`}\r\n`));
        for (let at = 0; at < audio.length; at += 1600) {
          const part = audio.subarray(at, at + 1600);
          await connection.write(chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
        }
        if (how === 'final chunk') await connection.write('0\r\n\r\n');
        // 'Content-Length then end': the body ends at its length (what end() means in HTTP clients); the socket stays open.
        if (how === 'socket destroyed') connection.destroy();
        let finished = false;
        const watch = (async () => {
          for (;;) {
            const frame = await readWsFrame(events);
            const event = (JSON.parse(frame.payload.toString()) as { event: { event_type: number; entity: string } }).event;
            if (event.event_type === EventType.PromptPlaybackFinished && event.entity === entity) return (finished = true);
          }
        })();
        await elapseUntil(driver, () => finished, 'PromptPlaybackFinished');
        await watch;
        if (how !== 'socket destroyed') assert.equal((await connection.response()).status, 200);
        assert.deepEqual(nonSilent(await driver.recording(caller)), audio, 'every sample, in order');
        connection.destroy();
        events.destroy();
      });
    }

    driven(c, 'GET .../stream read as raw chunks, then closed early by the client: the server carries on', async (driver) => {
      const { app } = await callRoutePoint(c, driver);
      const entity = participantEntity(topo.routePoint, app.id);
      const connection = await RawConnection.open(endpoint);
      await connection.write(await head('GET', `${entity}/stream`));
      const response = await connection.readHead();
      assert.deepEqual([response.status, response.headers['content-type'], response.headers['transfer-encoding']], [200, 'application/octet-stream', 'chunked']);
      await driver.elapse(100, 20);
      const chunk = await connection.readChunk();
      assert.ok(chunk.length > 0 && chunk.length % 320 === 0, `whole 20 ms frames: ${chunk.length}`);
      connection.destroy();
      await driver.elapse(200, 20);
      assertParticipant((await c.api.get(entity)).json, { id: app.id, status: 'Connected' });
    });
  });
}

describe('a program that hard-codes wss:// given an http:// base URL', () => {
  const plain = target.endpoints.find((e) => e.scheme === 'http');
  const skip = !target.caFile || !plain ? 'needs an http:// base URL and CONFORMANCE_CA_FILE' : !target.driver ? 'needs a call driver' : false;
  test('trusting only NODE_EXTRA_CA_CERTS=<the CA file>, it gets a token over http://, opens wss://host:port/callcontrol/ws and receives events', { skip }, async () => {
    const c: Case = { target, endpoint: plain!, api: target.api(plain!), topo: target.topology };
    await target.driver!.reset();
    const url = new URL(plain!.base);
    const wssHost = url.hostname === '127.0.0.1' ? 'localhost' : url.hostname;
    // The vendor example's pattern: REST on the base URL, the socket on wss:// of the same host:port whatever the scheme.
    const script = `
      const { default: WebSocket } = await import(${JSON.stringify(import.meta.resolve('ws'))});
      const base = process.argv[1];
      const r = await fetch(base + '/connect/token', { method: 'POST', body: new URLSearchParams(${JSON.stringify({ grant_type: 'client_credentials', ...{ client_id: c.api.credentials.clientId, client_secret: c.api.credentials.clientSecret } })}) });
      const { access_token } = await r.json();
      const ws = new WebSocket('wss://${wssHost}:' + new URL(base).port + '/callcontrol/ws', { headers: { Authorization: 'Bearer ' + access_token } });
      ws.on('open', () => console.log('open'));
      ws.on('message', (data) => { console.log(data.toString()); process.exit(0); });
      ws.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, plain!.base], { env: { ...process.env, NODE_EXTRA_CA_CERTS: target.caFile! }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const wakers = new Set<() => void>();
    child.stdout.on('data', (chunk: Buffer) => ((out += chunk.toString()), wakers.forEach((w) => w())));
    child.stderr.on('data', (chunk: Buffer) => ((out += chunk.toString()), wakers.forEach((w) => w())));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), STUCK_MS);
    await new Promise<void>((resolve, reject) => {
      const check = () => (out.includes('open') ? resolve() : out.includes('error') ? reject(new Error(out)) : undefined);
      wakers.add(check);
      void exited.then(() => reject(new Error(`exited: ${out}`)));
    });
    const { app } = await callRoutePoint(c, target.driver!);
    const code = await exited;
    clearTimeout(killer);
    assert.equal(code, 0, out);
    const frame = JSON.parse(out.split('\n')[1]!) as { event: { event_type: number; entity: string } };
    assert.deepEqual([frame.event.event_type, frame.event.entity], [EventType.Upsert, participantEntity(target.topology.routePoint, app.id)]);
  });
});
