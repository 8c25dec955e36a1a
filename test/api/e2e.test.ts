// End to end: the real server on a real socket with the system clock: tokens in each encoding, a call placed, watched and dropped.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import { startServer } from '../../src/server.js';
import { tempDataDir, TEST_DEMO_SECRET } from '../helpers/api.js';
import { STUCK_MS } from '../helpers/cli.js';

const DESTINATION = '+15550199'; // answers after 1 s

test('token (urlencoded, multipart, Basic) -> makecall from the route point device -> Dialing -> Connected -> drop -> 404', async (ctx) => {
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  const dataDir = tempDataDir();
  config.server.dataDir = dataDir;
  const server = await startServer({ config, host: '127.0.0.1', port: 0 });
  ctx.after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const base = server.url;

  async function token(init: RequestInit): Promise<string> {
    const response = await fetch(`${base}/connect/token`, { method: 'POST', ...init });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['token_type', 'expires_in', 'access_token', 'refresh_token']);
    assert.equal(body['expires_in'], 60);
    return body['access_token'] as string;
  }

  const viaForm = await token({ body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '800', client_secret: TEST_DEMO_SECRET }) });
  const multipart = new FormData();
  multipart.set('grant_type', 'client_credentials');
  multipart.set('client_id', '800');
  multipart.set('client_secret', TEST_DEMO_SECRET);
  const viaMultipart = await token({ body: multipart });
  const viaBasic = await token({
    headers: { authorization: `Basic ${Buffer.from(`800:${TEST_DEMO_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });

  // Every token works; use each for a read.
  for (const bearer of [viaForm, viaMultipart, viaBasic]) {
    const response = await fetch(`${base}/callcontrol`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal(response.status, 200);
  }
  const auth = { authorization: `Bearer ${viaBasic}` };

  // The route point's device, as the vendor's example finds it: devices[0] of the route point DN.
  const dn = (await (await fetch(`${base}/callcontrol/800`, { headers: auth })).json()) as { devices: { device_id: string }[] };
  const deviceId = dn.devices[0]!.device_id;

  const made = await fetch(`${base}/callcontrol/800/devices/${encodeURIComponent(deviceId)}/makecall`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ destination: DESTINATION, timeout: 30, reason: 'outbound' }),
  });
  assert.equal(made.status, 200);
  const result = (await made.json()) as { finalstatus: string; reason: string; result: { id: number; status: string } };
  assert.equal(result.finalstatus, 'Success');
  assert.equal(result.reason, 'None');
  assert.equal(result.result.status, 'Dialing');
  const participantUrl = `${base}/callcontrol/800/participants/${result.result.id}`;

  // The one real-time wait of the suite: poll until the far end answers after 1 s, bounded only to catch a hang.
  const seen: string[] = [];
  const deadline = Date.now() + STUCK_MS;
  while (seen.at(-1) !== 'Connected' && Date.now() < deadline) {
    const response = await fetch(participantUrl, { headers: auth });
    assert.equal(response.status, 200);
    const status = ((await response.json()) as { status: string }).status;
    if (seen.at(-1) !== status) seen.push(status);
    if (status !== 'Connected') await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(seen, ['Dialing', 'Connected']);

  const dropped = await fetch(`${participantUrl}/drop`, { method: 'POST', headers: auth });
  assert.equal(dropped.status, 200);
  assert.equal(((await dropped.json()) as { finalstatus: string }).finalstatus, 'Success');

  const gone = await fetch(participantUrl, { headers: auth });
  assert.equal(gone.status, 404);
  assert.equal(((await gone.json()) as { reason: string }).reason, 'ParticipantNotFound');
});
