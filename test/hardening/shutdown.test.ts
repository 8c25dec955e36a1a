// Graceful shutdown of the real (built) process: on SIGTERM calls end with their Remove events delivered, sockets close, exit 0 without hanging.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { CLOSE_GRACE_MS } from '../../src/limits.js';
import { CLI, spawnCounted, STUCK_MS } from '../helpers/cli.js';

const SECRET = 'shutdown-test-secret';
const ADMIN = 'shutdown-admin-key-0123';
/**
 * Open sockets are destroyed CLOSE_GRACE_MS after the calls end; the rest of the bound is room for a loaded machine.
 * A shutdown that waited on a client (the bug this guards against) would never end, so it still fails here.
 */
const EXIT_BOUND_MS = CLOSE_GRACE_MS + 15_000;

test('SIGTERM ends calls (Remove frames reach the client), closes the event socket with 1001 and exits 0 without waiting on clients', async () => {
  const child = await spawnCounted(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0'], {
    cwd: mkdtempSync(join(tmpdir(), 'switchboard-shutdown-')),
    env: { ...process.env, SWITCHBOARD_CONFIG: '', SWITCHBOARD_DEMO_SECRET: SECRET, SWITCHBOARD_ADMIN_KEY: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), STUCK_MS);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /URL:\s+(http:\/\/\S+)/.exec(out);
        if (match && out.includes('Press Ctrl+C')) resolve(match[1]!);
      });
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const token = ((await (await fetch(`${url}/connect/token`, { method: 'POST', body: new URLSearchParams({ client_id: '800', client_secret: SECRET, grant_type: 'client_credentials' }) })).json()) as { access_token: string }).access_token;
    const socket = new WebSocket(`${url.replace('http', 'ws')}/callcontrol/ws`, { headers: { authorization: `Bearer ${token}` } });
    const frames: { event: { event_type: number; entity: string } }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));

    const placed = await fetch(`${url}/sim/calls`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: '+15557654321', to: '+15550100' }) });
    assert.equal(placed.status, 201);
    while (frames.length < 2) await new Promise((resolve) => socket.once('message', resolve));
    const entity = frames[0]!.event.entity;

    const started = Date.now();
    child.kill('SIGTERM');
    const code = await closed;
    assert.equal(await exited, 0);
    assert.ok(Date.now() - started < EXIT_BOUND_MS, `took ${Date.now() - started} ms`);
    assert.equal(code, 1001);
    assert.deepEqual(frames.at(-1)?.event, { event_type: 1, entity, attached_data: null }, 'the Remove of the ended call arrived before the close');
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
});
