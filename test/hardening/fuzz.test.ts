// Property-based fuzz run: 10,000 random requests across every route (many built from the OpenAPI document's own
// paths), with valid and hostile input, never get a 5xx or crash the server, leave the PBX consistent, and answer
// only statuses and bodies the OpenAPI document declares.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildApp } from '../../src/api/app.js';
import { MediaEngine } from '../../src/media/engine.js';
import { demoConfig } from '../../src/config/demo.js';
import { ManualClock } from '../../src/core/clock.js';
import { createSimulatedPbx } from '../../src/endpoints/directory.js';
import { simPlane } from '../../src/sim/plane.js';
import { deviceIds } from '../helpers/demo.js';
import { OpenApiChecker, type OpenApiDocument } from '../helpers/openapi-check.js';
import { assertConsistent, TEST_DEMO_SECRET } from '../helpers/pbx.js';

const ADMIN_KEY = 'fuzz-admin-key-0123456789';
const REQUESTS = 10_000;

/** What the run saw, for the checks against the OpenAPI document that follow it. */
interface RunRecord {
  completed: boolean;
  /** `METHOD /route status` of each answer of a documented operation, with how often. */
  answered: Map<string, number>;
  /** Disagreements with the document: `kind: METHOD /route status: problem`, with one example request each. */
  problems: Map<string, string>;
  documentedAnswers: number;
  /** Requests whose log line named the route that served them. */
  logged: number;
}
const record: RunRecord = { completed: false, answered: new Map(), problems: new Map(), documentedAnswers: 0, logged: 0 };

/** Streams that answer for as long as the call lasts: the run reads every answer in full, so it does not open them. */
const LIVE_STREAM = /\/(stream|listen)(\?|$)/;

