// Property-based fuzz run: 10,000 random requests across every route, with valid and hostile input, never get a 5xx
// or crash the server, and leave the PBX consistent.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildApp } from '../../src/api/app.js';
import { demoConfig } from '../../src/config/demo.js';
import { ManualClock } from '../../src/core/clock.js';
import { createSimulatedPbx } from '../../src/endpoints/directory.js';
import { deviceIds } from '../helpers/demo.js';
import { assertConsistent, TEST_DEMO_SECRET } from '../helpers/pbx.js';

const ADMIN_KEY = 'fuzz-admin-key-0123456789';
const REQUESTS = 10_000;

test(`${REQUESTS} random requests: no 5xx, no crash, the PBX stays consistent`, { timeout: 600_000 }, async () => {
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  config.server.dataDir = mkdtempSync(join(tmpdir(), 'switchboard-fuzz-'));
  const clock = new ManualClock();
  const internalErrors: unknown[] = [];
  const sim = createSimulatedPbx(config, clock, (error) => internalErrors.push(error));
  const app = await buildApp({ pbx: sim.pbx, config, clock, dataDir: config.server.dataDir, sim: { sim, adminKey: ADMIN_KEY } });
  const ids = deviceIds(config);

  // Tokens are checked against the PBX clock, which this run moves: take a fresh one as time passes.
  let token = '';
  let tokenAt = -Infinity;
  const freshToken = async () => {
    if (clock.now() - tokenAt < 30 * 60_000) return token;
    const response = await app.inject({ method: 'POST', url: '/connect/token', payload: `client_id=800&client_secret=${TEST_DEMO_SECRET}&grant_type=client_credentials`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    token = (response.json() as { access_token: string }).access_token;
    tokenAt = clock.now();
    return token;
  };
  const authorization = (kind: string, valid: string): string | undefined => {
    const [head, payload, signature] = valid.split('.');
    switch (kind) {
      case 'valid':
        return `Bearer ${valid}`;
      case 'admin':
        return `Bearer ${ADMIN_KEY}`;
      case 'none':
        return undefined;
      case 'empty':
        return 'Bearer ';
      case 'garbage':
        return 'Bearer garbage';
      case 'tampered':
        return `Bearer ${head}.${payload}.${signature?.slice(0, -2)}xx`;
      case 'alg-none':
        return `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      default:
        return `Basic ${Buffer.from(`800:${TEST_DEMO_SECRET}`).toString('base64')}`;
    }
  };

  const live = () => sim.pbx.listCalls().flatMap((call) => call.participants.map((p) => ({ dn: p.dn, id: p.id })));
  const hostile = fc.oneof(
    fc.constantFrom('..', '%00', '%', '%zz', '%2e%2e', '.', '', ' ', '😀', '\u0000', 'a'.repeat(2000), '-1', '2147483648', '99999999999', '1e3', '0x10', 'null', '[]'),
    fc.string({ maxLength: 40 }),
  );
  const dn = fc.oneof(fc.constantFrom('800', '100', '101', '102', '103', '801', '802', '10000', '999'), hostile);
  const device = fc.oneof(fc.constantFrom(ids.routePoint, encodeURIComponent(ids.routePoint), ids.alice, encodeURIComponent(ids.bobSoft), ids.bobSoft), hostile);
  const participant = fc.oneof(fc.nat({ max: 60 }).map(String), hostile);
  const action = fc.oneof(fc.constantFrom('drop', 'answer', 'divert', 'routeto', 'transferto', 'attach_participant_data', 'attach_party_data', 'stream'), hostile);
  const safe = (segment: string) => segment.replace(/[?#/]/g, '_');
  const path = fc.oneof(
    fc.constant('/callcontrol'),
    fc.constant('/callcontrol/'),
    dn.map((d) => `/callcontrol/${safe(d)}`),
    dn.map((d) => `/callcontrol/${safe(d)}/devices`),
    fc.tuple(dn, device).map(([d, v]) => `/callcontrol/${safe(d)}/devices/${safe(v)}`),
    dn.map((d) => `/callcontrol/${safe(d)}/participants`),
    fc.tuple(dn, participant).map(([d, p]) => `/callcontrol/${safe(d)}/participants/${safe(p)}`),
    fc.tuple(dn, participant, action).map(([d, p, a]) => `/callcontrol/${safe(d)}/participants/${safe(p)}/${safe(a)}`),
    fc.nat().map((n) => `LIVE:${n}`), // an action on a live participant, picked when the request is made
    dn.map((d) => `/callcontrol/${safe(d)}/makecall`),
    fc.tuple(dn, device).map(([d, v]) => `/callcontrol/${safe(d)}/devices/${safe(v)}/makecall`),
    fc.constantFrom('/connect/token', '/openapi.json', '/healthz', '/sim/state', '/sim/calls', '/sim/parties', '/sim/reset', '/sim/clock/advance', '/callcontrol/ws'),
    fc.tuple(participant, fc.constantFrom('answer', 'reject', 'busy', 'hangup', 'dtmf', 'x')).map(([p, a]) => `/sim/parties/${safe(p)}/${a}`),
    fc.tuple(dn, device).map(([d, v]) => `/sim/devices/${safe(d)}/${safe(v)}`),
    hostile.map((h) => `/${safe(h)}`),
  );
  const value = fc.oneof(
    fc.constantFrom('100', '101', '103', '800', '+15557000001', '+15550001', '+15550003', '', 'None', 'NoAnswer', 'bogus'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 20 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)), { maxKeys: 3 }),
  );
  const jsonBody = fc.dictionary(
    fc.constantFrom('destination', 'reason', 'timeout', 'attacheddata', 'Destination', 'Reason', 'Timeout', 'AttachedData', 'from', 'to', 'digits', 'ms', 'behaviour', 'id', 'client_id', 'extra'),
    value,
    { maxKeys: 5 },
  );
  const body = fc.oneof(
    jsonBody.map((b) => ({ text: JSON.stringify(b), type: 'application/json' })),
    jsonBody.map((b) => ({ text: JSON.stringify(b), type: 'application/json; charset=utf-8' })),
    fc.constantFrom('{', '{"destination":', 'null', '[]', '""', '{}', '\u0000', '\uFEFF{}', '{"a":1}{"b":2}').map((text) => ({ text, type: 'application/json' })),
    fc.string({ maxLength: 60 }).map((text) => ({ text, type: 'text/plain' })),
    fc.string({ maxLength: 60 }).map((text) => ({ text, type: undefined })),
    fc.constant({ text: 'client_id=800&client_secret=x&grant_type=client_credentials', type: 'application/x-www-form-urlencoded' }),
    fc.constant({ text: '--x\r\nContent-Disposition: form-data; name="client_id"\r\n\r\n800\r\n--x--', type: 'multipart/form-data; boundary=x' }),
    fc.constant({ text: '', type: undefined }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ text: Buffer.from(bytes).toString('latin1'), type: 'application/octet-stream' })),
  );
  const auth = fc.constantFrom('valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'admin', 'admin', 'none', 'empty', 'garbage', 'tampered', 'alg-none', 'basic');
  const request = fc.record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    path,
    body,
    auth,
    liveAction: fc.constantFrom('drop', 'answer', 'divert', 'routeto', 'transferto', 'attach_participant_data', 'attach_party_data'),
    world: fc.nat({ max: 9 }),
  });

  const samples = fc.sample(request, { numRuns: REQUESTS, seed: 424242 });
  const statuses = new Map<number, number>();
  for (const [index, r] of samples.entries()) {
    // Keep calls around so actions meet participants in every state.
    if (r.world === 0) {
      try {
        sim.pbx.placeInboundCall({ from: '+15557654321', to: ['+15550100', '+15550101', '+15550102', '100', '101'][index % 5]! });
      } catch {
        // refused calls are part of the run
      }
    }
    let url = r.path;
    if (url.startsWith('LIVE:')) {
      const all = live();
      const target = all[Number(url.slice(5)) % Math.max(all.length, 1)];
      url = target ? `/callcontrol/${target.dn}/participants/${target.id}/${r.liveAction}` : '/callcontrol/800/participants/1/drop';
    }
    const headers: Record<string, string> = {};
    const header = authorization(r.auth, await freshToken());
    if (header !== undefined) headers['authorization'] = header;
    if (r.body.type !== undefined) headers['content-type'] = r.body.type;
    const sendsBody = !['GET', 'HEAD', 'OPTIONS'].includes(r.method);
    const pending = app.inject({ method: r.method as 'GET', url, headers, ...(sendsBody ? { payload: r.body.text } : {}) });
    // Pending actions wait on the PBX clock: move it until the answer comes (ring timeouts fire on the way).
    let settled = false;
    void pending.finally(() => (settled = true));
    for (let turns = 0; !settled && turns < 100; turns++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!settled && turns % 5 === 4) clock.advance(31_000);
    }
    const response = await pending;
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    assert.ok(response.statusCode < 500, `${r.method} ${url} (${r.body.type ?? 'no type'}: ${JSON.stringify(r.body.text).slice(0, 80)}) answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
    if (index % 250 === 0) assertConsistent(sim.pbx);
    if (r.world === 1) clock.advance(1_000);
  }
  assertConsistent(sim.pbx);
  assert.deepEqual(internalErrors, [], 'no endpoint hook or listener failed');
  // The run must reach the PBX, not only bounce off validation.
  assert.ok((statuses.get(200) ?? 0) > 200, `statuses seen: ${JSON.stringify([...statuses])}`);
  console.log(`fuzz statuses: ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
  sim.pbx.endAllCalls();
  await app.close();
  assert.equal(sim.pbx.activeCallCount(), 0);
});
