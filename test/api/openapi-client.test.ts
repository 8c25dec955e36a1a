// A typed client generated from /openapi.json (openapi-typescript + openapi-fetch) compiles a call of every operation.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { servedDocuments } from '../helpers/documents.js';

/**
 * One call per operationId, as an application would write it against the generated client. drop sends no body:
 * a client generated from a document that required one would not compile.
 */
const CALLS: Record<string, string> = {
  requestToken: `client.POST('/connect/token', { body: { grant_type: 'client_credentials', client_id: '800', client_secret: 's' } })`,
  listDns: `client.GET('/callcontrol')`,
  getDn: `client.GET('/callcontrol/{dnnumber}', { params: { path: { dnnumber: '800' } } })`,
  listDevices: `client.GET('/callcontrol/{dnnumber}/devices', { params: { path: { dnnumber: '100' } } })`,
  getDevice: `client.GET('/callcontrol/{dnnumber}/devices/{deviceid}', { params: { path: { dnnumber: '100', deviceid: 'sip%3A100%40127.0.0.1' } } })`,
  listParticipants: `client.GET('/callcontrol/{dnnumber}/participants', { params: { path: { dnnumber: '800' } } })`,
  getParticipant: `client.GET('/callcontrol/{dnnumber}/participants/{id}', { params: { path: { dnnumber: '800', id: '1' } } })`,
  participantAction: `client.POST('/callcontrol/{dnnumber}/participants/{id}/{action}', { params: { path: { dnnumber: '800', id: '1', action: 'drop' } } })`,
  makeCall: `client.POST('/callcontrol/{dnnumber}/makecall', { params: { path: { dnnumber: '800' } }, body: { destination: '100', timeout: 10 } })`,
  makeCallFromDevice: `client.POST('/callcontrol/{dnnumber}/devices/{deviceid}/makecall', { params: { path: { dnnumber: '100', deviceid: 'd' } }, body: { destination: '101' } })`,
  readParticipantStream: `client.GET('/callcontrol/{dnnumber}/participants/{id}/stream', { params: { path: { dnnumber: '800', id: '1' } }, parseAs: 'stream' })`,
  writeParticipantStream: `client.POST('/callcontrol/{dnnumber}/participants/{id}/stream', { params: { path: { dnnumber: '800', id: '1' } } })`,
  simGetState: `client.GET('/sim/state')`,
  simPlaceCall: `client.POST('/sim/calls', { body: { from: '+15550001', to: '800' } })`,
  simListParties: `client.GET('/sim/parties')`,
  simGetParty: `client.GET('/sim/parties/{id}', { params: { path: { id: '2' } } })`,
  simSendDtmf: `client.POST('/sim/parties/{id}/dtmf', { params: { path: { id: '2' } }, body: { digits: '12#' } })`,
  simPartyAction: `client.POST('/sim/parties/{id}/{action}', { params: { path: { id: '2', action: 'hangup' } } })`,
  simSetNumber: `client.PUT('/sim/numbers/{number}', { params: { path: { number: '+15550001' } }, body: { behaviour: { kind: 'busy' } } })`,
  simUpdateDevice: `client.PUT('/sim/devices/{dn}/{deviceid}', { params: { path: { dn: '100', deviceid: 'd' } }, body: { directControl: true } })`,
  simUnregisterDevice: `client.DELETE('/sim/devices/{dn}/{deviceid}', { params: { path: { dn: '100', deviceid: 'd' } } })`,
  simRegisterDevice: `client.POST('/sim/devices/{dn}', { params: { path: { dn: '100' } }, body: { id: 'sip:100@127.0.0.1:5999' } })`,
  simSetRoutePoint: `client.PUT('/sim/routepoints/{dn}', { params: { path: { dn: '800' } }, body: { autoAnswer: false } })`,
  simGetClock: `client.GET('/sim/clock')`,
  simListSipRegistrations: `client.GET('/sim/sip/registrations')`,
  simListRtpSessions: `client.GET('/sim/sip/rtp')`,
  simListSipTrunks: `client.GET('/sim/sip/trunks')`,
  simListRemovals: `client.GET('/sim/removals')`,
  simAdvanceClock: `client.POST('/sim/clock/advance', { body: { ms: 1000 } })`,
  simReset: `client.POST('/sim/reset')`,
  simPlayAudio: `client.POST('/sim/parties/{id}/audio', { params: { path: { id: '2' } } })`,
  simGetRecording: `client.GET('/sim/parties/{id}/recording', { params: { path: { id: '2' }, query: { format: 'raw' } }, parseAs: 'arrayBuffer' })`,
  simGetMedia: `client.GET('/sim/media')`,
  simSetDefaultMedia: `client.PUT('/sim/media/default', { body: { kind: 'echo', delayMs: 60 } })`,
  simSetNumberMedia: `client.PUT('/sim/media/numbers/{number}', { params: { path: { number: '+15550001' } }, body: { kind: 'tone', frequencyHz: [350, 440] } })`,
  simSetDeviceMedia: `client.PUT('/sim/media/devices/{dn}/{deviceid}', { params: { path: { dn: '100', deviceid: 'd' } }, body: { kind: 'silence' } })`,
  simListenToParty: `client.GET('/sim/parties/{id}/listen', { params: { path: { id: '2' } }, parseAs: 'stream' })`,
  getHealth: `client.GET('/healthz')`,
  getMetrics: `client.GET('/metrics', { parseAs: 'text' })`,
};

