// The audio commands as real processes against a started server on a fake clock: play, record, media, stream read and write.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import { bytesFromSamples, samplesFromBytes } from '../../src/media/format.js';
import { decodeWavTo8kMono, encodeWav8kMono } from '../../src/media/wav.js';
import { indexOf, pattern } from '../helpers/audio.js';
import { startCli } from '../helpers/cli.js';
import { deviceIds } from '../helpers/demo.js';
import { ADMIN_KEY, advanceInSteps, callAlice, callApp, DEMO_SECRET, runCli as run, startE2e, untilUploaded } from '../client/harness.js';

const IDS = deviceIds(demoConfig({ demoSecret: DEMO_SECRET }));

/** A folder for the test's audio files, removed when it ends. */
function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-audio-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Samples of raw s16le bytes (copied, so aligned). */
function pcm(bytes: Uint8Array): Int16Array {
  return samplesFromBytes(Buffer.from(bytes));
}

describe('switchboard audio commands', { concurrency: 4 }, () => {
  test('play sends a WAV file, raw PCM and a tone from a party; record -o writes a valid WAV (or --raw PCM) of what the other party heard', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY };
    const dir = tempFolder(t);
    const { callerId, aliceId } = await callAlice(e.sim);
    const prompt = pattern(4000, 1);
    const speech = pattern(4000, 2);
    writeFileSync(join(dir, 'prompt.wav'), encodeWav8kMono(prompt));
    writeFileSync(join(dir, 'speech.raw'), bytesFromSamples(speech));

    const wav = await run(['play', String(callerId), join(dir, 'prompt.wav')], env);
    assert.equal(wav.code, 0, wav.stderr);
    assert.equal(wav.stdout, `party ${callerId} is playing ${join(dir, 'prompt.wav')} (500 ms)\n`);
    await advanceInSteps(e.sim, 600);
    const raw = await run(['play', String(callerId), join(dir, 'speech.raw'), '--raw', '--json'], env);
    assert.equal(raw.code, 0, raw.stderr);
    const played = JSON.parse(raw.stdout) as { party: { id: number }; durationMs: number };
    assert.deepEqual([played.party.id, played.durationMs], [callerId, 500]);
    await advanceInSteps(e.sim, 600);
    const tone = await run(['play', String(callerId), '--tone', '1000', '--ms', '200'], env);
    assert.equal(tone.code, 0, tone.stderr);
    assert.equal(tone.stdout, `party ${callerId} is playing a 1000 Hz tone (200 ms)\n`);
    await advanceInSteps(e.sim, 300);

    const out = join(dir, 'alice.wav');
    const recorded = await run(['record', String(aliceId), '-o', out], env);
    assert.equal(recorded.code, 0, recorded.stderr);
    const file = readFileSync(out);
    assert.equal(recorded.stdout, `wrote what party ${aliceId} heard to ${out} (WAV, ${file.length} bytes)\n`);
    const heard = decodeWavTo8kMono(file);
    assert.ok(indexOf(heard, prompt) >= 0 && indexOf(heard, speech) > indexOf(heard, prompt), 'the WAV holds the file, then the raw PCM, sample for sample');
    assert.ok(heard.subarray(indexOf(heard, speech) + speech.length).some((v) => v !== 0), 'then the tone');

    const rawOut = join(dir, 'alice.raw');
    const json = await run(['record', String(aliceId), '--output', rawOut, '--raw', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { party: aliceId, file: rawOut, format: 'raw', bytes: heard.length * 2 });
    assert.deepEqual(pcm(readFileSync(rawOut)), heard, '--raw: the same audio without the header');
  });

  test('media sets what a phone, a number and everyone else send, and lists it; --json prints the server’s answers', async (t) => {
    const e = await startE2e(t);
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY };
    const echo = await run(['media', 'device', '100', IDS.alice, 'echo', '--delay', '40'], env);
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout, `device ${IDS.alice} of 100 now sends echo after 40 ms (in calls connected from now on)\n`);
    const tone = await run(['media', 'number', '+15550123', 'tone', '--frequency', '350,440', '--level=-20'], env);
    assert.equal(tone.code, 0, tone.stderr);
    assert.equal(tone.stdout, 'number +15550123 now sends tone 350 + 440 Hz at -20 dBm0 (in calls connected from now on)\n');
    const silence = await run(['media', 'default', 'silence', '--json'], env);
    assert.equal(silence.code, 0, silence.stderr);
    assert.deepEqual(JSON.parse(silence.stdout), { media: { kind: 'silence' } });

    const expected = await e.sim.media();
    assert.deepEqual(expected.numbers, { '+15550123': { kind: 'tone', frequencyHz: [350, 440], levelDbm0: -20 } });
    assert.deepEqual(expected.devices, [{ dn: '100', deviceId: IDS.alice, media: { kind: 'echo', delayMs: 40 } }]);
    const listed = await run(['media'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^FOR +NUMBER\/DN +DEVICE +SENDS\ndefault +silence\n/);
    assert.match(listed.stdout, /^number +\+15550123 +tone 350 \+ 440 Hz at -20 dBm0$/m);
    assert.match(listed.stdout, new RegExp(`^device +100 +${IDS.alice.replace(/[.]/g, '\\.')} +echo after 40 ms$`, 'm'));
    assert.deepEqual(JSON.parse((await run(['media', '--json'], env)).stdout), expected);
  });

  test('stream read -o FILE writes the raw audio the participant hears, until it leaves', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const file = join(tempFolder(t), 'heard.raw');
    const { callerId, appId } = await callApp(e);
    const cli = await startCli(['stream', 'read', '800', String(appId), '-o', file], { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET });
    await cli.waitFor(new RegExp(`^Listening to participant ${appId} on 800 until it leaves`, 'm'), 'stderr');
    const speech = pattern(8000, 3);
    await e.sim.playAudio(callerId, { pcm: bytesFromSamples(speech) });
    await advanceInSteps(e.sim, 1200);
    await e.sim.hangup(callerId);

    const { code } = await cli.exited;
    assert.equal(code, 0, cli.stderr());
    const bytes = readFileSync(file);
    assert.equal(cli.stdout(), `wrote ${(bytes.length / 16_000).toFixed(2)} s of what participant ${appId} heard to ${file} (${bytes.length} bytes)\n`);
    assert.ok(indexOf(pcm(bytes), speech) >= 0, 'the caller’s audio, sample for sample');
  });

  for (const source of ['FILE', '-'] as const) {
    const what = source === 'FILE' ? 'the file' : 'what arrives on standard input, in pieces, until it ends';
    test(`stream write ${source}: the participant speaks ${what}; the command ends with the server’s answer once it has played`, async (t) => {
      const e = await startE2e(t, { fakeClock: true });
      const audio = pattern(8000, source === 'FILE' ? 4 : 5);
      const bytes = bytesFromSamples(audio);
      const file = join(tempFolder(t), 'prompt.raw');
      if (source === 'FILE') writeFileSync(file, bytes);
      const { callerId, appId } = await callApp(e);
      const argument = source === 'FILE' ? file : '-';
      const cli = await startCli(['stream', 'write', '800', String(appId), argument], { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET }, { stdin: source === '-' });
      const shown = source === 'FILE' ? file.replace(/[.]/g, '\\.') : 'stdin';
      await cli.waitFor(new RegExp(`^Sending ${shown} to participant ${appId} on 800`, 'm'), 'stderr');
      if (source === '-') {
        const stdin = cli.child.stdin!;
        for (let at = 0; at < bytes.length; at += 3000) stdin.write(bytes.subarray(at, at + 3000)); // odd-sized pieces
        stdin.end();
      }
      await untilUploaded(e, 16_000);
      await advanceInSteps(e.sim, 1200);

      const { code } = await cli.exited;
      assert.equal(code, 0, cli.stderr());
      assert.equal(cli.stdout(), `participant ${appId} on 800: the upload played to the end (16000 bytes)\n`);
      assert.ok(indexOf(pcm(await e.sim.recording(callerId, { format: 'raw' })), audio) >= 0, `the caller heard ${source === 'FILE' ? 'the file' : 'standard input'}, sample for sample`);
    });
  }

  test('refusals exit 1 with one line: unknown participant, not Connected, unknown party, a file that cannot be read', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const env = { SWITCHBOARD_URL: e.url, SWITCHBOARD_CLIENT_SECRET: DEMO_SECRET, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY };
    const file = join(tempFolder(t), 'silence.raw');
    writeFileSync(file, Buffer.alloc(3200));
    await e.sim.setRoutePoint('800', { autoAnswer: false });
    const { appId } = await callApp(e);
    const cases: [string[], string][] = [
      [['stream', 'read', '800', '999'], '404 ParticipantNotFound: DN 800 has no participant 999'],
      [['stream', 'write', '800', String(appId), file], `424 NotConnected: participant ${appId} is Ringing: its audio stream opens once it is Connected`],
      [['record', '999', '-o', join(tmpdir(), 'never-written.wav')], '404 ParticipantNotFound: there is no recording of party 999'],
      [['play', '999', '--dtmf', '12'], '404 ParticipantNotFound: there is no simulated party 999'],
      [['play', '1', join(tmpdir(), 'no-such-file.wav')], `cannot read ${join(tmpdir(), 'no-such-file.wav')}: no such file or directory`],
    ];
    await Promise.all(
      cases.map(async ([args, line]) => {
        const { code, stdout, stderr } = await run(args, env);
        assert.equal(code, 1, args.join(' '));
        // stream write says what it sends before the server answers; then the one line.
        assert.equal(stderr.replace(/^Sending .*\n/, ''), `switchboard: ${line}\n`, args.join(' '));
        assert.equal(stdout, '', args.join(' '));
      }),
    );
  });

  test('usage mistakes exit 2 with the command’s usage', async () => {
    const env = { SWITCHBOARD_ADMIN_KEY: 'k', SWITCHBOARD_CLIENT_SECRET: 'x' };
    const cases: [string[], RegExp][] = [
      [['play', '1'], /^switchboard: give one sound: FILE, --tone or --dtmf\nUsage: switchboard play PARTY/],
      [['play', '1', '--tone', '440'], /^switchboard: --tone needs --ms\n/],
      [['record'], /^switchboard: missing PARTY\nUsage: switchboard record PARTY/],
      [['media', 'number', '+15550123', 'tone'], /^switchboard: tone needs --frequency HZ\nUsage: switchboard media/],
      [['media', 'default', 'echo', '--path', '/x.wav'], /^switchboard: --path does not go with echo\n/],
      [['media', 'phone', 'silence'], /^switchboard: media takes default, number or device, got 'phone'\n/],
      [['stream', 'listen', '800', '2'], /^switchboard: stream takes read or write, got 'listen'\nUsage: switchboard stream read DN PARTICIPANT/],
      [['stream', 'write', '800', '2', 'a.raw', '-o', 'b.raw'], /^switchboard: -o goes with stream read\n/],
    ];
    await Promise.all(
      cases.map(async ([args, pattern]) => {
        const { code, stderr } = await run(args, env);
        assert.equal(code, 2, args.join(' '));
        assert.match(stderr, pattern);
      }),
    );
  });
});
