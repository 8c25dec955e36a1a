// The client commands as real processes against a started server: dns, events, call, answer, hangup, dtmf, state, token, errors.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeJwtClaims, EventType, type EventFrame } from '../../src/client/index.js';
import { ADMIN_KEY, closedPort, DEMO_SECRET, runCli as run, startE2e } from '../client/harness.js';
import { startCli, untilFile } from '../helpers/cli.js';
import { ROOT } from '../helpers/root.js';
import { readableValidation } from '../../src/cli/errors.js';

const DOC = join(ROOT, 'docs/cli.md');

/** The ```text block after the dns marker of docs/cli.md. */
function documentedDns(): string {
  const doc = readFileSync(DOC, 'utf8');
  const marker = '<!-- output: switchboard dns on a fresh demo PBX (checked by test/cli/client-commands.test.ts) -->';
  const match = /^\s*```text\n([\s\S]*?)\n```/.exec(doc.slice(doc.indexOf(marker) + marker.length));
  assert.ok(doc.includes(marker) && match, 'docs/cli.md documents the dns output');
  return `${match[1]!}\n`;
}

describe('switchboard client commands', { concurrency: 4 }, () => {
  test('dns prints the table docs/cli.md documents; --json prints GET /callcontrol as is', async (t) => {
    const e = await startE2e(t);
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET };
    const table = await run(['dns'], env);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout, documentedDns());
    const json = await run(['dns', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), await e.app().listDns());
  });

  test('dns lists participants once there are calls; the demo secret variable works as the client secret', async (t) => {
    const e = await startE2e(t);
    const placed = await e.sim.placeCall({ from: '+15557654321', to: '+15550100', callerName: 'Erin' });
    const { code, stdout, stderr } = await run(['dns', '--url', e.url], { SWITCHBOARD_DEMO_SECRET: DEMO_SECRET });
    assert.equal(code, 0, stderr);
    const [participant] = await e.app().listParticipants('800');
    assert.match(stdout, /^PARTICIPANT +DN +STATUS +PARTY +NAME +PARTY DN +DEVICE +CALL +LEG$/m);
    assert.match(stdout, new RegExp(`^${participant!.id} +800 +Connected +\\+15557654321 +Erin +10000 +sip:800@127\\.0\\.0\\.1:5070 +${placed.callId} +${participant!.legid}$`, 'm'));
  });

  test('events --json --count N prints the raw frames, one per line, and exits 0', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const reference = await e.events(e.app());
    const cli = await startCli(['events', '--json', '--count', '4'], { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET });
    await cli.waitFor(/Listening for events on ws:\/\/127\.0\.0\.1:\d+\/callcontrol\/ws/, 'stderr');
    const caller = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    await e.sim.dtmf(caller.partyId, '12');
    await e.sim.hangup(caller.partyId);
    const expected: EventFrame[] = [];
    for (let i = 0; i < 4; i++) expected.push(await reference.waitFor(() => true));
    const { code } = await cli.exited;
    assert.equal(code, 0, cli.stderr());
    const lines = cli.stdout().trimEnd().split('\n');
    assert.deepEqual(lines, expected.map((frame) => JSON.stringify(frame)));
    assert.ok(expected.some((frame) => frame.event.event_type === EventType.DTMFstring));
  });

  test('events prints one readable line per frame, with an Upsert’s participant re-read; SIGINT ends it with 0', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const reference = await e.events(e.app());
    const cli = await startCli(['events'], { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET });
    await cli.waitFor(/Listening for events/, 'stderr');
    const caller = await e.sim.placeCall({ from: '+15557654321', to: '+15550100', callerName: 'Erin' });
    const upsert = await reference.waitFor({ type: EventType.Upsert, dn: '800' });
    await e.sim.dtmf(caller.partyId, '7');
    const dtmf = await reference.waitFor({ type: EventType.DTMFstring });
    await e.sim.hangup(caller.partyId);
    const remove = await reference.waitFor({ type: EventType.Remove });
    await cli.waitFor(new RegExp(`^#${remove.sequence} Remove`, 'm')); // printed once the Remove arrived
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    assert.equal(code, 0, cli.stderr());
    const out = cli.stdout();
    assert.match(out, new RegExp(`^#${upsert.sequence} Upsert ${upsert.event.entity} Connected \\+15557654321 "Erin"$`, 'm'));
    assert.match(out, new RegExp(`^#${dtmf.sequence} DTMFstring ${dtmf.event.entity} 7$`, 'm'));
    assert.match(out, new RegExp(`^#${remove.sequence} Remove ${remove.event.entity}$`, 'm'));
  });

  test('call places a call through /sim and prints the call and party ids; --json prints the result', async (t) => {
    const e = await startE2e(t);
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY };
    const { code, stdout, stderr } = await run(['call', '+15557654321', '+15550100', '--caller-name', 'Erin'], env);
    assert.equal(code, 0, stderr);
    const match = /^call (\d+), party (\d+) \(external \+15557654321 "Erin"\): connected to 800 "Demo App"\n$/.exec(stdout);
    assert.ok(match, stdout);
    const party = await e.sim.party(Number(match[2]));
    assert.equal(party.callId, Number(match[1]));
    assert.equal(party.number, '+15557654321');

    const json = await run(['call', '100', '103', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const placed = JSON.parse(json.stdout) as { callId: number; partyId: number; party: { kind: string; status: string } };
    assert.deepEqual([placed.party.kind, placed.party.status], ['phone', 'Dialing']);
    assert.equal((await e.sim.party(placed.partyId)).callId, placed.callId);
  });

  test('answer, dtmf and hangup act as the party; state shows the calls', async (t) => {
    const e = await startE2e(t, { fakeClock: true }); // Bob's desk phone would answer after 3 s of real time
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY };
    const events = await e.events(e.app());
    const caller = await e.sim.placeCall({ from: '+15557654321', to: '101' });
    const soft = (await e.sim.parties()).find((party) => party.dn === '101' && party.deviceId.includes('transport=tcp'))!;
    const answered = await run(['answer', String(soft.id)], env);
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(answered.stdout, `party ${soft.id} (phone 101 "Bob"): connected to +15557654321\n`);

    const pressed = await run(['dtmf', String(caller.partyId), '42'], env);
    assert.equal(pressed.code, 0, pressed.stderr);
    assert.equal(pressed.stdout, `party ${caller.partyId} pressed 42\n`);
    const dtmf = await events.waitFor({ type: EventType.DTMFstring, dn: '101', id: soft.id }); // the caller's keys reach Bob
    assert.equal(dtmf.event.attached_data.dtmf_input, '4');

    const state = await run(['state'], env);
    assert.equal(state.code, 0, state.stderr);
    assert.match(state.stdout, /^Clock: \d{4}-\d\d-\d\dT[\d:.]+Z \(fake: moves only on POST \/sim\/clock\/advance\)\n/);
    assert.match(state.stdout, /^101 +extension +Bob +sip:101@127\.0\.0\.1:5161 +yes +no +answers after 3000 ms$/m);
    assert.match(state.stdout, new RegExp(`^ +${soft.id} +phone +101 +Connected +101 +Bob +${caller.partyId}$`, 'm'));
    const stateJson = await run(['state', '--json'], env);
    assert.deepEqual(JSON.parse(stateJson.stdout).calls, (await e.sim.state()).calls);

    const hungUp = await run(['hangup', String(caller.partyId)], env);
    assert.equal(hungUp.code, 0, hungUp.stderr);
    assert.equal(hungUp.stdout, `party ${caller.partyId} has left the call\n`);
    assert.deepEqual((await e.sim.state()).calls, []);
  });

  test('token prints the access token; --json the token response', async (t) => {
    const e = await startE2e(t);
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET };
    const plain = await run(['token'], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(decodeJwtClaims(plain.stdout.trim()).sub, '800');
    const json = await run(['token', '--json'], env);
    const body = JSON.parse(json.stdout) as { token_type: string; expires_in: number };
    assert.deepEqual([body.token_type, body.expires_in], ['Bearer', 60]);
  });

  test('an unreachable server: exit 1 and one line naming the URL', async () => {
    const port = await closedPort();
    for (const args of [['dns', '--client-secret', 'x'], ['events', '--client-secret', 'x'], ['state', '--admin-key', 'k']]) {
      const { code, stdout, stderr } = await run([...args, '--url', `http://127.0.0.1:${port}`]);
      assert.equal(code, 1, args[0]);
      assert.equal(stderr, `switchboard: cannot reach http://127.0.0.1:${port}: connection refused\n`, args[0]);
      assert.equal(stdout, '');
    }
  });

  test('bad credentials and a wrong admin key: exit 1 and one line each', async (t) => {
    const e = await startE2e(t);
    for (const command of ['dns', 'events', 'token']) {
      const { code, stderr } = await run([command, '--url', e.url, '--client-secret', 'wrong-secret']);
      assert.equal(code, 1, command);
      assert.equal(stderr, 'switchboard: the server refused the client credentials (invalid_client)\n', command);
    }
    const refused = await run(['state', '--url', e.url, '--admin-key', 'wrong-key']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'switchboard: the admin key was refused\n');
    const missing = await run(['answer', '99', '--url', e.url, '--admin-key', ADMIN_KEY]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'switchboard: 404 ParticipantNotFound: there is no simulated party 99\n');
  });

  test('a server with /sim switched off says so', async (t) => {
    const e = await startE2e(t, { configure: (config) => (config.server.sim.enabled = false) });
    const { code, stderr } = await run(['state', '--url', e.url, '--admin-key', ADMIN_KEY]);
    assert.equal(code, 1);
    assert.equal(stderr, 'switchboard: the server has no /sim control plane (switched off in its configuration, or not Switchboard)\n');
  });

  test('usage mistakes exit 2 with the command’s usage: missing secret or key, arguments, flags', async () => {
    const cases: [string[], RegExp][] = [
      [['dns'], /^switchboard: no client secret: pass --client-secret or set SWITCHBOARD_CLIENT_SECRET\nUsage: switchboard dns/],
      [['state'], /^switchboard: no admin key: pass --admin-key or set SWITCHBOARD_ADMIN_KEY/],
      [['call', '+15557654321', '--admin-key', 'k'], /^switchboard: missing TO\nUsage: switchboard call FROM TO/],
      [['answer', 'abc', '--admin-key', 'k'], /^switchboard: PARTY must be a participant id \(a whole number\), got 'abc'/],
      [['events', '--count', '0', '--client-secret', 'x'], /^switchboard: --count must be a whole number from 1 to 1000000, got '0'/],
      [['dns', '--colour', '--client-secret', 'x'], /Unknown option '--colour'[\s\S]*Usage: switchboard dns/],
      [['dns', '--url', 'ftp://x', '--client-secret', 'x'], /^switchboard: --url must be an http:\/\/ or https:\/\/ URL, got 'ftp:\/\/x'/],
    ];
    await Promise.all(
      cases.map(async ([args, pattern]) => {
        const { code, stderr } = await run(args);
        assert.equal(code, 2, args.join(' '));
        assert.match(stderr, pattern);
      }),
    );
    const help = await run(['help']);
    assert.equal(help.code, 0);
    for (const command of ['serve', 'token', 'dns', 'events', 'stream read', 'stream write', 'call', 'answer', 'hangup', 'dtmf', 'state', 'play', 'record', 'media']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  });

  test('connection flags go before the command as well as after it', async (t) => {
    const e = await startE2e(t);
    const before = await run(['--admin-key', ADMIN_KEY, '--url', e.url, 'state', '--json']);
    assert.equal(before.code, 0, before.stderr);
    const after = await run(['state', '--json', '--admin-key', ADMIN_KEY, `--url=${e.url}`]);
    assert.deepEqual(JSON.parse(before.stdout).dns, JSON.parse(after.stdout).dns);
    const dns = await run(['--client-secret', DEMO_SECRET, '--url', e.url, 'dns']);
    assert.equal(dns.code, 0, dns.stderr);
    assert.equal(dns.stdout, documentedDns());
    const unknown = await run(['--url', e.url, 'launch']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^switchboard: unknown command 'launch'/);
  });

  test('wrong keys for dtmf and play --dtmf are refused in words, before anything is sent', async () => {
    const port = await closedPort(); // nothing listens: a request would fail with 'cannot reach'
    const env = { SWITCHBOARD_URL: `http://127.0.0.1:${port}`, SWITCHBOARD_ADMIN_KEY: 'k' };
    const dtmf = await run(['dtmf', '1', 'x'], env);
    assert.equal(dtmf.code, 2);
    assert.match(dtmf.stderr, /^switchboard: DIGITS are keys of a phone: 0-9, \*, # or A-D, at most 64 of them; got 'x'\nUsage: switchboard dtmf/);
    const play = await run(['play', '1', '--dtmf', '12E'], env);
    assert.equal(play.code, 2);
    assert.match(play.stderr, /^switchboard: --dtmf takes keys of a phone: 0-9, \*, # or A-D, at most 64 of them; got '12E'\n/);
    for (const stderr of [dtmf.stderr, play.stderr]) assert.doesNotMatch(stderr, /pattern|body\//);
  });

  test('wait exits 0 once the server answers, and 1 with one line when it does not within --timeout', async (t) => {
    const e = await startE2e(t);
    const ready = await run(['wait', '--url', e.url]);
    assert.deepEqual([ready.code, ready.stderr, ready.stdout], [0, `${e.url} is ready\n`, '']);
    const port = await closedPort();
    const late = await run(['wait', '--timeout', '0.5'], { SWITCHBOARD_URL: `http://127.0.0.1:${port}` });
    assert.equal(late.code, 1);
    assert.equal(late.stderr, `switchboard: http://127.0.0.1:${port} did not answer within 0.5 s\n`);
    const missing = await run(['wait', '--url', e.url, '--timeout', '0.5', '--file', join(e.dataDir, 'never-written')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /did not answer or \S+never-written did not appear within 0\.5 s\n$/);
    const usage = await run(['wait', '--timeout', '0']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^switchboard: --timeout must be more than 0/);
  });

  test('events --ready-file writes the file once listening and removes it when it ends', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const file = join(e.dataDir, 'events.ready');
    const cli = await startCli(['events', '--count', '1', '--ready-file', file], { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET });
    await untilFile(file);
    // The line is written before the file; its pipe may be read a moment after the file is seen on a busy machine.
    await cli.waitFor(/Listening for events/, 'stderr');
    assert.equal(readFileSync(file, 'utf8'), `${e.url}\n`);
    await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    assert.equal((await cli.exited).code, 0, cli.stderr());
    assert.equal(existsSync(file), false);
  });

  test('the play and record examples of docs/cli.md work on party 1, the caller of a call to the demo application', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY };
    const placed = await run(['call', '+15557654321', '+15550100'], env);
    assert.match(placed.stdout, /^call 1, party 1 /);
    const tone = await run(['play', '1', '--tone', '350,440', '--ms', '500'], env);
    assert.equal(tone.stdout, 'party 1 is playing a 350 + 440 Hz tone (500 ms)\n');
    const keys = await run(['play', '1', '--dtmf', '12#'], env);
    assert.equal(keys.stdout, 'party 1 is playing the keys 12# as tones (500 ms)\n');
    const out = join(e.dataDir, 'caller.wav');
    const recorded = await run(['record', '1', '-o', out], env);
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.equal(recorded.stdout, `wrote what party 1 heard to ${out} (WAV, ${readFileSync(out).length} bytes)\n`);
  });
});

describe('schema messages reworded for people', () => {
  test('a field and its rule, without the pattern; other messages pass through', () => {
    assert.equal(readableValidation('body/digits must match pattern "^[0-9*#A-D]+$"'), 'digits has characters or a form that is not allowed');
    assert.equal(readableValidation('body/intervalMs must be <= 10000'), 'intervalMs must be <= 10000');
    assert.equal(readableValidation("body must have required property 'from', body/to must be string"), "the request must have required property 'from'; to must be string");
    assert.equal(readableValidation('there is no simulated party 99'), 'there is no simulated party 99');
  });
});