/** The program: every call, named types read from the answers, and the operations of the client checked complete. */
function program(calls: Record<string, string>): string {
  const lines = Object.entries(calls).map(([id, call]) => `  ${id}: () => ${call},`);
  return [
    `import createClient from 'openapi-fetch';`,
    `import type { components, operations, paths } from './schema.js';`,
    `const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:1' });`,
    // Record<keyof operations, ...> fails to compile when an operation of the client has no call here.
    `export const calls: Record<keyof operations, () => Promise<unknown>> = {`,
    ...lines,
    `};`,
    `export async function named(): Promise<string> {`,
    `  const { data } = await client.GET('/callcontrol/{dnnumber}/participants/{id}', { params: { path: { dnnumber: '800', id: '1' } } });`,
    `  const participant: components['schemas']['Participant'] | undefined = data;`,
    `  const dns: components['schemas']['DnInfo'][] | undefined = (await client.GET('/callcontrol')).data;`,
    `  const dropped = await client.POST('/callcontrol/{dnnumber}/participants/{id}/{action}', { params: { path: { dnnumber: '800', id: '1', action: 'drop' } } });`,
    `  const result: components['schemas']['CallControlResult'] | undefined = dropped.data ?? dropped.error;`,
    `  const action: operations['participantAction']['parameters']['path']['action'] = 'transferto';`,
    `  return [participant?.status, dns?.[0]?.devices[0]?.device_id, result?.finalstatus, action].join();`,
    `}`,
    '',
  ].join('\n');
}

interface Compiled {
  operationIds: string[];
  errors: string[];
}

/**
 * Generates schema.ts from a document, writes the program beside it and type-checks both (strict).
 * One folder for every check, and each program built on the last, so the standard library is parsed once.
 */
class Checker {
  private readonly dir = mkdtempSync(join(tmpdir(), 'switchboard-client-'));
  private last: ts.Program | undefined;

  constructor() {
    writeFileSync(join(this.dir, 'package.json'), JSON.stringify({ type: 'module' }));
    mkdirSync(join(this.dir, 'node_modules'));
    symlinkSync(resolve('node_modules/openapi-fetch'), join(this.dir, 'node_modules', 'openapi-fetch'), 'dir');
  }

  async compile(document: Record<string, unknown>, calls: Record<string, string>): Promise<Compiled> {
    const schema = astToString(await openapiTS(document as never));
    // A .ts file, not .d.ts: the generated types are checked in full while the libraries' declarations are taken as given.
    writeFileSync(join(this.dir, 'schema.ts'), schema);
    writeFileSync(join(this.dir, 'main.ts'), program(calls));
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
    };
    const built = ts.createProgram({ rootNames: [join(this.dir, 'main.ts')], options, ...(this.last ? { oldProgram: this.last } : {}) });
    this.last = built;
    const errors = ts.getPreEmitDiagnostics(built).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    const operationIds = [...schema.slice(schema.indexOf('export interface operations {')).matchAll(/^ {4}(\w+): \{$/gm)].map((match) => match[1]!);
    return { operationIds, errors };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const documentedIds = (document: Record<string, unknown>) =>
  Object.values(document['paths'] as Record<string, Record<string, { operationId?: string }>>)
    .flatMap((methods) => Object.values(methods).map((operation) => operation.operationId ?? '(none)'))
    .sort();

test('the generated client has every operation and compiles a call of each, drop without a body', { timeout: 300_000 }, async () => {
  const { openapi } = await servedDocuments();
  assert.deepEqual(Object.keys(CALLS).sort(), documentedIds(openapi), 'one call per documented operation');
  const checker = new Checker();
  try {
    const compiled = await checker.compile(openapi, CALLS);
    assert.deepEqual(compiled.errors, []);
    assert.deepEqual(compiled.operationIds.sort(), documentedIds(openapi), 'the generated client has every operation');
  } finally {
    checker.close();
  }
});

test('the check fails when an operation is missing from the client, or when drop would need a body', { timeout: 300_000 }, async (ctx) => {
  const { openapi } = await servedDocuments();
  // A document without makeCall: the call of makeCall no longer compiles.
  const withoutMakeCall = structuredClone(openapi) as { paths: Record<string, unknown> };
  delete withoutMakeCall.paths['/callcontrol/{dnnumber}/makecall'];
  const checker = new Checker();
  ctx.after(() => checker.close());
  const missing = await checker.compile(withoutMakeCall, CALLS);
  assert.ok(missing.errors.length > 0, 'a call of an operation the client lacks is a compile error');
  // A program that forgets an operation: Record<keyof operations> is incomplete.
  const { getHealth: _dropped, ...forgetful } = CALLS;
  const incomplete = await checker.compile(openapi, forgetful);
  assert.ok(incomplete.errors.some((error) => error.includes('getHealth')), incomplete.errors.join('\n'));
  // The body marked required again, as the document had it before: drop without a body is refused.
  const strict = structuredClone(openapi) as { paths: Record<string, Record<string, { requestBody: { required: boolean } }>> };
  strict.paths['/callcontrol/{dnnumber}/participants/{id}/{action}']!['post']!.requestBody.required = true;
  const bodyRequired = await checker.compile(strict, CALLS);
  assert.ok(bodyRequired.errors.length > 0, 'drop without a body does not compile when the body is required');
});