test(`${REQUESTS} random requests: no 5xx, no crash, the PBX stays consistent`, { timeout: 600_000 }, async () => {
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  config.server.dataDir = mkdtempSync(join(tmpdir(), 'switchboard-fuzz-'));
  const clock = new ManualClock();
  const internalErrors: unknown[] = [];
  const sim = createSimulatedPbx(config, clock, (error) => internalErrors.push(error));
  // The request log line names the route that served each request (by its request id): the operation to check against.
  const routes = new Map<string, { route: string; statusCode: number }>();
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; reqId?: string; route?: string; statusCode?: number };
      if (entry.msg === 'request' && entry.reqId?.startsWith('fuzz-')) routes.set(entry.reqId, { route: entry.route ?? '', statusCode: entry.statusCode ?? 0 });
    },
  };
  const media = new MediaEngine({ pbx: sim.pbx, clock, partyMedia: sim.partyMedia });
  const extensions = simPlane({ sim, clock, config, adminKey: ADMIN_KEY, media });
  const app = await buildApp({ pbx: sim.pbx, media, config, clock, dataDir: config.server.dataDir, extensions, consoleLink: true, log: { level: 'info', destination } });
  const ids = deviceIds(config);
  const document = (await app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
  const checker = new OpenApiChecker(document);

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
  // A backslash after the first slash makes the URL parser read a host (light-my-request refuses such a path).
  const safe = (segment: string) => segment.replace(/[?#/\\]/g, '_');
  // Requests built from the document: each operation's method and path, its parameters filled from the pools above.
  const parameter: Record<string, fc.Arbitrary<string>> = {
    dnnumber: dn,
    dn,
    deviceid: device,
    id: participant,
    action: fc.oneof(action, fc.constantFrom('answer', 'reject', 'busy', 'hangup')),
    number: fc.oneof(fc.constantFrom('+15550001', '+15550003', '+15557000001', '100'), hostile),
  };
  const templates = Object.entries(document.paths)
    .flatMap(([template, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), template })))
    .filter(({ template }) => !LIVE_STREAM.test(template));
  const documented = fc.constantFrom(...templates).chain(({ method, template }) => {
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    return fc.tuple(...names.map((name) => parameter[name] ?? hostile)).map((values) => {
      let index = 0;
      return `DOC ${method} ${template.replace(/\{\w+\}/g, () => safe(values[index++] ?? ''))}`;
    });
  });
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
    documented,
    documented,
    documented,
    fc.tuple(participant, fc.constantFrom('', '?format=raw', '?format=wav', '?format=mp3', '?format=')).map(([p, q]) => `DOC GET /sim/parties/${safe(p)}/recording${q}`),
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
    let method: string = r.method;
    // A request from the document carries its own method, most of the time; otherwise any method on its path.
    if (url.startsWith('DOC ')) {
      const spaced = url.indexOf(' ', 4);
      if (r.world < 8) method = url.slice(4, spaced);
      url = url.slice(spaced + 1);
    }
    if ((method === 'GET' || method === 'HEAD') && LIVE_STREAM.test(url)) method = 'POST';
    if (url.startsWith('LIVE:')) {
      const all = live();
      const target = all[Number(url.slice(5)) % Math.max(all.length, 1)];
      url = target ? `/callcontrol/${target.dn}/participants/${target.id}/${r.liveAction}` : '/callcontrol/800/participants/1/drop';
    }
    const headers: Record<string, string> = { 'x-request-id': `fuzz-${index}` };
    // The right credential for the plane the path is on, most of the time: /sim wants the admin key, the API a token.
    const kind = r.auth === 'valid' && url.startsWith('/sim') && r.world % 2 === 0 ? 'admin' : r.auth;
    const header = authorization(kind, await freshToken());
    if (header !== undefined) headers['authorization'] = header;
    if (r.body.type !== undefined) headers['content-type'] = r.body.type;
    const sendsBody = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    const pending = app.inject({ method: method as 'GET', url, headers, ...(sendsBody ? { payload: r.body.text } : {}) });
    // Pending actions wait on the PBX clock: move it until the answer comes (ring timeouts fire on the way).
    let settled = false;
    void pending.finally(() => (settled = true));
    for (let turns = 0; !settled && turns < 100; turns++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!settled && turns % 5 === 4) clock.advance(31_000);
    }
    const response = await pending;
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const described = `${method} ${url} (${r.body.type ?? 'no type'}: ${JSON.stringify(r.body.text).slice(0, 80)})`;
    assert.ok(response.statusCode < 500, `${described} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
    // The log line is written when the response closes, a few turns after inject resolves. A path the router refused
    // (invalid percent-encoding, too long) gets no line: it reached no route, so no operation to check.
    for (let turns = 0; !routes.has(`fuzz-${index}`) && turns < 20; turns++) await new Promise((resolve) => setImmediate(resolve));
    const served = routes.get(`fuzz-${index}`);
    routes.delete(`fuzz-${index}`);
    if (served) record.logged++;
    const operation = served ? checker.operation(method, served.route) : undefined;
    if (operation) {
      const key = `${method === 'HEAD' ? 'GET' : method} ${served?.route} ${response.statusCode}`;
      record.answered.set(key, (record.answered.get(key) ?? 0) + 1);
      record.documentedAnswers++;
      const contentType = response.headers['content-type'];
      for (const problem of checker.check(operation, response.statusCode, typeof contentType === 'string' ? contentType : undefined, response.body, method !== 'HEAD')) {
        const entry = `${problem.kind}: ${key}: ${problem.text}`;
        if (!record.problems.has(entry)) record.problems.set(entry, `${described}: ${JSON.stringify(response.body.slice(0, 160))}`);
      }
    }
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
  record.completed = true;
});

test('every status a route answered in the run is declared for its operation in /openapi.json', () => {
  assert.ok(record.completed, 'the fuzz run completed');
  // The run must reach most of the API for this to mean anything: documented operations, and many answers.
  const operationsReached = new Set([...record.answered.keys()].map((key) => key.split(' ').slice(0, 2).join(' ')));
  assert.ok(operationsReached.size >= 25, `operations reached: ${[...operationsReached].join(', ')}`);
  assert.ok(record.logged > REQUESTS * 0.9, `${record.logged} requests logged with their route`);
  // The rest are hostile paths and methods no route serves (404) or the router refuses.
  assert.ok(record.documentedAnswers > REQUESTS / 4, `${record.documentedAnswers} answers of documented operations`);
  console.log(`fuzz answers of documented operations: ${JSON.stringify([...record.answered].sort())}`);
  const undeclared = [...record.problems].filter(([problem]) => problem.startsWith('status:'));
  assert.deepEqual(undeclared.map(([problem, example]) => `${problem}\n    e.g. ${example}`), []);
});

test('every answer of the run has a declared content type, and every JSON body fits its response schema', () => {
  assert.ok(record.completed, 'the fuzz run completed');
  const mismatched = [...record.problems].filter(([problem]) => problem.startsWith('body:'));
  assert.deepEqual(mismatched.map(([problem, example]) => `${problem}\n    e.g. ${example}`), []);
});
